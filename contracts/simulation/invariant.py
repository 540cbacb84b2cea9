"""The coverage invariant (DOMAIN "Fallback (国企兜底) and handover"), checked for a whole
district in a few set-based queries:

- every compound has at most one live engagement (the database enforces it too);
- a compound past its 30 seeking days, or served before, has exactly one;
- a fallback engagement never runs past its case's (bureau-extended) last day.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q

from market.models import Compound

from ..models import Engagement, EngagementPhase, FallbackCase, FallbackCaseStatus
from ..services.fallback import SEEKING_DAYS


@dataclass
class DayCheck:
    day: date
    registered: int = 0
    served: int = 0
    fallback: int = 0
    seeking: int = 0
    unserved: list[int] = field(default_factory=list)
    doubly_served: list[int] = field(default_factory=list)
    fallback_overdue: list[int] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return len(self.unserved) + len(self.doubly_served) + len(self.fallback_overdue)


def coverage_check(*, district, day: date) -> DayCheck:
    """Check ``district``'s compounds registered by ``day`` as the database stands."""
    compounds = Compound.objects.filter(street_office__district=district, registered_on__lte=day)
    live = Count("engagements", filter=Q(engagements__phase=EngagementPhase.LIVE))
    served_before = Exists(
        Engagement.objects.filter(
            compound=OuterRef("pk"), phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED]
        )
    )
    must_be_served = Q(served_before=True) | Q(
        registered_on__lte=day - timedelta(days=SEEKING_DAYS)
    )
    rows = (
        compounds.annotate(live=live, served_before=served_before)
        .filter(Q(live__gt=1) | (Q(live=0) & must_be_served))
        .values_list("pk", "live")
    )
    check = DayCheck(day=day)
    for pk, count in rows:
        (check.doubly_served if count > 1 else check.unserved).append(pk)
    figures = compounds.aggregate(
        registered=Count("pk", distinct=True),
        served=Count(
            "engagements", filter=Q(engagements__phase=EngagementPhase.LIVE), distinct=True
        ),
        fallback=Count(
            "engagements",
            filter=Q(engagements__phase=EngagementPhase.LIVE, engagements__kind="fallback"),
            distinct=True,
        ),
    )
    check.registered = figures["registered"]
    check.served = figures["served"]
    check.fallback = figures["fallback"]
    check.seeking = check.registered - check.served
    check.fallback_overdue = list(
        FallbackCase.objects.filter(
            district=district,
            status=FallbackCaseStatus.OPEN,
            engagement__phase=EngagementPhase.LIVE,
            planned_end_on__lt=day,
        ).values_list("compound_id", flat=True)
    )
    return check


def continuity_gaps(*, district) -> list[tuple[int, date, date]]:
    """After the run: (compound, last day served, next first day) wherever a compound's
    engagements leave a day uncovered between them. One query, ordered."""
    gaps, previous = [], {}
    engagements = (
        Engagement.objects.filter(
            compound__street_office__district=district,
            phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED],
        )
        .order_by("compound_id", "starts_on", "pk")
        .values_list("compound_id", "starts_on", "ended_on")
    )
    for compound_id, starts_on, ended_on in engagements:
        last = previous.get(compound_id)
        if last is not None and last is not False and starts_on > last + timedelta(days=1):
            gaps.append((compound_id, last, starts_on))
        # A live engagement (ended_on None) covers everything after it.
        previous[compound_id] = ended_on if ended_on is not None else False
    return gaps
