"""Committee inspections: a monthly checklist of the grade's service standard (met /
partly / not met, note, photos)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.models import Compound
from market.permissions import can_manage_household_codes, require
from market.selectors import fee_grade_for
from market.services.compounds import lock_compound
from market.services.events import event_record

from ..models import CHECK_POINTS, CheckResult, Inspection, InspectionPhoto
from .common import grade_of, month_start, serving_engagement

RESULT_MISSING = _("Mark every line of the checklist: met, partly met or not met.")
ALREADY_INSPECTED = _("This month's inspection has already been recorded.")
NO_STANDARD = _("The district's fee schedule has no service standard for grade %(grade)s.")
MAX_PHOTOS = 10
TOO_MANY_PHOTOS = _("At most %(max)d photos.")


def inspection_checklist(*, compound: Compound, on: date | None = None) -> tuple:
    """(engagement, grade, [{"item", "standard"}]) for the firm serving now."""
    engagement = serving_engagement(compound)
    grade = grade_of(engagement) or 1
    fee_grade = fee_grade_for(district=compound.street_office.district, grade=grade, on=on)
    if fee_grade is None or not fee_grade.standard:
        raise ValidationError(NO_STANDARD % {"grade": grade})
    return engagement, grade, list(fee_grade.standard)


def inspection_score(results: list[str]) -> Decimal:
    points = [CHECK_POINTS[r] for r in results]
    return (Decimal(sum(points)) / len(points)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@transaction.atomic
def inspection_record(
    *,
    actor,
    compound: Compound,
    results: list[str],
    notes: list[str],
    note: str = "",
    photos=(),
    today: date | None = None,
) -> Inspection:
    """``results``/``notes`` follow the checklist's order; photos are already validated
    with ``market.uploads.validate_upload``."""
    require(can_manage_household_codes(actor, compound))
    today = today or timezone.localdate()
    lock_compound(compound.pk)
    engagement, grade, standard = inspection_checklist(compound=compound, on=today)
    if len(results) != len(standard) or any(r not in CheckResult.values for r in results):
        raise ValidationError(RESULT_MISSING)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": TOO_MANY_PHOTOS % {"max": MAX_PHOTOS}})
    notes = list(notes) + [""] * (len(standard) - len(notes))
    checklist = [
        {
            "item": line.get("item"),
            "standard": line.get("standard", ""),
            "result": result,
            "note": (line_note or "").strip()[:500],
        }
        for line, result, line_note in zip(standard, results, notes, strict=False)
    ]
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                compound=compound,
                engagement=engagement,
                firm=engagement.firm,
                month=month_start(today),
                grade=grade,
                checklist=checklist,
                score=inspection_score(results),
                note=(note or "").strip()[:2000],
                inspected_by=actor,
            )
    except IntegrityError:
        raise ValidationError(ALREADY_INSPECTED, code="inspected") from None
    for photo in photos:
        InspectionPhoto.objects.create(inspection=inspection, image=photo)
    event_record(
        actor=actor,
        action="inspection.recorded",
        target=inspection,
        after={"score": str(inspection.score), "month": f"{inspection.month:%Y-%m}"},
    )
    return inspection
