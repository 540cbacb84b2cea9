"""Forms of the fallback and handover pages (issue #6)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from market.models import Compound, Firm

from .models import HandoverItemKind, WrittenWarning
from .services.fallback.common import REASON_REQUIRED, WARNING_TEXT_REQUIRED


class DesignationForm(forms.Form):
    firm = forms.ModelChoiceField(label=_("Fallback operator"), queryset=Firm.objects.none())
    fee = forms.DecimalField(
        label=_("Fallback fee (¥/㎡·month)"), min_value=0, max_digits=6, decimal_places=2
    )
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = Firm.objects.filter(districts=district).order_by("name")


class DesignationEndForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ExtensionForm(forms.Form):
    until = forms.DateField(label=_("New last day"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class HandoverRefundForm(forms.Form):
    """The refund of prepaid fees the outgoing side states with the fees item."""

    refund_amount = forms.DecimalField(
        label=_("Prepaid fees to refund (¥)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )


class HandoverConfirmForm(HandoverRefundForm):
    kind = forms.ChoiceField(label=_("Item"), choices=HandoverItemKind.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    field_order = ["kind", "note", "refund_amount"]


class HandoverConfirmAllForm(HandoverRefundForm):
    """A firm confirms every item still open for its side in one submission; the refund
    is asked of the outgoing side only (the photos come with the request's files)."""

    def __init__(self, *args, side: str | None = None, **kwargs):
        kwargs.setdefault("prefix", "all")
        super().__init__(*args, **kwargs)
        if side != "outgoing":
            del self.fields["refund_amount"]


class HandoverRefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class HandoverEnforceForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for enforcing the takeover"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WarningForm(forms.Form):
    text = forms.CharField(
        label=_("Written warning"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": WARNING_TEXT_REQUIRED},
    )


class FallbackOrderForm(forms.Form):
    # Not required here: the service names the firm that must be warned first.
    warning = forms.ModelChoiceField(
        label=_("Written warning the order rests on"),
        queryset=WrittenWarning.objects.none(),
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_REQUIRED},
    )

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warning"].queryset = compound.written_warnings.select_related("firm")
        self.fields["warning"].label_from_instance = lambda warning: (
            f"{warning.issued_on:%Y-%m-%d} · {warning.firm.name} · {warning.text[:40]}"
        )


class CompoundPickForm(forms.Form):
    """Which compound the bureau warns or orders into fallback (GET)."""

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = Compound.objects.filter(
            street_office__district=district
        ).order_by("name")
