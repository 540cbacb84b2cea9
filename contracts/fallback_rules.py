"""Daily rules and signal receivers of fallback and handover (issue #6). Registered from
``ContractsConfig.ready``.

Order: the contracts rules end engagements (10, 20) and start successors (30, 35) first;
then any compound left without an operator goes to the fallback operator (38), fallback
cases a trial or contract replaced close with their handover (39), and overdue handovers
are penalised (70).
"""

import logging
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.dispatch import receiver
from django.utils import timezone

from market.daily import daily_rule
from market.models import Compound, Firm
from market.prepared import KeyedQuery
from market.signals import firm_status_changed

from .daily import each
from .models import (
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
    FallbackDesignation,
    Handover,
    HandoverStatus,
)
from .services.fallback import (
    SEEKING_DAYS,
    fallback_case_close,
    fallback_cover_unserved,
    fallback_take_over_firm,
)
from .services.handover import handover_flag_overdue, handover_open
from .signals import engagement_ended

logger = logging.getLogger(__name__)
# How far back the daily rule looks for a change of operator without a handover.
HANDOVER_LOOKBACK_DAYS = 35


def unserved_compounds(today: date):
    """Compounds with no live engagement that are past their seeking days or were served
    before (DOMAIN invariant)."""
    live = Engagement.objects.filter(compound=OuterRef("pk"), phase=EngagementPhase.LIVE)
    ended = Engagement.objects.filter(compound=OuterRef("pk"), phase=EngagementPhase.ENDED)
    return (
        Compound.objects.filter(~Exists(live))
        .filter(Q(registered_on__lte=today - timedelta(days=SEEKING_DAYS)) | Exists(ended))
        .order_by("pk")
    )


@daily_rule("fallback.cover_unserved", order=38, candidates=unserved_compounds)
def cover_unserved(today: date) -> dict:
    """Triggers 1 and 2. Compounds of a district with no designated operator cannot be
    covered: they are listed for the bureau, not retried as failures."""
    designated = FallbackDesignation.objects.filter(
        district=OuterRef("street_office__district"), active=True
    )
    unserved = unserved_compounds(today)
    summary = each(
        unserved.filter(Exists(designated)),
        lambda compound: fallback_cover_unserved(compound=compound, today=today),
    )
    stranded = list(unserved.filter(~Exists(designated)).values_list("pk", flat=True))
    if stranded:
        summary["no_fallback_operator"] = stranded
    return summary


def _replaced_fallback_cases(today: date):
    return FallbackCase.objects.filter(
        status=FallbackCaseStatus.OPEN, engagement__phase=EngagementPhase.ENDED
    ).order_by("pk")


@daily_rule("fallback.close_replaced", order=39, candidates=_replaced_fallback_cases)
def close_replaced(today: date) -> dict:
    cases = _replaced_fallback_cases(today)
    return each(cases, lambda case: fallback_case_close(case=case, today=today))


def handover_to_successor(engagement: Engagement) -> Handover | bool:
    """A trial or contract replaced by another firm's engagement: open the handover."""
    successor = (
        Engagement.objects.filter(
            compound_id=engagement.compound_id,
            phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED],
            starts_on__gt=engagement.starts_on,
        )
        .select_related("firm")
        .order_by("starts_on", "id")
        .first()
    )
    if successor is None or successor.firm_id == engagement.firm_id:
        return False
    return handover_open(
        outgoing_engagement=engagement,
        incoming_firm=successor.firm,
        opened_on=successor.starts_on,
    )


def _replaced_without_handover(today: date):
    return (
        Engagement.objects.filter(
            phase=EngagementPhase.ENDED,
            ended_on__gte=today - timedelta(days=HANDOVER_LOOKBACK_DAYS),
            handover_out__isnull=True,
        )
        .exclude(kind=EngagementKind.FALLBACK)
        # Only those another firm has replaced: the rest (a compound left unserved, or
        # the same firm again) were checked once per day for 35 days to no effect.
        .filter(Exists(_later_engagement_of_another_firm()))
        .select_related("firm")
        .order_by("pk")
    )


@daily_rule("fallback.open_handovers", order=39, candidates=_replaced_without_handover)
def open_handovers(today: date) -> dict:
    return each(_replaced_without_handover(today), handover_to_successor)


def _later_engagement_of_another_firm():
    return Engagement.objects.filter(
        compound=OuterRef("compound"),
        phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED],
        starts_on__gt=OuterRef("starts_on"),
    ).exclude(firm=OuterRef("firm"))


def _handovers_past_due(today: date):
    return Handover.objects.filter(
        status__in=[HandoverStatus.OPEN, HandoverStatus.REFUSED],
        due_on__lt=today,
        penalised_on__isnull=True,
    ).order_by("pk")


@daily_rule("fallback.handovers_overdue", order=70, candidates=_handovers_past_due)
def handovers_overdue(today: date) -> dict:
    handovers = _handovers_past_due(today)
    return each(handovers, lambda h: handover_flag_overdue(handover=h, today=today))


@receiver(firm_status_changed, dispatch_uid="fallback_take_over_firm")
def on_firm_status_changed(sender, firm, **kwargs):
    """Trigger 3: a suspended, revoked or blacklisted firm's sites go to fallback at once."""
    if firm.is_listable:
        return
    try:
        fallback_take_over_firm(firm=Firm.objects.get(pk=firm.pk), today=timezone.localdate())
    except Exception:
        # The daily rule covers whatever is left unserved; the sanction itself stands.
        logger.exception("fallback take-over failed for firm %s", firm.pk)


# Read after every engagement that ends: compiled once (market.prepared).
_CASE_OF_ENGAGEMENT = KeyedQuery(
    lambda engagement_id: FallbackCase.objects.filter(engagement_id=engagement_id).order_by()[:1]
)


@receiver(engagement_ended, dispatch_uid="fallback_after_engagement_ended")
def on_engagement_ended(sender, engagement, **kwargs):
    """Trigger 2 without waiting for the next daily run: from the day after the last day,
    unless a successor starts then. Closing a replaced fallback case likewise."""
    try:
        if engagement.kind == EngagementKind.FALLBACK:
            case = _CASE_OF_ENGAGEMENT.first(engagement.pk)
            if case is not None:
                fallback_case_close(case=case, today=engagement.ended_on + timedelta(days=1))
            return
        # The service locks the compound by its id and reads it under that lock.
        fallback_cover_unserved(
            compound=Compound(pk=engagement.compound_id),
            today=engagement.ended_on + timedelta(days=1),
        )
    except Exception:
        logger.exception("fallback follow-up failed for engagement %s", engagement.pk)
