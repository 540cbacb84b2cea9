from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from market.uploads import validate_upload

from .models import CheckResult, RequestCategory, Urgency

validate_photo = partial(validate_upload, allowed=("image",))
SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class HouseholdCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Household code"),
        max_length=30,
        help_text=_(
            "The code on the sheet your committee gave your household, e.g. ABCD-EFGH-JKMN."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class IssueCodesForm(forms.Form):
    households = forms.CharField(
        label=_("Households"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One household per line, e.g. building-unit-flat: 3-2-101."),
    )


class RatingForm(forms.Form):
    """One 1–5 field per scope item of the serving firm's offer, and a comment."""

    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        scored = {}
        for item, label in self.items:
            scored[f"score_{item}"] = forms.TypedChoiceField(
                label=label,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "stars"}),
                error_messages={
                    "required": _("Give this item a score from 1 to 5."),
                    "invalid_choice": _("Scores run from 1 to 5."),
                },
            )
        self.fields = {**scored, **self.fields}

    def scores(self) -> dict:
        return {item: self.cleaned_data[f"score_{item}"] for item, _label in self.items}


class ServiceRequestForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=RequestCategory.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    text = forms.CharField(
        label=_("What is the problem?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.ImageField(
        label=_("Photo (optional)"), required=False, validators=[validate_photo]
    )


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class InspectionForm(forms.Form):
    note = forms.CharField(
        label=_("Overall note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.ImageField(
        label=_("Photo (optional)"), required=False, validators=[validate_photo]
    )

    def __init__(self, *args, standard=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(standard)
        lines = {}
        for index, line in enumerate(self.lines):
            lines[f"result_{index}"] = forms.ChoiceField(
                label=line.get("standard", ""),
                choices=CheckResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Mark this line: met, partly met or not met.")},
            )
            lines[f"note_{index}"] = forms.CharField(
                label=_("Note"), required=False, max_length=500
            )
        self.fields = {**lines, **self.fields}

    def results(self) -> list[str]:
        return [self.cleaned_data[f"result_{i}"] for i in range(len(self.lines))]

    def notes(self) -> list[str]:
        return [self.cleaned_data.get(f"note_{i}", "") for i in range(len(self.lines))]
