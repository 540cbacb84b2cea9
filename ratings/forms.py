from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from market.uploads import validate_upload

from .models import CheckResult, RequestCategory, Urgency
from .models.settings import MAX_RESPONSE_HOURS
from .services.deadlines import NOT_WHOLE_HOURS
from .services.inspections import MAX_PHOTOS, TOO_MANY_PHOTOS

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.ImageField):
    """Several photos in one file input, each checked like every upload
    (``market.uploads.validate_upload``); cleans to a list, empty when none."""

    def __init__(self, *args, max_files: int, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("validators", [validate_photo])
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            super().clean(None, initial)  # "required" when it is
            return []
        if len(files) > self.max_files:
            raise forms.ValidationError(
                TOO_MANY_PHOTOS, code="too_many", params={"max": self.max_files}
            )
        cleaned, errors = [], []
        for file in files:
            try:
                cleaned.append(super().clean(file, initial))
            except forms.ValidationError as error:
                name = getattr(file, "name", "")
                errors.extend(f"{name}: {message}" for message in error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class InspectionForm(forms.Form):
    note = forms.CharField(
        label=_("Overall note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = MultiplePhotoField(
        label=_("Photos (optional)"),
        required=False,
        max_files=MAX_PHOTOS,
    )

    def __init__(self, *args, standard=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("Up to %(max)d photos: PNG, JPEG or WebP.") % {
            "max": MAX_PHOTOS
        }
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


class RequestDeadlinesForm(forms.Form):
    """The district's SLA; the ranges are checked by ``request_deadlines_set``."""

    urgent_response_hours = forms.IntegerField(
        label=_("Urgent requests: respond within (hours)"),
        error_messages={"invalid": NOT_WHOLE_HOURS},
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_RESPONSE_HOURS, "step": 1}),
    )
    normal_response_hours = forms.IntegerField(
        label=_("Normal requests: respond within (hours)"),
        error_messages={"invalid": NOT_WHOLE_HOURS},
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_RESPONSE_HOURS, "step": 1}),
    )
