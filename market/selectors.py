"""Reads. Pages and views ask here for what they show."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from .models import (
    Compound,
    CreditEntry,
    District,
    Event,
    FeeGrade,
    FeeSchedule,
    FeeScheduleStatus,
    Firm,
    FirmMember,
    FirmStatus,
    ManagementStatus,
)
from .models.compounds import SERVED_STATUSES
from .permissions import roles_of


@dataclass(frozen=True)
class Coverage:
    registered: int
    seeking: int
    trial: int
    contracted: int
    fallback: int

    @property
    def served(self) -> int:
        return self.trial + self.contracted + self.fallback

    @property
    def rate_percent(self) -> Decimal | None:
        """Coverage rate = compounds with a responsible operator / registered compounds."""
        if not self.registered:
            return None
        return (Decimal(100) * self.served / self.registered).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def coverage_summary(*, district: District | None = None) -> Coverage:
    compounds = Compound.objects.all()
    if district is not None:
        compounds = compounds.filter(street_office__district=district)
    counts = compounds.aggregate(
        registered=Count("pk"),
        **{
            status: Count("pk", filter=Q(management_status=status))
            for status in ManagementStatus.values
        },
    )
    return Coverage(**counts)


def compounds_in_district(
    *, district: District, status: str | None = None, street_office_id: int | None = None
) -> QuerySet[Compound]:
    compounds = Compound.objects.filter(street_office__district=district).select_related(
        "street_office"
    )
    if status:
        compounds = compounds.filter(management_status=status)
    if street_office_id:
        compounds = compounds.filter(street_office_id=street_office_id)
    return compounds.order_by("street_office__name", "name")


def compounds_of_committee_member(*, user) -> list[Compound]:
    ids = roles_of(user).compound_ids
    return list(Compound.objects.filter(pk__in=ids).select_related("street_office__district"))


def compound_with_committee(*, compound_id: int) -> Compound:
    return (
        Compound.objects.select_related("street_office__district")
        .prefetch_related("committees__members")
        .get(pk=compound_id)
    )


def compound_timeline(*, compound: Compound, limit: int = 50) -> QuerySet[Event]:
    """What has happened to a compound: its register entry, committee, invitations, and
    (later) trials, contracts and fallback."""
    return Event.objects.filter(compound=compound).select_related("actor")[:limit]


def current_fee_schedule(*, district: District, on: date | None = None) -> FeeSchedule | None:
    """The approved schedule in force in ``district`` on ``on`` (default: today)."""
    on = on or timezone.localdate()
    return (
        FeeSchedule.objects.filter(
            district=district, status=FeeScheduleStatus.APPROVED, effective_from__lte=on
        )
        .order_by("-effective_from", "-version")
        .prefetch_related("grades")
        .first()
    )


def fee_grade_for(*, district: District, grade: int, on: date | None = None) -> FeeGrade | None:
    schedule = current_fee_schedule(district=district, on=on)
    if schedule is None:
        return None
    return next((g for g in schedule.grades.all() if g.grade == grade), None)


# --- Firm vetting (issue #3) ---------------------------------------------------------

# The bureau's queue comes first: applications waiting for a decision.
VETTING_STATUS_ORDER = [
    FirmStatus.APPLIED,
    FirmStatus.APPROVED,
    FirmStatus.SUSPENDED,
    FirmStatus.REJECTED,
    FirmStatus.REVOKED,
]


def firm_status_counts(*, district: District) -> dict[str, int]:
    """How many firms registered in ``district`` are in each vetting status (one query)."""
    counts = Firm.objects.filter(registered_district=district).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in FirmStatus.values}
    )
    return {status: counts[status] for status in VETTING_STATUS_ORDER}


def firms_for_vetting(*, district: District, status: str | None = None) -> QuerySet[Firm]:
    """Firms the district's bureau vets; waiting applications first, oldest first."""
    firms = Firm.objects.filter(registered_district=district)
    if status:
        firms = firms.filter(status=status)
    order = Case(
        *(When(status=status, then=Value(i)) for i, status in enumerate(VETTING_STATUS_ORDER)),
        output_field=IntegerField(),
    )
    return firms.annotate(status_order=order).order_by("status_order", "created_at", "pk")


def firm_for_vetting(*, firm_id: int) -> Firm:
    return (
        Firm.objects.select_related("registered_district")
        .prefetch_related(
            "districts",
            Prefetch(
                "members",
                queryset=FirmMember.objects.active()
                .select_related("user")
                .order_by("joined_on", "pk"),
                to_attr="active_members",
            ),
            Prefetch(
                "credit_entries",
                queryset=CreditEntry.objects.select_related("recorded_by"),
                to_attr="credit_entry_list",
            ),
        )
        .get(pk=firm_id)
    )


def firm_timeline(*, firm: Firm, limit: int = 100) -> QuerySet[Event]:
    """Every event about the firm: application, decisions, credit, staff."""
    return Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Firm), object_id=str(firm.pk)
    ).select_related("actor")[:limit]


__all__ = ["SERVED_STATUSES", "Coverage", "coverage_summary"]
