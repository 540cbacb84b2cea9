"""Reads about fee schedules for the bureau's and the public's pages.

The version in force on a day is ``market.selectors.current_fee_schedule``: the latest
approved version whose effective date has come (ties on the date: the higher version).
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from .models import District, FeeSchedule, FeeScheduleStatus
from .selectors import current_fee_schedule


class VersionState:
    DRAFT = "draft"
    IN_FORCE = "in_force"
    UPCOMING = "upcoming"
    PAST = "past"


@dataclass(frozen=True)
class FeeScheduleVersion:
    schedule: FeeSchedule
    state: str  # a VersionState


def _superseded_before_start(schedule: FeeSchedule, approved: list[FeeSchedule]) -> bool:
    """A higher version approved for the same date replaces this one before it starts."""
    return any(
        other.effective_from == schedule.effective_from and other.version > schedule.version
        for other in approved
    )


def fee_schedule_versions(
    *, district: District, on: date | None = None
) -> list[FeeScheduleVersion]:
    """Every version of the district's schedule, newest first, each marked draft, in
    force, upcoming (approved, its date still to come) or past."""
    on = on or timezone.localdate()
    schedules = list(
        FeeSchedule.objects.filter(district=district)
        .select_related("approved_by")
        .order_by("-version")
    )
    approved = [s for s in schedules if s.status == FeeScheduleStatus.APPROVED]
    in_force = max(
        (s for s in approved if s.effective_from <= on),
        key=lambda s: (s.effective_from, s.version),
        default=None,
    )
    versions = []
    for schedule in schedules:
        if schedule.status == FeeScheduleStatus.DRAFT:
            state = VersionState.DRAFT
        elif schedule == in_force:
            state = VersionState.IN_FORCE
        elif schedule.effective_from > on and not _superseded_before_start(schedule, approved):
            state = VersionState.UPCOMING
        else:
            state = VersionState.PAST
        versions.append(FeeScheduleVersion(schedule=schedule, state=state))
    return versions


def upcoming_fee_schedules(*, district: District, on: date | None = None) -> list[FeeSchedule]:
    """Approved versions that will come into force after ``on``, soonest first."""
    on = on or timezone.localdate()
    approved = list(
        FeeSchedule.objects.filter(district=district, status=FeeScheduleStatus.APPROVED)
        .prefetch_related("grades")
        .order_by("effective_from", "version")
    )
    return [
        s for s in approved if s.effective_from > on and not _superseded_before_start(s, approved)
    ]


def fee_schedule_with_grades(*, schedule_id: int) -> FeeSchedule:
    return (
        FeeSchedule.objects.select_related("district", "approved_by")
        .prefetch_related("grades")
        .get(pk=schedule_id)
    )


__all__ = [
    "FeeScheduleVersion",
    "VersionState",
    "current_fee_schedule",
    "fee_schedule_versions",
    "fee_schedule_with_grades",
    "upcoming_fee_schedules",
]
