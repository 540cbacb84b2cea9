"""Trials (先尝后买, DOMAIN "Trials"): request → accept | decline → start → end.

Each transition: one transaction, the compound row locked first and then the trial row,
the move checked against ``TRIAL_TRANSITIONS``, an event row, and an e-mail to the other
party after commit.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from market.models import Compound, Offer
from market.permissions import can_act_for_compound, can_act_for_firm, require
from market.prepared import row_get
from market.services.events import event_record

from ..dates import term_last_day
from ..models import (
    TRIAL_TRANSITIONS,
    EngagementKind,
    Trial,
    TrialReport,
    TrialStatus,
)
from ..models.trials import MAX_TRIAL_MONTHS
from ..signals import trial_ended
from .common import (
    absolute_url,
    committee_emails,
    day_text,
    email_after_commit,
    firm_emails,
    instance_sync,
    lock_compound,
    lock_for_change,
    required_reason,
    status_move,
    today_or,
)
from .engagements import (
    engagement_cancel,
    engagement_check_slot,
    engagement_open,
    engagement_start,
)
from .succession import engagement_finish, handover_retarget
from .trial_terms import FIRM_UNAVAILABLE, offer_trial_problems, terms_snapshot

START_IN_PAST = _("The start date cannot be in the past.")
START_TOO_LATE = _("Choose a start date within the next %(days)d days.")
NO_COMMITTEE = _("%(compound)s has no committee registered, so it cannot request a trial.")
ALREADY_REQUESTED = _("Your compound already has an open trial request for this offer.")
START_PASSED = _(
    "The requested start date (%(date)s) has passed. Decline the request so that the "
    "committee can ask again with a new date."
)
REASON_REQUIRED = _("Give a reason; the other party will see it.")
NOT_YET = _("The trial starts on %(date)s.")
NOT_OVER = _("The trial runs until %(date)s.")
MESSAGE_TOO_LONG = _("Keep the message under %(max)d characters.")

MAX_START_AHEAD_DAYS = 183
MESSAGE_MAX = 2000
REMINDER_DAYS = 7


def _lock(trial: Trial) -> tuple[Compound, Trial]:
    compound, locked = lock_for_change(trial, related=("firm", "engagement"))
    if locked.engagement is not None:
        # The engagement services read its compound (and district): give them the locked one.
        locked.engagement.compound = compound
    return compound, locked


def _move(trial: Trial, target: str) -> str:
    return status_move(trial, table=TRIAL_TRANSITIONS, target=target, model="trial")


@transaction.atomic
def trial_request(
    *,
    actor,
    compound: Compound,
    offer: Offer,
    starts_on: date,
    message: str = "",
    today: date | None = None,
) -> Trial:
    """The committee asks the firm for a trial of ``offer`` from ``starts_on``."""
    today = today_or(today)
    if actor is not None:
        require(can_act_for_compound(actor, compound))
    compound = lock_compound(compound.pk)
    offer = row_get(Offer, offer.pk, related=("firm",))
    committee = compound.current_committee
    if committee is None:
        raise ValidationError(NO_COMMITTEE % {"compound": compound.name})
    problems = offer_trial_problems(offer=offer, compound=compound)
    if problems:
        raise ValidationError(problems)
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationError({"message": MESSAGE_TOO_LONG % {"max": MESSAGE_MAX}})
    if starts_on < today:
        raise ValidationError({"starts_on": START_IN_PAST})
    if starts_on > today + timedelta(days=MAX_START_AHEAD_DAYS):
        raise ValidationError({"starts_on": START_TOO_LATE % {"days": MAX_START_AHEAD_DAYS}})
    if compound.trials.filter(
        offer=offer, status__in=[TrialStatus.REQUESTED, TrialStatus.ACCEPTED, TrialStatus.ACTIVE]
    ).exists():
        raise ValidationError(ALREADY_REQUESTED)
    try:
        engagement_check_slot(compound=compound, starts_on=starts_on)
    except ValidationError as error:
        raise ValidationError({"starts_on": error.messages}) from None
    months = min(offer.trial_months, MAX_TRIAL_MONTHS)
    trial = Trial.objects.create(
        compound=compound,
        committee=committee,
        offer=offer,
        firm=offer.firm,
        status=TrialStatus.REQUESTED,
        message=message,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        starts_on=starts_on,
        ends_on=term_last_day(starts_on, months=months),
        terms=terms_snapshot(offer),
        months=months,
        fee=offer.trial_fee,
        area=compound.exclusive_area,
    )
    event_record(
        actor=actor,
        action="trial.requested",
        target=trial,
        after={
            "status": trial.status,
            "offer": offer.pk,
            "firm": offer.firm.name,
            "starts_on": starts_on.isoformat(),
            "ends_on": trial.ends_on.isoformat(),
            "fee": str(trial.fee),
        },
    )
    email_after_commit(
        recipients=firm_emails(offer.firm),
        subject=_t("Trial request from %(compound)s") % {"compound": compound.name},
        body=_t(
            "%(compound)s asks for a %(months)d-month trial of “%(offer)s” from %(date)s. "
            "Accept or decline it on your firm's page."
        )
        % {
            "compound": compound.name,
            "months": months,
            "offer": offer.title,
            "date": day_text(starts_on),
        },
        url=absolute_url("trial_detail", trial.pk),
    )
    return trial


@transaction.atomic
def trial_accept(*, actor, trial: Trial, today: date | None = None) -> Trial:
    """The firm accepts: the trial takes the compound's next engagement slot (refused if
    another trial or contract holds it). A trial due to start today starts at once."""
    today = today_or(today)
    if actor is not None:
        require(can_act_for_firm(actor, trial.firm))
    compound, locked = _lock(trial)
    before = _move(locked, TrialStatus.ACCEPTED)
    if not locked.firm.is_listable:
        raise ValidationError(FIRM_UNAVAILABLE)
    if locked.starts_on < today:
        raise ValidationError(START_PASSED % {"date": day_text(locked.starts_on)})
    locked.engagement = engagement_open(
        compound=compound,
        kind=EngagementKind.TRIAL,
        firm=locked.firm,
        starts_on=locked.starts_on,
        ends_on=locked.ends_on,
        fee=locked.fee,
        area=locked.area,
    )
    locked.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "engagement", "decided_by", "decided_at"])
    event_record(
        actor=actor,
        action="trial.accepted",
        target=locked,
        before={"status": before},
        after={"status": locked.status, "starts_on": locked.starts_on.isoformat()},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id),
        subject=_t("%(firm)s accepted your trial request") % {"firm": locked.firm.name},
        body=_t("The trial of “%(offer)s” runs from %(start)s to %(end)s.")
        % {
            "offer": locked.terms.get("title", ""),
            "start": day_text(locked.starts_on),
            "end": day_text(locked.ends_on),
        },
        url=absolute_url("trial_detail", locked.pk),
    )
    if locked.starts_on <= today:
        trial_start(trial=locked, actor=actor, today=today)
    return instance_sync(trial, locked)


@transaction.atomic
def trial_decline(*, actor, trial: Trial, reason: str) -> Trial:
    if actor is not None:
        require(can_act_for_firm(actor, trial.firm))
    reason = required_reason(reason, REASON_REQUIRED)
    _compound, locked = _lock(trial)
    before = _move(locked, TrialStatus.DECLINED)
    locked.decline_reason = reason
    locked.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    event_record(
        actor=actor,
        action="trial.declined",
        target=locked,
        before={"status": before},
        after={"status": locked.status},
        data={"reason": reason},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id),
        subject=_t("%(firm)s declined your trial request") % {"firm": locked.firm.name},
        body=_t("Their reason: %(reason)s") % {"reason": reason},
        url=absolute_url("trial_detail", locked.pk),
    )
    return instance_sync(trial, locked)


@transaction.atomic
def trial_withdraw(*, actor, trial: Trial, reason: str = "", today: date | None = None) -> Trial:
    """The committee withdraws its request, at any time before the trial starts."""
    today = today_or(today)
    if actor is not None:
        require(can_act_for_compound(actor, trial.compound))
    _compound, locked = _lock(trial)
    before = _move(locked, TrialStatus.WITHDRAWN)
    if locked.engagement is not None:
        engagement_cancel(engagement=locked.engagement, reason="trial withdrawn")
        # A firm handing over to this trial's firm now hands over to the fallback operator.
        handover_retarget(compound=_compound, today=today)
    locked.withdraw_reason = (reason or "").strip()
    locked.save(update_fields=["status", "withdraw_reason"])
    event_record(
        actor=actor,
        action="trial.withdrawn",
        target=locked,
        before={"status": before},
        after={"status": locked.status},
        data={"reason": locked.withdraw_reason} if locked.withdraw_reason else None,
    )
    email_after_commit(
        recipients=firm_emails(locked.firm),
        subject=_t("%(compound)s withdrew its trial request") % {"compound": locked.compound.name},
        body=locked.withdraw_reason or _t("No reason was given."),
        url=absolute_url("trial_detail", locked.pk),
    )
    return instance_sync(trial, locked)


@transaction.atomic
def trial_start(*, trial: Trial, today: date, actor=None) -> Trial:
    """Start an accepted trial on (or after) its start date; the compound goes on trial."""
    compound, locked = _lock(trial)
    before = _move(locked, TrialStatus.ACTIVE)
    if today < locked.starts_on:
        raise ValidationError(NOT_YET % {"date": day_text(locked.starts_on)})
    engagement_start(
        engagement=locked.engagement,
        on=today,
        actor=actor,
        reason=f"trial {locked.pk} started",
        compound=compound,
    )
    locked.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="trial.started",
        target=locked,
        before={"status": before},
        after={"status": locked.status, "on": today.isoformat()},
    )
    email_after_commit(
        recipients=firm_emails(locked.firm) + committee_emails(locked.committee_id),
        subject=_t("The trial at %(compound)s has started") % {"compound": locked.compound.name},
        body=_t("%(firm)s serves %(compound)s on trial until %(end)s.")
        % {
            "firm": locked.firm.name,
            "compound": locked.compound.name,
            "end": day_text(locked.ends_on),
        },
        url=absolute_url("trial_detail", locked.pk),
    )
    return instance_sync(trial, locked)


@transaction.atomic
def trial_remind(*, trial: Trial, today: date) -> bool:
    """Remind the committee 7 days before the trial ends (once). True if sent now."""
    _compound, locked = _lock(trial)
    if locked.status != TrialStatus.ACTIVE or locked.reminded_on is not None:
        return False
    if today < locked.ends_on - timedelta(days=REMINDER_DAYS):
        return False
    locked.reminded_on = today
    locked.save(update_fields=["reminded_on"])
    event_record(
        actor=None,
        action="trial.reminder_sent",
        target=locked,
        data={"ends_on": locked.ends_on.isoformat()},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id),
        subject=_t("The trial at %(compound)s ends on %(date)s")
        % {"compound": locked.compound.name, "date": day_text(locked.ends_on)},
        body=_t(
            "Decide whether to call the owners' vote to hire %(firm)s. Without a contract "
            "or another firm starting the next day, the compound passes to the district's "
            "fallback operator."
        )
        % {"firm": locked.firm.name},
        url=absolute_url("trial_detail", locked.pk),
    )
    return True


@transaction.atomic
def trial_end(*, trial: Trial, today: date, actor=None) -> Trial:
    """End a trial after its last day and produce its report for the committee."""
    _compound, locked = _lock(trial)
    before = _move(locked, TrialStatus.ENDED)
    if today <= locked.ends_on:
        raise ValidationError(NOT_OVER % {"date": day_text(locked.ends_on)})
    # The trial firm keeps serving until it has handed over to another operator.
    engagement_finish(engagement=locked.engagement, last_day=locked.ends_on, reason="trial ended")
    locked.save(update_fields=["status"])
    report = TrialReport(trial=locked, created_on=today)
    # The ratings app fills in the figures; the report is written once, with them.
    trial_ended.send(sender=Trial, trial=locked, report=report)
    report.save()
    event_record(
        actor=actor,
        action="trial.ended",
        target=locked,
        before={"status": before},
        after={"status": locked.status, "report": report.pk},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id) + firm_emails(locked.firm),
        subject=_t("The trial at %(compound)s has ended") % {"compound": locked.compound.name},
        body=_t(
            "The trial report is ready. The committee may now call the owners' vote to hire "
            "%(firm)s."
        )
        % {"firm": locked.firm.name},
        url=absolute_url("trial_detail", locked.pk),
    )
    return instance_sync(trial, locked)
