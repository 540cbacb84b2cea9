"""A contract in force: filing with the bureau (Beijing art. 63), the renewal clock
(art. 75), notice of ending (Civil Code arts. 946–948) and the end of the term."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from market.dates import add_months
from market.permissions import (
    can_act_for_compound,
    can_act_for_firm,
    can_file_contract,
    require,
)
from market.services.events import event_record

from ..models import (
    IN_FORCE_STATUSES,
    Contract,
    ContractStatus,
    NoticeBy,
    Vote,
    VoteStatus,
)
from .common import (
    absolute_url,
    committee_emails,
    day_text,
    email_after_commit,
    firm_emails,
    required_reason,
    today_or,
)
from .contracts import (
    ALREADY_FILED,
    FILED_BEFORE_SIGNING,
    FILED_IN_FUTURE,
    FIRM_NOTICE_DAYS,
    FIRM_NOTICE_ONLY_ACTIVE,
    FIRM_NOTICE_TOO_LATE,
    HOLDOVER_NOTICE_DAYS,
    NEEDS_DISMISSAL_VOTE,
    NOT_IN_FORCE,
    NOT_SIGNED,
    NOTICE_ALREADY,
    OWNERS_NOTICE_DAYS,
    REASON_REQUIRED,
    RENEWAL_MONTHS,
    lock_contract,
    move_contract,
    sync_contract,
)
from .engagements import engagement_set_end
from .succession import engagement_finish


@transaction.atomic
def contract_file(
    *, actor, contract: Contract, filed_on: date | None = None, today: date | None = None
) -> Contract:
    """The bureau marks the contract filed (备案, Beijing art. 63)."""
    if actor is not None:
        require(can_file_contract(actor, contract.compound))
    today = today_or(today)
    filed_on = filed_on or today
    _compound, locked = lock_contract(contract)
    if locked.signed_at is None or locked.status == ContractStatus.CANCELLED:
        raise ValidationError(NOT_SIGNED)
    if locked.filed_on is not None:
        raise ValidationError(ALREADY_FILED % {"date": day_text(locked.filed_on)})
    if filed_on > today:
        raise ValidationError({"filed_on": FILED_IN_FUTURE})
    if filed_on < locked.signed_on:
        raise ValidationError({"filed_on": FILED_BEFORE_SIGNING})
    locked.filed_on = filed_on
    locked.filed_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["filed_on", "filed_by"])
    event_record(
        actor=actor,
        action="contract.filed",
        target=locked,
        after={"filed_on": filed_on.isoformat(), "late": filed_on > locked.filing_due_on},
    )
    email_after_commit(
        recipients=firm_emails(locked.firm),
        subject=_t("Contract %(number)s has been filed") % {"number": locked.number},
        body=_t("The housing bureau filed it on %(date)s.") % {"date": day_text(filed_on)},
        url=absolute_url("contract_detail", locked.pk),
    )
    return sync_contract(contract, locked)


@transaction.atomic
def contract_flag_unfiled(*, contract: Contract, today: date) -> bool:
    """Flag a contract not filed within 15 days of signing (once)."""
    _compound, locked = lock_contract(contract)
    if locked.filed_on is not None or locked.filing_overdue_on is not None:
        return False
    if locked.signed_on is None or today <= locked.filing_due_on:
        return False
    locked.filing_overdue_on = today
    locked.save(update_fields=["filing_overdue_on"])
    event_record(
        actor=None,
        action="contract.filing_overdue",
        target=locked,
        data={"due_on": locked.filing_due_on.isoformat()},
    )
    email_after_commit(
        recipients=firm_emails(locked.firm),
        subject=_t("Contract %(number)s has not been filed") % {"number": locked.number},
        body=_t(
            "It was due for filing with the housing bureau by %(date)s (Beijing art. 63). "
            "File it now."
        )
        % {"date": day_text(locked.filing_due_on)},
        url=absolute_url("contract_detail", locked.pk),
    )
    return True


@transaction.atomic
def contract_open_renewal(*, contract: Contract, today: date) -> bool:
    """Open the renew-or-replace decision 6 months before expiry (Beijing art. 75)."""
    _compound, locked = lock_contract(contract)
    if locked.status != ContractStatus.ACTIVE or locked.renewal_opened_on is not None:
        return False
    if locked.ends_on > add_months(today, RENEWAL_MONTHS):
        return False
    locked.renewal_opened_on = today
    locked.save(update_fields=["renewal_opened_on"])
    event_record(
        actor=None,
        action="contract.renewal_opened",
        target=locked,
        data={"ends_on": locked.ends_on.isoformat()},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id) + firm_emails(locked.firm),
        subject=_t("Contract %(number)s ends on %(date)s: renew or replace")
        % {"number": locked.number, "date": day_text(locked.ends_on)},
        body=_t(
            "The owners decide whether to renew with %(firm)s or choose another firm. A firm "
            "that will not renew must say so at least %(days)d days before the end."
        )
        % {"firm": locked.firm.name, "days": FIRM_NOTICE_DAYS},
        url=absolute_url("contract_detail", locked.pk),
    )
    return True


@transaction.atomic
def contract_give_notice(
    *,
    actor,
    contract: Contract,
    by: str,
    reason: str,
    notice_on: date | None = None,
    vote: Vote | None = None,
) -> Contract:
    """Notice of ending: owners after a dismissal vote, 60 days (art. 946); a firm not
    renewing, at least 90 days before expiry (art. 947); either party during an
    indefinite holdover term, 60 days (art. 948)."""
    notice_on = notice_on or timezone.localdate()
    reason = required_reason(reason, REASON_REQUIRED)
    if by == NoticeBy.OWNERS:
        if actor is not None:
            require(can_act_for_compound(actor, contract.compound))
    elif by == NoticeBy.FIRM:
        if actor is not None:
            require(can_act_for_firm(actor, contract.firm))
    elif by == NoticeBy.EITHER:
        if actor is not None:
            require(
                can_act_for_compound(actor, contract.compound)
                or can_act_for_firm(actor, contract.firm)
            )
    else:
        raise ValidationError(NOT_IN_FORCE)
    _compound, locked = lock_contract(contract)
    if locked.status not in IN_FORCE_STATUSES:
        raise ValidationError(NOT_IN_FORCE)
    if locked.terminates_on is not None:
        raise ValidationError(NOTICE_ALREADY % {"date": day_text(locked.terminates_on)})
    if by == NoticeBy.OWNERS:
        passed = locked.dismissal_votes.filter(status=VoteStatus.PASSED)
        if vote is not None:
            passed = passed.filter(pk=vote.pk)
        if not passed.exists():
            raise ValidationError(NEEDS_DISMISSAL_VOTE)
        terminates_on = notice_on + timedelta(days=OWNERS_NOTICE_DAYS)
        if locked.status == ContractStatus.ACTIVE:
            terminates_on = min(terminates_on, locked.ends_on)
    elif by == NoticeBy.FIRM:
        if locked.status != ContractStatus.ACTIVE:
            raise ValidationError(FIRM_NOTICE_ONLY_ACTIVE)
        latest = locked.ends_on - timedelta(days=FIRM_NOTICE_DAYS)
        if notice_on > latest:
            raise ValidationError(
                FIRM_NOTICE_TOO_LATE % {"days": FIRM_NOTICE_DAYS, "date": day_text(latest)}
            )
        terminates_on = locked.ends_on
    else:
        if locked.status != ContractStatus.HOLDOVER:
            raise ValidationError(NOT_IN_FORCE)
        terminates_on = notice_on + timedelta(days=HOLDOVER_NOTICE_DAYS)
    locked.notice_by, locked.notice_on = by, notice_on
    locked.terminates_on, locked.notice_reason = terminates_on, reason
    locked.save(update_fields=["notice_by", "notice_on", "terminates_on", "notice_reason"])
    engagement_set_end(engagement=locked.engagement, ends_on=terminates_on)
    event_record(
        actor=actor,
        action="contract.notice_given",
        target=locked,
        after={
            "by": by,
            "notice_on": notice_on.isoformat(),
            "terminates_on": terminates_on.isoformat(),
        },
        data={"reason": reason},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id) + firm_emails(locked.firm),
        subject=_t("Notice of ending for contract %(number)s") % {"number": locked.number},
        body=_t("The last day of service is %(date)s. Reason: %(reason)s")
        % {"date": day_text(terminates_on), "reason": reason},
        url=absolute_url("contract_detail", locked.pk),
    )
    return sync_contract(contract, locked)


@transaction.atomic
def contract_expire(*, contract: Contract, today: date) -> Contract | bool:
    """Past its last day a contract ends — unless, with no notice and no successor lined
    up, service simply continues: then it becomes an indefinite term (art. 948)."""
    compound, locked = lock_contract(contract)
    if locked.status not in IN_FORCE_STATUSES:
        return False
    if locked.terminates_on is not None and locked.terminates_on < today:
        last_day = locked.terminates_on
    elif locked.status == ContractStatus.ACTIVE and locked.ends_on < today:
        successor = compound.engagements.filter(phase="upcoming").exists()
        if not successor:
            before = move_contract(locked, ContractStatus.HOLDOVER)
            locked.save(update_fields=["status"])
            engagement_set_end(engagement=locked.engagement, ends_on=None)
            event_record(
                actor=None,
                action="contract.holdover",
                target=locked,
                before={"status": before},
                after={"status": locked.status},
            )
            email_after_commit(
                recipients=committee_emails(locked.committee_id) + firm_emails(locked.firm),
                subject=_t("Contract %(number)s continues without a fixed term")
                % {"number": locked.number},
                body=_t(
                    "The term ended on %(date)s and service continues. Either party may end "
                    "it with %(days)d days' notice (Civil Code art. 948)."
                )
                % {"date": day_text(locked.ends_on), "days": HOLDOVER_NOTICE_DAYS},
                url=absolute_url("contract_detail", locked.pk),
            )
            return sync_contract(contract, locked)
        last_day = locked.ends_on
    else:
        return False
    before = move_contract(locked, ContractStatus.ENDED)
    locked.ended_on = last_day
    locked.save(update_fields=["status", "ended_on"])
    # The firm keeps serving until it has handed over to another operator (art. 949).
    engagement_finish(engagement=locked.engagement, last_day=last_day, reason="contract ended")
    event_record(
        actor=None,
        action="contract.ended",
        target=locked,
        before={"status": before},
        after={"status": locked.status, "last_day": last_day.isoformat()},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id) + firm_emails(locked.firm),
        subject=_t("Contract %(number)s has ended") % {"number": locked.number},
        body=_t(
            "The last day of service was %(date)s. The outgoing firm hands over records, "
            "keys and facilities within 30 days (Civil Code arts. 949–950)."
        )
        % {"date": day_text(last_day)},
        url=absolute_url("contract_detail", locked.pk),
    )
    return sync_contract(contract, locked)
