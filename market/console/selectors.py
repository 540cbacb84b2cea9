"""Reads of the bureau's console: the audit trail, the dashboard's figures and the
approvals inbox. Every function takes the district and returns only its data."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from ..models import (
    Compound,
    CompoundImport,
    CoverageSnapshot,
    District,
    Event,
    ManagementStatus,
)
from ..selectors import Coverage, coverage_summary
from . import registry

# DOMAIN "Fallback": a compound registered with no operator that finds none within 30
# days goes to the district's fallback operator.
SEEKING_DAYS = 30
# How far back the coverage chart looks.
HISTORY_DAYS = 90


# --- Audit trail -----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    content_type: ContentType | None = None
    object_id: str = ""
    actor_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(*, district: District, filters: AuditFilters) -> QuerySet[Event]:
    """The district's events, newest first; dates are whole days in Asia/Shanghai."""
    events = Event.objects.filter(district=district).select_related("actor", "content_type")
    if filters.content_type is not None:
        events = events.filter(content_type=filters.content_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.actor_id:
        events = events.filter(actor_id=filters.actor_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(created_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    return events.order_by("-created_at", "-id")


def object_type_label(content_type: ContentType) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else content_type.model


def audit_object_types(*, district: District) -> list[tuple[int, str]]:
    """(content type id, label) of the kinds of object the district's events concern."""
    ids = Event.objects.filter(district=district).values("content_type_id").distinct()
    types = ContentType.objects.filter(pk__in=ids)
    return sorted(((ct.pk, object_type_label(ct)) for ct in types), key=lambda t: t[1])


def audit_actors(*, district: District) -> QuerySet:
    """People who did something in the district (officials, firm staff, committees)."""
    ids = Event.objects.filter(district=district, actor__isnull=False).values("actor_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("full_name", "email")


def audit_actions(*, district: District) -> list[str]:
    return list(
        Event.objects.filter(district=district)
        .values_list("action", flat=True)
        .distinct()
        .order_by("action")
    )


# --- Dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class CoveragePoint:
    date: date
    registered: int
    served: int
    live: bool = False  # today's figure, counted now rather than recorded

    @property
    def rate_percent(self) -> Decimal | None:
        if not self.registered:
            return None
        return (Decimal(100) * self.served / self.registered).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class SeekingCompound:
    compound: Compound
    deadline: date
    days_left: int  # negative: the 30 days are over and fallback is due

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


@dataclass
class Dashboard:
    coverage: Coverage
    history: list[CoveragePoint]
    statuses: list[tuple[str, str, int]]  # (value, label, count)
    seeking: list[SeekingCompound]
    seeking_total: int
    panels: list = field(default_factory=list)


def coverage_history(*, district: District, today: date, days: int = HISTORY_DAYS):
    """The recorded daily coverage of the last ``days`` days, ending with today's live
    figure (the daily rule records today only once it runs)."""
    coverage = coverage_summary(district=district)
    snapshots = CoverageSnapshot.objects.filter(
        district=district, date__gt=today - timedelta(days=days), date__lt=today
    ).order_by("date")
    points = [CoveragePoint(s.date, s.registered, s.served) for s in snapshots]
    points.append(CoveragePoint(today, coverage.registered, coverage.served, live=True))
    return coverage, points


def seeking_compounds(*, district: District, today: date, limit: int = 20):
    """Compounds still seeking an operator, the least time left first."""
    seeking = (
        Compound.objects.filter(
            street_office__district=district, management_status=ManagementStatus.SEEKING
        )
        .select_related("street_office")
        .order_by("registered_on", "name")
    )
    rows = []
    for compound in seeking[:limit]:
        deadline = compound.registered_on + timedelta(days=SEEKING_DAYS)
        rows.append(SeekingCompound(compound, deadline, (deadline - today).days))
    return rows


def district_dashboard(*, district: District, today: date, user, query=None) -> Dashboard:
    coverage, history = coverage_history(district=district, today=today)
    statuses = [
        (value, str(label), getattr(coverage, value)) for value, label in ManagementStatus.choices
    ]
    panels = []
    for entry in registry.dashboard_panels():
        extra = {"query": query if query is not None else {}} if entry.wants_query else {}
        panel = entry.function(district=district, today=today, user=user, **extra)
        if panel is not None:
            panel.name = panel.name or entry.name
            panels.append(panel)
    return Dashboard(
        coverage=coverage,
        history=history,
        statuses=statuses,
        seeking=seeking_compounds(district=district, today=today),
        seeking_total=coverage.seeking,
        panels=panels,
    )


def chart_data(dashboard: Dashboard) -> dict:
    """What the charts draw (``static/js/console-charts.js``), as JSON-able values."""
    return {
        "coverage": {
            "dates": [point.date.isoformat() for point in dashboard.history],
            "rates": [
                float(point.rate_percent) if point.rate_percent is not None else None
                for point in dashboard.history
            ],
        },
        "statuses": [
            {"value": value, "name": label, "count": count}
            for value, label, count in dashboard.statuses
        ],
    }


# --- Approvals inbox -------------------------------------------------------------------


@dataclass(frozen=True)
class InboxGroup:
    name: str
    label: str
    items: list


def approvals_inbox(*, district: District, user) -> list[InboxGroup]:
    """Everything waiting for the bureau's decision, grouped by kind, oldest first."""
    groups = []
    for source in registry.inbox_sources():
        items = list(source.function(district=district, user=user))
        items.sort(key=lambda item: _sortable(item.waiting_since))
        groups.append(InboxGroup(source.name, str(source.label), items))
    return groups


def _sortable(moment) -> datetime:
    if moment is None:
        return datetime.max.replace(tzinfo=timezone.get_current_timezone())
    if isinstance(moment, datetime):
        return moment
    return _local_midnight(moment)


# --- Imports ---------------------------------------------------------------------------


def compound_imports_of(*, user, district: District, limit: int = 10) -> QuerySet:
    """The official's own recent uploads (only the uploader sees an upload)."""
    return CompoundImport.objects.filter(owner=user, district=district).defer("source", "rows")[
        :limit
    ]
