"""Opening fallback cases: no operator found, no successor, firm sanctioned."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _t

from market.dates import add_months
from market.models import Compound, Firm, ManagementStatus
from market.prepared import KeyedQuery, row_lock
from market.services.compounds import compound_set_management_status
from market.services.events import event_record

from ...models import (
    CONTRACT_TRANSITIONS,
    IN_FORCE_STATUSES,
    TRIAL_TRANSITIONS,
    Contract,
    ContractStatus,
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
    FallbackTrigger,
    Trial,
    TrialStatus,
    WrittenWarning,
)
from ...models.fallback import FALLBACK_MAX_MONTHS
from ..common import (
    absolute_url,
    committee_emails,
    day_text,
    email_after_commit,
    firm_emails,
    lock_compound,
    status_move,
)
from ..engagements import engagement_end, engagement_start
from ..handover import handover_open
from .common import NO_OPERATOR, NOT_SERVED_BY_MARKET, SEEKING_DAYS
from .designation import designation_active
from .extension import fallback_case_close

# --- Opening a case ---------------------------------------------------------------------


def open_case(
    *,
    compound: Compound,
    trigger: str,
    starts_on: date,
    previous: Engagement | None = None,
    warning: WrittenWarning | None = None,
    actor=None,
    after_handover: bool = False,
) -> FallbackCase:
    """Open the case and its live fallback engagement. ``compound`` must be locked and
    have no live engagement — unless ``after_handover``: then ``previous`` is still live,
    handing over, and the fallback engagement waits (upcoming) until the handover
    completes (``fallback_case_begin``)."""
    district = compound.street_office.district
    designation = designation_active(district)
    if designation is None:
        raise ValidationError(NO_OPERATOR % {"district": district.name}, code="no_operator")
    planned_end = add_months(starts_on, FALLBACK_MAX_MONTHS) - timedelta(days=1)
    # A replaced fallback case the daily rule has not closed yet closes first.
    for stale in compound.fallback_cases.filter(
        status=FallbackCaseStatus.OPEN, engagement__phase=EngagementPhase.ENDED
    ):
        fallback_case_close(case=stale, today=starts_on)
    try:
        with transaction.atomic():
            # Live at once: the compound must not go a day unserved. A trial or contract
            # lined up (upcoming) later replaces it (``engagement_start``).
            engagement = Engagement.objects.create(
                compound=compound,
                kind=EngagementKind.FALLBACK,
                firm=designation.firm,
                phase=EngagementPhase.UPCOMING if after_handover else EngagementPhase.LIVE,
                starts_on=starts_on,
                ends_on=planned_end,
                fee=designation.fee,
                area=compound.exclusive_area,
            )
            case = FallbackCase.objects.create(
                compound=compound,
                district=district,
                designation=designation,
                operator=designation.firm,
                trigger=trigger,
                outgoing_firm=previous.firm if previous else None,
                previous_engagement=previous,
                engagement=engagement,
                warning=warning,
                opened_on=starts_on,
                planned_end_on=planned_end,
            )
    except IntegrityError:
        raise ValidationError(
            _t("%(compound)s is already served.") % {"compound": compound.name}, code="served"
        ) from None
    if not after_handover and compound.management_status != ManagementStatus.FALLBACK:
        compound_set_management_status(
            compound=compound,
            status=ManagementStatus.FALLBACK,
            actor=actor,
            reason=f"fallback case {case.pk}: {trigger}",
            locked=True,
        )
    event_record(
        actor=actor,
        action="fallback.opened",
        target=case,
        district=district,
        compound=compound,
        after={
            "operator": designation.firm.name,
            "trigger": trigger,
            "outgoing_firm": previous.firm.name if previous else None,
            "from": starts_on.isoformat(),
            "until": planned_end.isoformat(),
            "fee": str(designation.fee),
        },
    )
    if previous is not None and previous.firm_id != designation.firm_id:
        handover_open(
            outgoing_engagement=previous,
            incoming_firm=designation.firm,
            opened_on=starts_on,
            compound=compound,
        )
    committee = compound.current_committee
    # Opening a case opens a new selection round (Beijing art. 77): the committee hears
    # that the compound is back on the market and can run trials.
    email_after_commit(
        recipients=(committee_emails(committee.pk) if committee else [])
        + firm_emails(designation.firm),
        subject=_t("%(compound)s passes to the fallback operator") % {"compound": compound.name},
        body=_t(
            "From %(start)s, %(operator)s provides basic services (rubbish, order, secondary "
            "water, lifts) at ¥%(fee)s per ㎡ per month, until %(end)s at most. The compound "
            "is listed as seeking a provider again: the committee can request trials now."
        )
        % {
            "start": day_text(starts_on),
            "operator": designation.firm.name,
            "fee": designation.fee,
            "end": day_text(planned_end),
        },
        url=absolute_url("compound_handovers", compound.pk),
    )
    return case


def fallback_case_begin(*, case: FallbackCase, on: date, actor=None) -> FallbackCase:
    """The fallback engagement that waited for the outgoing firm's handover starts on
    ``on``; its 6-month term (Beijing art. 77) counts from then."""
    locked = row_lock(FallbackCase, case.pk)
    planned_end = add_months(on, FALLBACK_MAX_MONTHS) - timedelta(days=1)
    Engagement.objects.filter(pk=locked.engagement_id).update(starts_on=on, ends_on=planned_end)
    locked.opened_on, locked.planned_end_on = on, planned_end
    locked.save(update_fields=["opened_on", "planned_end_on"])
    engagement_start(
        engagement=Engagement.objects.get(pk=locked.engagement_id),
        on=on,
        actor=actor,
        reason=f"fallback case {locked.pk}: handover complete",
    )
    event_record(
        actor=actor,
        action="fallback.started",
        target=locked,
        district=locked.district,
        compound=locked.compound,
        after={"from": on.isoformat(), "until": planned_end.isoformat()},
    )
    return locked


def _last_ended(compound: Compound) -> Engagement | None:
    return _LAST_ENDED.first(compound.pk)


# Read by every check of an unserved compound: compiled once (market.prepared).
_LAST_ENDED = KeyedQuery(
    lambda compound_id: (
        Engagement.objects.filter(compound_id=compound_id, phase=EngagementPhase.ENDED)
        .select_related("firm")
        .order_by("-ended_on", "-id")[:1]
    )
)


@transaction.atomic
def fallback_cover_unserved(*, compound: Compound, today: date) -> FallbackCase | bool:
    """The daily check for one compound (triggers 1 and 2): with no live engagement,
    past its 30 seeking days or after an engagement ended, the fallback operator serves
    from the first unserved day. Idempotent: False when nothing is needed."""
    locked = lock_compound(compound.pk)
    if locked.engagements.filter(phase=EngagementPhase.LIVE).exists():
        return False
    previous = _last_ended(locked)
    if previous is not None:
        first_unserved = (previous.ended_on or previous.ends_on) + timedelta(days=1)
        trigger = FallbackTrigger.ENGAGEMENT_ENDED
        if hasattr(previous, "fallback_after") or previous.kind == EngagementKind.FALLBACK:
            # Already followed by a fallback case, or itself a fallback that ended:
            # whatever follows is a new opening without an outgoing market firm.
            previous_for_case = None
        else:
            previous_for_case = previous
    else:
        first_unserved = locked.registered_on + timedelta(days=SEEKING_DAYS)
        trigger = FallbackTrigger.NO_OPERATOR
        previous_for_case = None
    if first_unserved > today:
        return False
    # A successor lined up to start on the first unserved day starts then instead (the
    # daily rules start engagements before this one runs).
    if locked.engagements.filter(
        phase=EngagementPhase.UPCOMING, starts_on__lte=first_unserved
    ).exists():
        return False
    return open_case(
        compound=locked,
        trigger=trigger,
        starts_on=max(first_unserved, locked.registered_on),
        previous=previous_for_case,
    )


def end_market_engagement(*, engagement: Engagement, last_day: date, reason: str) -> None:
    """End a trial or contract early (sanction or bureau order), with its engagement."""
    trial = Trial.objects.filter(engagement=engagement).first()
    contract = Contract.objects.filter(engagement=engagement).first()
    if trial is not None:
        status_move(trial, table=TRIAL_TRANSITIONS, target=TrialStatus.ENDED, model="trial")
        trial.save(update_fields=["status"])
        event_record(
            actor=None,
            action="trial.ended",
            target=trial,
            before={"status": TrialStatus.ACTIVE},
            after={"status": trial.status, "last_day": last_day.isoformat(), "reason": reason},
        )
    elif contract is not None:
        if contract.status not in IN_FORCE_STATUSES:
            raise ValidationError(NOT_SERVED_BY_MARKET % {"compound": engagement.compound.name})
        before = status_move(
            contract, table=CONTRACT_TRANSITIONS, target=ContractStatus.ENDED, model="contract"
        )
        contract.ended_on = last_day
        contract.save(update_fields=["status", "ended_on"])
        event_record(
            actor=None,
            action="contract.ended",
            target=contract,
            before={"status": before},
            after={"status": contract.status, "last_day": last_day.isoformat(), "reason": reason},
        )
    engagement_end(engagement=engagement, on=last_day, reason=reason)


def _cut_handover_short(engagement: Engagement, *, today: date, actor, status: str) -> bool:
    """A sanctioned firm already handing over (its trial or contract has ended) stops
    serving now: the operator waiting for the handover starts today."""
    # Imported here: succession opens fallback cases through this module.
    from ..succession import handover_holding, handover_release

    holding = handover_holding(engagement)
    if holding is None:
        return False
    # Handing over means its last planned day has passed; the change is never earlier.
    on = max(today, engagement.ends_on + timedelta(days=1))
    handover_release(handover=holding, on=on, actor=actor, reason=f"firm {status}")
    return True


@transaction.atomic
def fallback_take_over_firm(*, firm: Firm, today: date, actor=None) -> list[FallbackCase]:
    """Trigger 3: a suspended, revoked or blacklisted firm's live sites all move to the
    fallback operator, in one transaction; the firm's last day is yesterday."""
    from ...signals import operator_changed  # open requests move with the site (issue #6)

    locked_firm = Firm.objects.select_for_update().get(pk=firm.pk)
    if locked_firm.is_listable:
        return []
    cases = []
    live = (
        Engagement.objects.filter(firm=locked_firm, phase=EngagementPhase.LIVE)
        .exclude(kind=EngagementKind.FALLBACK)
        .order_by("compound_id")
    )
    for engagement in live:
        compound = lock_compound(engagement.compound_id)
        engagement = row_lock(Engagement, engagement.pk)
        if engagement.phase != EngagementPhase.LIVE:
            continue
        if _cut_handover_short(engagement, today=today, actor=actor, status=locked_firm.status):
            operator_changed.send(
                sender=FallbackCase,
                compound=compound,
                from_engagement=engagement,
                to_engagement=compound.engagements.filter(phase=EngagementPhase.LIVE).first(),
            )
            continue
        last_day = max(today - timedelta(days=1), engagement.starts_on)
        end_market_engagement(
            engagement=engagement, last_day=last_day, reason=f"firm {locked_firm.status}"
        )
        cases.append(
            open_case(
                compound=compound,
                trigger=FallbackTrigger.FIRM_SANCTIONED,
                starts_on=last_day + timedelta(days=1),
                previous=engagement,
                actor=actor,
            )
        )
        operator_changed.send(
            sender=FallbackCase,
            compound=compound,
            from_engagement=engagement,
            to_engagement=cases[-1].engagement,
        )
    return cases
