"""The coverage invariant (DOMAIN "Fallback (国企兜底) and handover"), checked for a whole
district in a few set-based queries:

- every compound has at most one live engagement (the database enforces it too);
- a compound past its 30 seeking days, or served before, has exactly one;
- a fallback engagement never runs past its case's (bureau-extended) last day.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

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
    """Check ``district``'s compounds registered by ``day`` as the database stands.

    Reads only today's state — the registered compounds and the live engagements, one
    row each — so the check costs the same in year ten as on day one; the history (ended
    engagements) is consulted only for a compound with no operator, to tell one still
    seeking its first from one left unserved."""
    registered = dict(
        Compound.objects.filter(
            street_office__district=district, registered_on__lte=day
        ).values_list("pk", "registered_on")
    )
    live: dict[int, list[str]] = {}
    for compound_id, kind in Engagement.objects.filter(
        compound__street_office__district=district, phase=EngagementPhase.LIVE
    ).values_list("compound_id", "kind"):
        if compound_id in registered:
            live.setdefault(compound_id, []).append(kind)
    check = DayCheck(day=day, registered=len(registered), served=len(live))
    check.fallback = sum(1 for kinds in live.values() if "fallback" in kinds)
    check.seeking = check.registered - check.served
    check.doubly_served = sorted(pk for pk, kinds in live.items() if len(kinds) > 1)
    seeking_since = day - timedelta(days=SEEKING_DAYS)
    without = [pk for pk in registered if pk not in live]
    past_seeking = [pk for pk in without if registered[pk] <= seeking_since]
    still_seeking = [pk for pk in without if registered[pk] > seeking_since]
    served_before = set()
    if still_seeking:
        served_before = set(
            Engagement.objects.filter(
                compound__in=still_seeking, phase=EngagementPhase.ENDED
            ).values_list("compound_id", flat=True)
        )
    check.unserved = sorted(past_seeking + [pk for pk in still_seeking if pk in served_before])
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
