from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CollectionMethod

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TrialRequestForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Start date"),
        widget=DATE_WIDGET,
        help_text=_("The trial runs for the offer's trial length from this day."),
    )
    message = forms.CharField(
        label=_("Message to the firm"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VoteForm(forms.Form):
    notice_on = forms.DateField(
        label=_("Notice given on"),
        widget=DATE_WIDGET,
        help_text=_("Owners must have 15 days' notice of the vote."),
    )
    vote_on = forms.DateField(label=_("Vote held on"), widget=DATE_WIDGET)
    published_on = forms.DateField(
        label=_("Result published on"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("The result is to be published within 3 days of the vote."),
    )
    participating_owners = forms.IntegerField(label=_("Owners who took part"), min_value=0)
    participating_area = forms.DecimalField(
        label=_("Exclusive area of the owners who took part (㎡)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    approving_owners = forms.IntegerField(label=_("Owners who approved"), min_value=0)
    approving_area = forms.DecimalField(
        label=_("Exclusive area of the owners who approved (㎡)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )


class ContractGenerateForm(forms.Form):
    term_years = forms.TypedChoiceField(
        label=_("Term"),
        coerce=int,
        choices=[(1, _("1 year")), (2, _("2 years")), (3, _("3 years"))],
        initial=1,
    )
    collection_method = forms.ChoiceField(
        label=_("Fee collection"),
        choices=CollectionMethod.choices,
        initial=CollectionMethod.MONTHLY,
    )
    starts_on = forms.DateField(
        label=_("Start date"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Leave empty to start the day after the trial ends."),
    )


class SignForm(forms.Form):
    document_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class FileForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE_WIDGET, required=False)


class VerifyForm(forms.Form):
    document = forms.FileField(label=_("Contract PDF"), required=False)
    sha256 = forms.CharField(
        label=_("or its SHA-256"),
        required=False,
        max_length=64,
        help_text=_("64 hexadecimal characters, as printed on the contract's page."),
    )

    def clean_sha256(self):
        value = self.cleaned_data["sha256"].strip().lower()
        if value and (len(value) != 64 or any(c not in "0123456789abcdef" for c in value)):
            raise forms.ValidationError(_("A SHA-256 is 64 characters 0–9 and a–f."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("document") and not data.get("sha256"):
            raise forms.ValidationError(_("Upload the PDF or enter its SHA-256."))
        return data
