"""Forms of the fallback and handover pages (issue #6)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from market.models import Firm

from .models import HandoverItemKind


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


class HandoverConfirmForm(forms.Form):
    kind = forms.ChoiceField(label=_("Item"), choices=HandoverItemKind.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    refund_amount = forms.DecimalField(
        label=_("Prepaid fees to refund (¥)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )


class HandoverRefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
