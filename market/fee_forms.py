"""The bureau's form for a draft fee schedule: the version's terms, then one block per
grade (name, fee band, minimum score, and one box per service item for its standard)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import EnforcementMode, FeeSchedule
from .models.fees import ENFORCEMENT_EXPLANATIONS
from .models.offers import ScopeItem
from .services.fees import (
    BAND_MIN_BELOW_MAX,
    GRADES,
    fee_grades_validate,
    fee_schedule_effective_date_errors,
)

STANDARD_PREFIX = "standard_"


class FeeScheduleForm(forms.Form):
    enforcement = forms.ChoiceField(
        label=_("Enforcement"),
        choices=EnforcementMode.choices,
        widget=forms.RadioSelect,
    )
    effective_from = forms.DateField(
        label=_("Takes effect on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Today or later. The version in force until then stays in force."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the public with the schedule, e.g. the document it implements."),
    )

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district

    def clean_effective_from(self):
        # Checked here too, so that the clerk sees it together with the grades' errors.
        effective_from = self.cleaned_data["effective_from"]
        errors = fee_schedule_effective_date_errors(
            district=self.district, effective_from=effective_from
        )
        if errors:
            raise ValidationError(errors)
        return effective_from

    def enforcement_options(self):
        """Each radio button with what the mode means for offers."""
        return [
            (radio, ENFORCEMENT_EXPLANATIONS.get(radio.data["value"], ""))
            for radio in self["enforcement"]
        ]

    @classmethod
    def initial_for(cls, schedule: FeeSchedule) -> dict:
        return {
            "enforcement": schedule.enforcement,
            "effective_from": schedule.effective_from,
            "note": schedule.note,
        }


class FeeGradeForm(forms.Form):
    grade = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=5)
    name = forms.CharField(label=_("Grade name"), max_length=50)
    fee_min = forms.DecimalField(
        label=_("Lowest fee (¥/㎡·month)"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    fee_max = forms.DecimalField(
        label=_("Highest fee (¥/㎡·month)"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    min_score = forms.IntegerField(
        label=_("Minimum evaluation score"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One box per service item (DOMAIN: Offers, scope items); leave a box empty when
        # the grade's standard does not cover that item.
        for item in ScopeItem:
            self.fields[STANDARD_PREFIX + item.value] = forms.CharField(
                label=item.label,
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @property
    def grade_number(self):
        if self.is_bound:
            return self.data.get(self.add_prefix("grade"))
        return self.initial.get("grade")

    def basic_fields(self):
        return [self[name] for name in ("name", "fee_min", "fee_max", "min_score")]

    def standard_fields(self):
        return [self[STANDARD_PREFIX + item] for item in ScopeItem.values]

    def clean(self):
        data = super().clean()
        grade, low, high = data.get("grade"), data.get("fee_min"), data.get("fee_max")
        if None not in (grade, low, high) and low >= high:
            message = BAND_MIN_BELOW_MAX % {"grade": grade, "low": low, "high": high}
            self.add_error("fee_max", message)
        return data

    def grade_data(self) -> dict:
        data = self.cleaned_data
        return {
            "grade": data["grade"],
            "name": data["name"],
            "fee_min": data["fee_min"],
            "fee_max": data["fee_max"],
            "min_score": data["min_score"],
            "standard": [
                {"item": item, "standard": data[STANDARD_PREFIX + item].strip()}
                for item in ScopeItem.values
                if data.get(STANDARD_PREFIX + item, "").strip()
            ],
        }

    @staticmethod
    def initial_for(grade) -> dict:
        initial = {
            "grade": grade.grade,
            "name": grade.name,
            "fee_min": grade.fee_min,
            "fee_max": grade.fee_max,
            "min_score": grade.min_score,
        }
        for entry in grade.standard:
            initial[STANDARD_PREFIX + str(entry.get("item"))] = entry.get("standard", "")
        return initial


class BaseFeeGradeFormSet(forms.BaseFormSet):
    def grades(self) -> list[dict]:
        return [form.grade_data() for form in self.forms if form.cleaned_data]

    def clean(self):
        if any(self.errors):
            return
        # The service's rules, shown above the grades: grades 1–5, rising bands and scores.
        try:
            fee_grades_validate(self.grades())
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("grades", error.messages)) from None


FeeGradeFormSet = forms.formset_factory(
    FeeGradeForm, formset=BaseFeeGradeFormSet, extra=0, max_num=len(GRADES)
)


def fee_schedule_forms(schedule: FeeSchedule, data=None) -> tuple[FeeScheduleForm, FeeGradeFormSet]:
    """The draft's form and grade formset, bound to ``data`` or filled from the draft."""
    form = FeeScheduleForm(
        data, initial=FeeScheduleForm.initial_for(schedule), district=schedule.district
    )
    formset = FeeGradeFormSet(
        data,
        prefix="grades",
        initial=[FeeGradeForm.initial_for(grade) for grade in schedule.grades.all()],
    )
    return form, formset
