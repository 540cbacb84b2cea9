"""Fallback to the district's state operator (DOMAIN "Fallback (国企兜底) and handover";
Beijing art. 77).

A compound goes to the designated fallback operator when (1) it found no operator within
30 days of registration, (2) its trial or contract ended with no successor starting the
next day, (3) its firm was suspended, revoked or blacklisted, or (4) the bureau orders it
after two consecutive quarters scoring below 60 and a written warning. Each opens one
``FallbackCase`` owning a live fallback engagement: basic services only, at the bureau's
published fallback fee, for at most 6 months (extended only by the bureau, with a reason).

Every change locks the compound row first (``lock_compound``), like the trial and contract
services; the database's one-live-engagement and one-open-case constraints are the last
word when two requests race.
"""

import logging
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from market.dates import add_months
from market.models import Compound, District, Firm, FirmStatus, ManagementStatus
from market.permissions import can_manage_fallback, require
from market.services.compounds import compound_set_management_status
from market.services.events import event_record

from ..models import (
    CONTRACT_TRANSITIONS,
    FALLBACK_CASE_TRANSITIONS,
    IN_FORCE_STATUSES,
    TRIAL_TRANSITIONS,
    Contract,
    ContractStatus,
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
    FallbackDesignation,
    FallbackTrigger,
    Trial,
    TrialStatus,
    WrittenWarning,
)
from ..models.fallback import FALLBACK_MAX_MONTHS
from .common import (
    absolute_url,
    check_transition,
    committee_emails,
    email_after_commit,
    firm_emails,
    today_or,
)
from .engagements import engagement_end, engagement_set_end, lock_compound
from .handover import handover_open

logger = logging.getLogger(__name__)

SEEKING_DAYS = 30
LOW_SCORE = Decimal(60)

ALREADY_DESIGNATED = _(
    "%(firm)s is already the designated fallback operator of %(district)s. End that "
    "designation first; a district has exactly one fallback operator at a time."
)
FIRM_NOT_APPROVED = _("Only an approved firm can be designated as the fallback operator.")
FIRM_NOT_IN_DISTRICT = _("This firm does not serve %(district)s.")
FEE_INVALID = _("Give the fallback fee in ¥ per ㎡ per month, e.g. 1.20.")
REASON_REQUIRED = _("Give the reason; it is kept on the record.")
NO_OPERATOR = _("%(district)s has no designated fallback operator.")
EXTEND_NOT_LATER = _("The new last day must be after the current one (%(date)s).")
EXTEND_TOO_LONG = _("An extension runs at most %(months)d months past the current last day.")
EXTEND_REASON = _("An extension needs a reason (Beijing art. 77).")
CASE_CLOSED = _("This fallback case is closed.")
NOT_SERVED_BY_MARKET = _("%(compound)s is not served by a firm on a trial or contract.")
WARNING_REQUIRED = _(
    "Record a written warning to %(firm)s first; fallback can be ordered only after one."
)
WARNING_OTHER = _("This warning was not given to the firm serving the compound.")
WARNING_TEXT_REQUIRED = _("Write the warning.")
SCORES_NOT_LOW = _(
    "Fallback can be ordered only after two consecutive quarters scoring below 60 "
    "(latest scores: %(scores)s)."
)
SCORES_MISSING = _("There are no two quarterly evaluations for this firm here yet.")


def _day(value: date) -> str:
    return date_format(value, "Y-m-d")


def _reason(reason: str, message=REASON_REQUIRED) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def designation_active(district: District) -> FallbackDesignation | None:
    return (
        FallbackDesignation.objects.filter(district=district, active=True)
        .select_related("firm")
        .first()
    )


def _district_lock(district: District) -> District:
    # Serialises designations per district (the unique constraint is the last word).
    return District.objects.select_for_update().get(pk=district.pk)


# --- Designation ----------------------------------------------------------------------


@transaction.atomic
def fallback_designate(
    *, actor, district: District, firm: Firm, fee, reason: str = "", today: date | None = None
) -> FallbackDesignation:
    """The bureau designates the district's fallback operator and publishes its fee."""
    today = today_or(today)
    if actor is not None:
        require(can_manage_fallback(actor, district))
    try:
        fee = Decimal(str(fee)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"fee": FEE_INVALID}) from None
    if fee < 0 or fee >= Decimal("10000"):
        raise ValidationError({"fee": FEE_INVALID})
    if firm.status != FirmStatus.APPROVED or firm.blacklisted:
        raise ValidationError({"firm": FIRM_NOT_APPROVED})
    if not firm.districts.filter(pk=district.pk).exists():
        raise ValidationError({"firm": FIRM_NOT_IN_DISTRICT % {"district": district.name}})
    _district_lock(district)
    current = designation_active(district)
    if current is not None:
        raise ValidationError(
            ALREADY_DESIGNATED % {"firm": current.firm.name, "district": district.name},
            code="designated",
        )
    try:
        with transaction.atomic():
            designation = FallbackDesignation.objects.create(
                district=district,
                firm=firm,
                fee=fee,
                designated_on=today,
                designated_by=actor if getattr(actor, "is_authenticated", False) else None,
                reason=(reason or "").strip(),
            )
    except IntegrityError:
        raise ValidationError(
            ALREADY_DESIGNATED % {"firm": "", "district": district.name}, code="designated"
        ) from None
    Firm.objects.filter(pk=firm.pk).update(is_fallback_operator=True)
    event_record(
        actor=actor,
        action="fallback.designated",
        target=designation,
        district=district,
        after={"firm": firm.name, "fee": str(fee), "on": today.isoformat()},
    )
    return designation


@transaction.atomic
def fallback_designation_end(
    *, actor, designation: FallbackDesignation, reason: str, today: date | None = None
) -> FallbackDesignation:
    """End a designation, so another firm can be designated. Open cases keep their
    operator until they close."""
    today = today_or(today)
    if actor is not None:
        require(can_manage_fallback(actor, designation.district))
    reason = _reason(reason)
    _district_lock(designation.district)
    locked = FallbackDesignation.objects.select_for_update().get(pk=designation.pk)
    if not locked.active:
        return locked
    locked.active, locked.ended_on = False, today
    locked.reason = (locked.reason + "\n" + reason).strip()
    locked.save(update_fields=["active", "ended_on", "reason"])
    if not FallbackDesignation.objects.filter(firm=locked.firm, active=True).exists():
        Firm.objects.filter(pk=locked.firm_id).update(is_fallback_operator=False)
    event_record(
        actor=actor,
        action="fallback.designation_ended",
        target=locked,
        district=locked.district,
        before={"active": True},
        after={"active": False},
        data={"reason": reason},
    )
    designation.active, designation.ended_on = False, today
    return locked


# --- Opening a case ---------------------------------------------------------------------


def _open_case(
    *,
    compound: Compound,
    trigger: str,
    starts_on: date,
    previous: Engagement | None = None,
    warning: WrittenWarning | None = None,
    actor=None,
) -> FallbackCase:
    """Open the case and its live fallback engagement. ``compound`` must be locked and
    have no live engagement."""
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
                phase=EngagementPhase.LIVE,
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
    if compound.management_status != ManagementStatus.FALLBACK:
        compound_set_management_status(
            compound=compound,
            status=ManagementStatus.FALLBACK,
            actor=actor,
            reason=f"fallback case {case.pk}: {trigger}",
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
            outgoing_engagement=previous, incoming_firm=designation.firm, opened_on=starts_on
        )
    committee = compound.current_committee
    # Opening a case opens a new selection round (Beijing art. 77): the committee hears
    # that the compound is back on the market and can run trials.
    email_after_commit(
        recipients=(committee_emails(committee) if committee else [])
        + firm_emails(designation.firm),
        subject=_t("%(compound)s passes to the fallback operator") % {"compound": compound.name},
        body=_t(
            "From %(start)s, %(operator)s provides basic services (rubbish, order, secondary "
            "water, lifts) at ¥%(fee)s per ㎡ per month, until %(end)s at most. The compound "
            "is listed as seeking a provider again: the committee can request trials now."
        )
        % {
            "start": _day(starts_on),
            "operator": designation.firm.name,
            "fee": designation.fee,
            "end": _day(planned_end),
        },
        url=absolute_url("compound_handovers", compound.pk),
    )
    return case


def _last_ended(compound: Compound) -> Engagement | None:
    return (
        compound.engagements.filter(phase=EngagementPhase.ENDED)
        .select_related("firm")
        .order_by("-ended_on", "-id")
        .first()
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
    return _open_case(
        compound=locked,
        trigger=trigger,
        starts_on=max(first_unserved, locked.registered_on),
        previous=previous_for_case,
    )


def _end_market_engagement(*, engagement: Engagement, last_day: date, reason: str) -> None:
    """End a trial or contract early (sanction or bureau order), with its engagement."""
    trial = Trial.objects.filter(engagement=engagement).first()
    contract = Contract.objects.filter(engagement=engagement).first()
    if trial is not None:
        check_transition(
            model="trial", table=TRIAL_TRANSITIONS, current=trial.status, target=TrialStatus.ENDED
        )
        trial.status = TrialStatus.ENDED
        trial.save(update_fields=["status"])
        event_record(
            actor=None,
            action="trial.ended",
            target=trial,
            before={"status": TrialStatus.ACTIVE},
            after={"status": trial.status, "last_day": last_day.isoformat(), "reason": reason},
        )
    elif contract is not None:
        before = contract.status
        if before not in IN_FORCE_STATUSES:
            raise ValidationError(NOT_SERVED_BY_MARKET % {"compound": engagement.compound.name})
        check_transition(
            model="contract",
            table=CONTRACT_TRANSITIONS,
            current=before,
            target=ContractStatus.ENDED,
        )
        contract.status, contract.ended_on = ContractStatus.ENDED, last_day
        contract.save(update_fields=["status", "ended_on"])
        event_record(
            actor=None,
            action="contract.ended",
            target=contract,
            before={"status": before},
            after={"status": contract.status, "last_day": last_day.isoformat(), "reason": reason},
        )
    engagement_end(engagement=engagement, on=last_day, reason=reason)


@transaction.atomic
def fallback_take_over_firm(*, firm: Firm, today: date, actor=None) -> list[FallbackCase]:
    """Trigger 3: a suspended, revoked or blacklisted firm's live sites all move to the
    fallback operator, in one transaction; the firm's last day is yesterday."""
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
        engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
        if engagement.phase != EngagementPhase.LIVE:
            continue
        last_day = max(today - timedelta(days=1), engagement.starts_on)
        _end_market_engagement(
            engagement=engagement, last_day=last_day, reason=f"firm {locked_firm.status}"
        )
        cases.append(
            _open_case(
                compound=compound,
                trigger=FallbackTrigger.FIRM_SANCTIONED,
                starts_on=last_day + timedelta(days=1),
                previous=engagement,
                actor=actor,
            )
        )
    return cases


# --- Bureau order (trigger 4) ---------------------------------------------------------


def fallback_order_quarter_scores(*, compound: Compound, firm: Firm) -> list[Decimal]:
    """The firm's quarterly evaluation scores at ``compound``, oldest first. The ratings
    app (issue #5) supplies them; until then there are none, so no order can be made."""
    return []


@transaction.atomic
def written_warning_record(
    *, actor, compound: Compound, text: str, today: date | None = None
) -> WrittenWarning:
    """The bureau's written warning to the firm serving ``compound``."""
    today = today_or(today)
    district = compound.street_office.district
    if actor is not None:
        require(can_manage_fallback(actor, district))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": WARNING_TEXT_REQUIRED})
    locked = lock_compound(compound.pk)
    live = locked.engagements.filter(phase=EngagementPhase.LIVE).select_related("firm").first()
    if live is None or live.kind == EngagementKind.FALLBACK:
        raise ValidationError(NOT_SERVED_BY_MARKET % {"compound": locked.name})
    warning = WrittenWarning.objects.create(
        compound=locked,
        firm=live.firm,
        text=text,
        issued_on=today,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(
        actor=actor,
        action="fallback.warning_issued",
        target=warning,
        district=district,
        compound=locked,
        after={"firm": live.firm.name, "text": text},
    )
    email_after_commit(
        recipients=firm_emails(live.firm),
        subject=_t("Written warning about %(compound)s") % {"compound": locked.name},
        body=text,
    )
    return warning


@transaction.atomic
def fallback_order(
    *,
    actor,
    compound: Compound,
    warning: WrittenWarning | None,
    reason: str,
    today: date | None = None,
) -> FallbackCase:
    """The bureau orders fallback after two consecutive quarters below 60 and a written
    warning; the firm's last day is yesterday."""
    today = today_or(today)
    district = compound.street_office.district
    if actor is not None:
        require(can_manage_fallback(actor, district))
    reason = _reason(reason)
    locked = lock_compound(compound.pk)
    live = locked.engagements.filter(phase=EngagementPhase.LIVE).select_related("firm").first()
    if live is None or live.kind == EngagementKind.FALLBACK:
        raise ValidationError(NOT_SERVED_BY_MARKET % {"compound": locked.name})
    if warning is None or warning.issued_on >= today:
        raise ValidationError(WARNING_REQUIRED % {"firm": live.firm.name})
    if warning.firm_id != live.firm_id or warning.compound_id != locked.pk:
        raise ValidationError(WARNING_OTHER)
    scores = fallback_order_quarter_scores(compound=locked, firm=live.firm)
    if len(scores) < 2:
        raise ValidationError(SCORES_MISSING)
    if not all(Decimal(score) < LOW_SCORE for score in scores[-2:]):
        raise ValidationError(
            SCORES_NOT_LOW % {"scores": ", ".join(str(score) for score in scores[-2:])}
        )
    engagement = Engagement.objects.select_for_update().get(pk=live.pk)
    last_day = max(today - timedelta(days=1), engagement.starts_on)
    _end_market_engagement(engagement=engagement, last_day=last_day, reason="bureau order")
    case = _open_case(
        compound=locked,
        trigger=FallbackTrigger.BUREAU_ORDER,
        starts_on=last_day + timedelta(days=1),
        previous=engagement,
        warning=warning,
        actor=actor,
    )
    event_record(
        actor=actor,
        action="fallback.ordered",
        target=case,
        district=district,
        compound=locked,
        data={"reason": reason, "scores": [str(score) for score in scores[-2:]]},
    )
    return case


# --- Extension and closing --------------------------------------------------------------


@transaction.atomic
def fallback_extend(*, actor, case: FallbackCase, until: date, reason: str) -> FallbackCase:
    """Only the bureau extends a fallback term, with a reason, by at most 6 months at a
    time (Beijing art. 77)."""
    if actor is not None:
        require(can_manage_fallback(actor, case.district))
    reason = _reason(reason, EXTEND_REASON)
    lock_compound(case.compound_id)
    locked = FallbackCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != FallbackCaseStatus.OPEN:
        raise ValidationError(CASE_CLOSED)
    if until is None or until <= locked.planned_end_on:
        raise ValidationError({"until": EXTEND_NOT_LATER % {"date": _day(locked.planned_end_on)}})
    if until > add_months(locked.planned_end_on, FALLBACK_MAX_MONTHS):
        raise ValidationError({"until": EXTEND_TOO_LONG % {"months": FALLBACK_MAX_MONTHS}})
    before = locked.planned_end_on
    locked.planned_end_on = until
    locked.extension_reason = (locked.extension_reason + "\n" + reason).strip()
    locked.save(update_fields=["planned_end_on", "extension_reason"])
    engagement_set_end(engagement=locked.engagement, ends_on=until)
    event_record(
        actor=actor,
        action="fallback.extended",
        target=locked,
        district=locked.district,
        compound=locked.compound,
        before={"until": before.isoformat()},
        after={"until": until.isoformat()},
        data={"reason": reason},
    )
    case.planned_end_on, case.extension_reason = until, locked.extension_reason
    return locked


@transaction.atomic
def fallback_case_close(*, case: FallbackCase, today: date) -> FallbackCase | bool:
    """Leaving fallback: once a trial or contract has replaced the fallback engagement
    (``engagement_start`` ends it the day before), the case closes and the fallback
    operator hands over to the new firm. Idempotent."""
    lock_compound(case.compound_id)
    locked = (
        FallbackCase.objects.select_for_update(of=("self",))
        .select_related("engagement", "compound")
        .get(pk=case.pk)
    )
    if locked.status != FallbackCaseStatus.OPEN:
        return False
    if locked.engagement.phase != EngagementPhase.ENDED:
        return False
    check_transition(
        model="fallback case",
        table=FALLBACK_CASE_TRANSITIONS,
        current=locked.status,
        target=FallbackCaseStatus.CLOSED,
    )
    locked.status = FallbackCaseStatus.CLOSED
    locked.closed_on = locked.engagement.ended_on
    locked.save(update_fields=["status", "closed_on"])
    successor = (
        locked.compound.engagements.filter(
            phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED],
            starts_on__gt=locked.engagement.starts_on,
        )
        .exclude(pk=locked.engagement_id)
        .select_related("firm")
        .order_by("starts_on", "id")
        .first()
    )
    if successor is not None and successor.firm_id != locked.operator_id:
        handover_open(
            outgoing_engagement=locked.engagement,
            incoming_firm=successor.firm,
            opened_on=successor.starts_on,
        )
    event_record(
        actor=None,
        action="fallback.closed",
        target=locked,
        district=locked.district,
        compound=locked.compound,
        before={"status": FallbackCaseStatus.OPEN},
        after={"status": locked.status, "last_day": str(locked.closed_on)},
    )
    case.status = locked.status
    return locked
