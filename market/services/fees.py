"""Fee schedules (DOMAIN: "Fee schedule (质价相符)").

A district's bureau drafts the next version of its schedule (grades 1–5, each with a fee
band in ¥/㎡·month, the minimum evaluation score that earns it and its service
standard), then approves it with an effective date. An approved version is immutable:
the next change is a new version. The version in force on a day is the latest approved
one whose effective date has come (``market.selectors.current_fee_schedule``).

Lifecycle: draft → approved; a draft can also be discarded (deleted). One open draft per
district at a time (also a conditional unique constraint).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..exceptions import InvalidTransition
from ..fee_defaults import DEFAULT_ENFORCEMENT, default_grades
from ..models import District, EnforcementMode, FeeGrade, FeeSchedule, FeeScheduleStatus
from ..models.offers import ScopeItem
from ..permissions import can_edit_fee_schedule, require
from .events import event_record

FEE_SCHEDULE_TRANSITIONS: dict[str, set[str]] = {
    FeeScheduleStatus.DRAFT: {FeeScheduleStatus.APPROVED},
    FeeScheduleStatus.APPROVED: set(),  # immutable: the next change is a new version
}
# Edited or discarded: drafts only.
EDITABLE_STATUSES = {FeeScheduleStatus.DRAFT}

GRADES = range(1, 6)  # DOMAIN: grades 1 (basic) … 5 (highest)
FEE_STEP = Decimal("0.01")  # DOMAIN: fees to 2 decimals per ㎡·month
MAX_SCORE = 100

DRAFT_EXISTS = _(
    "Version %(version)d is already being drafted; finish or discard it before starting another."
)
GRADE_MISSING = _("Grade %(grade)d is missing: a schedule has exactly the grades 1 to 5.")
GRADE_UNKNOWN = _("There is no grade %(grade)s: grades run from 1 to 5.")
GRADE_TWICE = _("Grade %(grade)d is given twice.")
GRADE_NAME_REQUIRED = _("Grade %(grade)d: give the grade a name.")
FEE_NOT_A_NUMBER = _("Grade %(grade)d: enter the fees as amounts in yuan, such as 1.20.")
FEE_POSITIVE = _("Grade %(grade)d: fees must be above ¥0.")
FEE_TO_THE_FEN = _("Grade %(grade)d: fees are given to the fen (at most 2 decimal places).")
BAND_MIN_BELOW_MAX = _(
    "Grade %(grade)d: the lowest fee (¥%(low)s) must be below the highest fee (¥%(high)s)."
)
BAND_OVERLAP = _(
    "Grade %(grade)d's band starts at ¥%(low)s, below the top of grade %(previous)d's band "
    "(¥%(high)s): bands must rise from grade to grade without overlapping."
)
SCORE_INVALID = _("Grade %(grade)d: the minimum score is a whole number from 0 to 100.")
SCORE_ASCENDING = _(
    "Grade %(grade)d: the minimum score (%(score)d) must be higher than grade "
    "%(previous)d's (%(previous_score)d)."
)
STANDARD_REQUIRED = _("Grade %(grade)d: give the service standard for at least one service item.")
STANDARD_ITEM_UNKNOWN = _("Grade %(grade)d: “%(item)s” is not a service item.")
STANDARD_ITEM_TWICE = _("Grade %(grade)d: %(item)s is listed twice.")
STANDARD_TEXT_REQUIRED = _("Grade %(grade)d: describe the standard for %(item)s.")
ENFORCEMENT_UNKNOWN = _("Choose cap or benchmark enforcement.")
EFFECTIVE_DATE_REQUIRED = _("Give the date this version takes effect.")
EFFECTIVE_DATE_PAST = _("The effective date cannot be in the past: choose %(today)s or later.")
EFFECTIVE_DATE_BEFORE_LATEST = _(
    "Version %(version)d takes effect on %(date)s; a later version cannot take effect before it."
)


@dataclass(frozen=True)
class ScheduleTerms:
    """What a bureau decides in a version, checked and normalised."""

    enforcement: str
    effective_from: date
    note: str
    grades: list[dict]


# --- Validation ------------------------------------------------------------------------


def _fee(value, grade: int, errors: list) -> Decimal | None:
    try:
        fee = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        errors.append(FEE_NOT_A_NUMBER % {"grade": grade})
        return None
    if not fee.is_finite():
        errors.append(FEE_NOT_A_NUMBER % {"grade": grade})
        return None
    if fee <= 0:
        errors.append(FEE_POSITIVE % {"grade": grade})
        return None
    if fee != fee.quantize(FEE_STEP):
        errors.append(FEE_TO_THE_FEN % {"grade": grade})
        return None
    return fee.quantize(FEE_STEP)


def _standard(entries, grade: int, errors: list) -> list[dict]:
    labels = dict(ScopeItem.choices)
    by_item: dict[str, str] = {}
    for entry in entries or []:
        item = str(entry.get("item", "")).strip()
        text = str(entry.get("standard", "")).strip()
        if item not in labels:
            errors.append(STANDARD_ITEM_UNKNOWN % {"grade": grade, "item": item})
        elif item in by_item:
            errors.append(STANDARD_ITEM_TWICE % {"grade": grade, "item": labels[item]})
        elif not text:
            errors.append(STANDARD_TEXT_REQUIRED % {"grade": grade, "item": labels[item]})
        else:
            by_item[item] = text
    if not entries:
        errors.append(STANDARD_REQUIRED % {"grade": grade})
    # Stored in ScopeItem order, so every page lists items the same way.
    return [
        {"item": item, "standard": by_item[item]} for item in ScopeItem.values if item in by_item
    ]


def fee_grades_validate(grades: list[dict]) -> list[dict]:
    """Check a schedule's grades and return them normalised (sorted, fees quantised).

    Exactly grades 1..5; each band min < max; bands ascending without overlapping (a band
    may start where the previous one ends, as the DOMAIN defaults do); minimum scores
    ascending and ≤ 100; a service standard for at least one item. Raises one
    ValidationError listing every problem, each naming its grade."""
    errors: list = []
    by_grade: dict[int, dict] = {}
    for raw in grades:
        try:
            number = int(raw.get("grade"))
        except (TypeError, ValueError):
            number = None
        if number not in GRADES:
            errors.append(GRADE_UNKNOWN % {"grade": raw.get("grade")})
            continue
        if number in by_grade:
            errors.append(GRADE_TWICE % {"grade": number})
            continue
        name = str(raw.get("name") or "").strip()
        if not name:
            errors.append(GRADE_NAME_REQUIRED % {"grade": number})
        fee_min = _fee(raw.get("fee_min"), number, errors)
        fee_max = _fee(raw.get("fee_max"), number, errors)
        if fee_min is not None and fee_max is not None and fee_min >= fee_max:
            errors.append(BAND_MIN_BELOW_MAX % {"grade": number, "low": fee_min, "high": fee_max})
        try:
            min_score = int(raw.get("min_score"))
        except (TypeError, ValueError):
            min_score = None
        if min_score is None or not 0 <= min_score <= MAX_SCORE:
            errors.append(SCORE_INVALID % {"grade": number})
            min_score = None
        by_grade[number] = {
            "grade": number,
            "name": name,
            "fee_min": fee_min,
            "fee_max": fee_max,
            "min_score": min_score,
            "standard": _standard(raw.get("standard"), number, errors),
        }
    for number in GRADES:
        if number not in by_grade:
            errors.append(GRADE_MISSING % {"grade": number})
    ordered = [by_grade[number] for number in GRADES if number in by_grade]
    for previous, current in zip(ordered, ordered[1:], strict=False):
        if None not in (previous["fee_max"], current["fee_min"]) and (
            current["fee_min"] < previous["fee_max"]
        ):
            errors.append(
                BAND_OVERLAP
                % {
                    "grade": current["grade"],
                    "low": current["fee_min"],
                    "previous": previous["grade"],
                    "high": previous["fee_max"],
                }
            )
        if None not in (previous["min_score"], current["min_score"]) and (
            current["min_score"] <= previous["min_score"]
        ):
            errors.append(
                SCORE_ASCENDING
                % {
                    "grade": current["grade"],
                    "score": current["min_score"],
                    "previous": previous["grade"],
                    "previous_score": previous["min_score"],
                }
            )
    if errors:
        raise ValidationError({"grades": errors})
    return ordered


def _latest_approved(district: District) -> FeeSchedule | None:
    return (
        FeeSchedule.objects.filter(district=district, status=FeeScheduleStatus.APPROVED)
        .order_by("-version")
        .first()
    )


def fee_schedule_effective_date_errors(*, district: District, effective_from) -> list:
    """The effective date is today (Asia/Shanghai) or later, and not before the date of
    the latest approved version, so versions take effect in the order they were approved."""
    today = timezone.localdate()
    if effective_from is None:
        return [EFFECTIVE_DATE_REQUIRED]
    if effective_from < today:
        return [EFFECTIVE_DATE_PAST % {"today": today.isoformat()}]
    latest = _latest_approved(district)
    if latest is not None and effective_from < latest.effective_from:
        return [
            EFFECTIVE_DATE_BEFORE_LATEST
            % {"version": latest.version, "date": latest.effective_from.isoformat()}
        ]
    return []


def fee_schedule_terms_validate(
    *, district: District, enforcement, effective_from, note, grades
) -> ScheduleTerms:
    """Everything a version must satisfy to be saved as a draft or approved."""
    errors: dict[str, list] = {}
    if enforcement not in EnforcementMode.values:
        errors["enforcement"] = [ENFORCEMENT_UNKNOWN]
    date_errors = fee_schedule_effective_date_errors(
        district=district, effective_from=effective_from
    )
    if date_errors:
        errors["effective_from"] = date_errors
    normalised: list[dict] = []
    try:
        normalised = fee_grades_validate(grades)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return ScheduleTerms(
        enforcement=enforcement,
        effective_from=effective_from,
        note=(note or "").strip(),
        grades=normalised,
    )


# --- Snapshots for the event log ------------------------------------------------------------


def _grade_rows(schedule: FeeSchedule) -> list[dict]:
    return [
        {
            "grade": g.grade,
            "name": g.name,
            "fee_min": g.fee_min,
            "fee_max": g.fee_max,
            "min_score": g.min_score,
            "standard": g.standard,
        }
        for g in schedule.grades.order_by("grade")
    ]


def _snapshot(schedule: FeeSchedule) -> dict:
    return {
        "version": schedule.version,
        "status": schedule.status,
        "enforcement": schedule.enforcement,
        "effective_from": schedule.effective_from.isoformat(),
        "note": schedule.note,
        "grades": [
            {**row, "fee_min": str(row["fee_min"]), "fee_max": str(row["fee_max"])}
            for row in _grade_rows(schedule)
        ],
    }


def _create_grades(schedule: FeeSchedule, grades: list[dict]) -> None:
    FeeGrade.objects.bulk_create(
        [
            FeeGrade(
                schedule=schedule,
                grade=g["grade"],
                name=g["name"],
                fee_min=g["fee_min"],
                fee_max=g["fee_max"],
                min_score=g["min_score"],
                standard=g["standard"],
            )
            for g in grades
        ]
    )


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _lock_draft(schedule: FeeSchedule, *, target: str) -> FeeSchedule:
    locked = FeeSchedule.objects.select_for_update().select_related("district").get(pk=schedule.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise InvalidTransition(model="fee schedule", current=locked.status, target=target)
    return locked


# --- State changes ------------------------------------------------------------------------


@transaction.atomic
def fee_schedule_draft_create(*, actor, district: District) -> FeeSchedule:
    """Start the district's next version: a copy of the latest approved version, or the
    DOMAIN defaults (``market.fee_defaults``) for a district's first schedule."""
    if actor is not None:
        require(can_edit_fee_schedule(actor, district))
    # Lock the district: version numbers and the one-draft rule are decided one at a time.
    District.objects.select_for_update().get(pk=district.pk)
    open_draft = FeeSchedule.objects.filter(
        district=district, status=FeeScheduleStatus.DRAFT
    ).first()
    if open_draft is not None:
        raise ValidationError(DRAFT_EXISTS % {"version": open_draft.version}, code="draft_exists")
    latest = _latest_approved(district)
    last_version = FeeSchedule.objects.filter(district=district).order_by("-version").first()
    today = timezone.localdate()
    effective_from = _first_of_next_month(today)
    if latest is not None and latest.effective_from > effective_from:
        effective_from = latest.effective_from
    schedule = FeeSchedule.objects.create(
        district=district,
        version=(last_version.version + 1) if last_version else 1,
        enforcement=latest.enforcement if latest else DEFAULT_ENFORCEMENT,
        effective_from=effective_from,
        status=FeeScheduleStatus.DRAFT,
        note=latest.note if latest else "",
    )
    _create_grades(schedule, _grade_rows(latest) if latest else default_grades())
    event_record(
        actor=actor,
        action="fee_schedule.draft_created",
        target=schedule,
        district=district,
        after=_snapshot(schedule),
        data={"based_on_version": latest.version if latest else None},
    )
    return schedule


@transaction.atomic
def fee_schedule_draft_update(
    *,
    actor,
    schedule: FeeSchedule,
    enforcement: str,
    effective_from: date,
    note: str,
    grades: list[dict],
) -> FeeSchedule:
    """Replace a draft's terms and grades. Approved versions never change."""
    if actor is not None:
        require(can_edit_fee_schedule(actor, schedule.district))
    locked = _lock_draft(schedule, target="edited")
    terms = fee_schedule_terms_validate(
        district=locked.district,
        enforcement=enforcement,
        effective_from=effective_from,
        note=note,
        grades=grades,
    )
    before = _snapshot(locked)
    locked.enforcement = terms.enforcement
    locked.effective_from = terms.effective_from
    locked.note = terms.note
    locked.save(update_fields=["enforcement", "effective_from", "note"])
    locked.grades.all().delete()
    _create_grades(locked, terms.grades)
    event_record(
        actor=actor,
        action="fee_schedule.draft_updated",
        target=locked,
        district=locked.district,
        before=before,
        after=_snapshot(locked),
    )
    return locked


@transaction.atomic
def fee_schedule_approve(*, actor, schedule: FeeSchedule) -> FeeSchedule:
    """Approve a draft as it is saved. From now on it never changes (DOMAIN: "immutable
    once approved"); it is in force from its effective date until a later version is."""
    if actor is not None:
        require(can_edit_fee_schedule(actor, schedule.district))
    locked = FeeSchedule.objects.select_for_update().select_related("district").get(pk=schedule.pk)
    target = FeeScheduleStatus.APPROVED
    if target not in FEE_SCHEDULE_TRANSITIONS[locked.status]:
        raise InvalidTransition(model="fee schedule", current=locked.status, target=target)
    fee_schedule_terms_validate(
        district=locked.district,
        enforcement=locked.enforcement,
        effective_from=locked.effective_from,
        note=locked.note,
        grades=_grade_rows(locked),
    )
    locked.status = target
    locked.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    event_record(
        actor=actor,
        action="fee_schedule.approved",
        target=locked,
        district=locked.district,
        before={"status": FeeScheduleStatus.DRAFT},
        after={
            "status": target,
            "version": locked.version,
            "effective_from": locked.effective_from.isoformat(),
        },
    )
    schedule.status, schedule.approved_by, schedule.approved_at = (
        locked.status,
        locked.approved_by,
        locked.approved_at,
    )
    return locked


@transaction.atomic
def fee_schedule_draft_update_and_approve(
    *,
    actor,
    schedule: FeeSchedule,
    enforcement: str,
    effective_from: date,
    note: str,
    grades: list[dict],
) -> FeeSchedule:
    """Save the draft as edited and approve it, or, if either step is refused, neither."""
    fee_schedule_draft_update(
        actor=actor,
        schedule=schedule,
        enforcement=enforcement,
        effective_from=effective_from,
        note=note,
        grades=grades,
    )
    return fee_schedule_approve(actor=actor, schedule=schedule)


@transaction.atomic
def fee_schedule_discard(*, actor, schedule: FeeSchedule) -> None:
    """Throw a draft away. The event keeps what it said."""
    if actor is not None:
        require(can_edit_fee_schedule(actor, schedule.district))
    locked = _lock_draft(schedule, target="discarded")
    event_record(
        actor=actor,
        action="fee_schedule.draft_discarded",
        target=locked,
        district=locked.district,
        before=_snapshot(locked),
    )
    locked.delete()


@transaction.atomic
def fee_schedule_record_published(
    *,
    district: District,
    enforcement: str,
    effective_from: date,
    note: str,
    grades: list[dict],
    approved_by=None,
) -> FeeSchedule:
    """The system records a version the bureau approved before this register existed
    (``seed_demo``, data loads): checked like an approval, except that its effective date
    may lie in the past. Not for people: they draft and approve."""
    normalised = fee_grades_validate(grades)
    if enforcement not in EnforcementMode.values:
        raise ValidationError({"enforcement": [ENFORCEMENT_UNKNOWN]})
    District.objects.select_for_update().get(pk=district.pk)
    last_version = FeeSchedule.objects.filter(district=district).order_by("-version").first()
    schedule = FeeSchedule.objects.create(
        district=district,
        version=(last_version.version + 1) if last_version else 1,
        enforcement=enforcement,
        effective_from=effective_from,
        status=FeeScheduleStatus.APPROVED,
        approved_by=approved_by,
        approved_at=timezone.now(),
        note=(note or "").strip(),
    )
    _create_grades(schedule, normalised)
    event_record(
        actor=None,
        action="fee_schedule.recorded",
        target=schedule,
        district=district,
        after=_snapshot(schedule),
    )
    return schedule
