"""Change of operator: the outgoing firm serves until its handover is complete.

DOMAIN "Fallback and handover" (Civil Code arts. 949–950; Beijing art. 76): within 30 days
the outgoing firm hands over records, keys, facilities, the fee settlement and open
requests; *until the handover is complete it stays responsible and keeps serving*. So when
a trial or contract reaches its last planned day and the next operator is another firm — a
successor lined up, or the district's fallback operator — its engagement stays live past
that day and the incoming engagement waits (upcoming). When both firms have confirmed every
item (or the bureau enforces the takeover after a refusal or a missed deadline) the
outgoing engagement ends the day before and the incoming one starts that day.

Two changes take effect at once, by rule, with the handover running afterwards: a
sanctioned firm (suspended, revoked, blacklisted) or a bureau order hands the site to the
fallback operator the next day (``fallback_take_over_firm``, ``fallback_order``), and a
trial or contract replaces the fallback operator on its start date (issue #6 "Leaving
fallback").
"""

from datetime import date, timedelta

from market.prepared import KeyedQuery, row_lock
from market.services.events import event_record

from ..models import (
    Contract,
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackTrigger,
    Handover,
    HandoverStatus,
    Trial,
)
from .engagements import engagement_end
from .fallback.cases import fallback_case_begin, open_case
from .fallback.designation import designation_active
from .handover import handover_open


def handover_holding(engagement: Engagement) -> Handover | None:
    """The unfinished handover keeping ``engagement`` live past its last planned day."""
    if engagement.phase != EngagementPhase.LIVE:
        return None
    return Handover.objects.filter(
        outgoing_engagement=engagement,
        status__in=[HandoverStatus.OPEN, HandoverStatus.REFUSED],
        enforced_on__isnull=True,
    ).first()


# The compound's next engagement, read by every trial or contract that finishes; compiled
# once (market.prepared). A compound has at most one upcoming engagement.
_UPCOMING = KeyedQuery(
    lambda compound_id: Engagement.objects.filter(
        compound_id=compound_id, phase=EngagementPhase.UPCOMING
    ).select_related("firm")[:1]
)


def engagement_finish(*, engagement: Engagement, last_day: date, reason: str) -> Engagement:
    """A trial or contract has served its last planned day (the caller holds the compound
    lock). With the same firm next, or nobody to hand over to, it ends now; with another
    firm next, the handover opens and the engagement stays live until it completes."""
    compound = engagement.compound
    first_new_day = last_day + timedelta(days=1)
    successor = _UPCOMING.first(compound.pk)
    if successor is not None:
        if successor.firm_id == engagement.firm_id or successor.starts_on > first_new_day:
            # Same firm continues (trial → its contract), or a gap the fallback operator
            # covers first: no handover holds this engagement.
            return engagement_end(engagement=engagement, on=last_day, reason=reason)
        handover = handover_open(
            outgoing_engagement=engagement,
            incoming_firm=successor.firm,
            opened_on=first_new_day,
            compound=compound,
        )
    else:
        designation = designation_active(compound.street_office.district)
        if designation is None or designation.firm_id == engagement.firm_id:
            return engagement_end(engagement=engagement, on=last_day, reason=reason)
        open_case(
            compound=compound,
            trigger=FallbackTrigger.ENGAGEMENT_ENDED,
            starts_on=first_new_day,
            previous=engagement,
            after_handover=True,
        )
        handover = Handover.objects.get(outgoing_engagement=engagement)
    if handover.status == HandoverStatus.COMPLETED or handover.enforced_on is not None:
        # Handed over in advance: the change happens on schedule.
        return engagement_end(engagement=engagement, on=last_day, reason=reason)
    event_record(
        actor=None,
        action="engagement.handing_over",
        target=handover,
        compound=compound,
        after={
            "outgoing": engagement.firm.name,
            "incoming": handover.incoming_firm.name,
            "last_planned_day": last_day.isoformat(),
            "reason": reason,
        },
    )
    return engagement


def handover_retarget(*, compound, today: date) -> Handover | None:
    """The engagement a handover was waiting for was withdrawn (the compound is locked):
    the outgoing firm now hands over to the district's fallback operator, who starts when
    the handover completes — never a day unserved, never a checklist nobody can finish."""
    live = compound.engagements.filter(phase=EngagementPhase.LIVE).first()
    holding = handover_holding(live) if live is not None else None
    if holding is None or compound.engagements.filter(phase=EngagementPhase.UPCOMING).exists():
        return None
    designation = designation_active(compound.street_office.district)
    if designation is None or designation.firm_id == live.firm_id:
        # Nobody to hand over to: the firm's service ends as planned; the fallback rule
        # lists the compound for the bureau.
        handover_release(handover=holding, on=max(today, holding.opened_on), reason="no successor")
        return None
    before = holding.incoming_firm.name
    Handover.objects.filter(pk=holding.pk).update(incoming_firm=designation.firm)
    holding.incoming_firm = designation.firm
    open_case(
        compound=compound,
        trigger=FallbackTrigger.ENGAGEMENT_ENDED,
        starts_on=holding.opened_on,
        previous=live,
        after_handover=True,
    )
    event_record(
        actor=None,
        action="handover.retargeted",
        target=holding,
        compound=compound,
        before={"incoming": before},
        after={"incoming": designation.firm.name},
    )
    return holding


def handover_release(*, handover: Handover, on: date, actor=None, reason: str) -> bool:
    """The handover is complete (or the takeover enforced) on ``on``: the outgoing
    engagement's last day is the day before and the incoming operator starts ``on``.
    False when the outgoing engagement no longer holds the compound."""
    outgoing = row_lock(Engagement, handover.outgoing_engagement_id)
    if outgoing.phase != EngagementPhase.LIVE:
        return False
    if outgoing.ends_on is not None and on <= outgoing.ends_on:
        # Handed over before the planned last day: the change happens on schedule.
        return False
    engagement_end(
        engagement=outgoing, on=max(on - timedelta(days=1), outgoing.starts_on), reason=reason
    )
    successor = Engagement.objects.filter(
        compound_id=outgoing.compound_id, phase=EngagementPhase.UPCOMING, starts_on__lte=on
    ).first()
    if successor is not None:
        successor_start(engagement=successor, on=on, actor=actor)
    # Otherwise the fallback rule covers the compound from ``on`` (engagement_ended).
    return True


def successor_start(*, engagement: Engagement, on: date, actor=None) -> None:
    """Start the engagement that waited for a handover, on ``on`` (its service starts
    late, so its first day moves; the signed terms themselves do not change)."""
    # Imported here: the trial and contract services call engagement_finish above.
    from .contracts import contract_start
    from .trials import trial_start

    if engagement.kind == EngagementKind.FALLBACK:
        # Its 6-month term counts from ``on`` (fallback_case_begin moves both dates).
        fallback_case_begin(case=FallbackCase.objects.get(engagement=engagement), on=on)
        return
    delay = on - engagement.starts_on
    if engagement.kind == EngagementKind.TRIAL and delay.days > 0:
        # A trial is a number of months of service (DOMAIN "Trials"): it moves whole.
        trial = row_lock(Trial, engagement.trial.pk)
        Trial.objects.filter(pk=trial.pk).update(
            starts_on=trial.starts_on + delay, ends_on=trial.ends_on + delay
        )
        engagement.ends_on = engagement.ends_on + delay if engagement.ends_on else None
    elif engagement.ends_on is not None and engagement.ends_on < on:
        # A contract's signed term does not move; its service starts late, for a day at
        # least (the contract rules then end it and hand over in turn).
        engagement.ends_on = on
    if delay.days > 0:
        engagement.starts_on = on
        Engagement.objects.filter(pk=engagement.pk).update(
            starts_on=engagement.starts_on, ends_on=engagement.ends_on
        )
    if engagement.kind == EngagementKind.TRIAL:
        trial_start(trial=Trial.objects.get(pk=engagement.trial.pk), today=on, actor=actor)
    else:
        # Not ``engagement.contract``: the reverse accessor reads the PDF as well.
        contract_start(contract=Contract.objects.get(engagement=engagement), today=on, actor=actor)
