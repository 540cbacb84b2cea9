"""The owners' vote on hiring the trial firm or dismissing a contracted one
(Civil Code art. 278; Beijing rules on notice and publication)."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from market.models import Compound
from market.permissions import can_act_for_compound, can_file_contract, require
from market.services.events import event_record

from ..models import (
    IN_FORCE_STATUSES,
    VOTE_TRANSITIONS,
    Contract,
    ContractStatus,
    Trial,
    TrialStatus,
    Vote,
    VoteKind,
    VoteStatus,
    vote_outcome,
)
from ..models.votes import NOTICE_DAYS
from .common import (
    absolute_url,
    committee_emails,
    email_after_commit,
    firm_emails,
    lock_compound,
    lock_row,
    required_reason,
    status_move,
    today_or,
)

OWNERS_ABOVE_REGISTER = _(
    "%(count)s participating owners is more than the %(total)s owners on the register."
)
AREA_ABOVE_REGISTER = _(
    "%(area)s ㎡ participating is more than the %(total)s ㎡ of exclusive area on the register."
)
APPROVING_OWNERS_ABOVE = _(
    "More owners approved (%(approving)s) than took part (%(participating)s)."
)
APPROVING_AREA_ABOVE = _(
    "More area approved (%(approving)s ㎡) than took part (%(participating)s ㎡)."
)
NEGATIVE = _("Enter 0 or more.")
NOTICE_TOO_SHORT = _(
    "Owners must be given %(days)d days' notice: with notice on %(notice)s the vote can be "
    "held on %(earliest)s at the earliest."
)
VOTE_IN_FUTURE = _("Record a vote once it has been held; %(date)s is in the future.")
PUBLISHED_BEFORE_VOTE = _("The result cannot be published before the vote was held.")
PUBLISHED_IN_FUTURE = _("The publication date cannot be in the future.")
TRIAL_NOT_VOTABLE = _(
    "The owners can vote on hiring a firm once its trial has started; this trial is %(status)s."
)
ALREADY_HIRED = _("The owners have already voted to hire this firm.")
CONTRACT_NOT_IN_FORCE = _("Only a contract in force can be ended by a dismissal vote.")
OTHER_COMPOUND = _("That belongs to another compound.")
ANNUL_REASON_REQUIRED = _("Give the reason for annulling this vote.")
CONTRACT_EXISTS = _("A contract has already been generated from this vote; cancel it first.")


def _check_tallies(
    *,
    compound: Compound,
    participating_owners: int,
    participating_area: Decimal,
    approving_owners: int,
    approving_area: Decimal,
) -> None:
    errors: dict[str, list] = {}
    for field, value in (
        ("participating_owners", participating_owners),
        ("participating_area", participating_area),
        ("approving_owners", approving_owners),
        ("approving_area", approving_area),
    ):
        if value < 0:
            errors.setdefault(field, []).append(NEGATIVE)
    if errors:
        raise ValidationError(errors)
    # The register is the denominator: a tally above it is an error, not a landslide.
    if participating_owners > compound.owners:
        errors["participating_owners"] = [
            OWNERS_ABOVE_REGISTER % {"count": participating_owners, "total": compound.owners}
        ]
    if participating_area > compound.exclusive_area:
        errors["participating_area"] = [
            AREA_ABOVE_REGISTER % {"area": participating_area, "total": compound.exclusive_area}
        ]
    if approving_owners > participating_owners:
        errors["approving_owners"] = [
            APPROVING_OWNERS_ABOVE
            % {"approving": approving_owners, "participating": participating_owners}
        ]
    if approving_area > participating_area:
        errors["approving_area"] = [
            APPROVING_AREA_ABOVE
            % {"approving": approving_area, "participating": participating_area}
        ]
    if errors:
        raise ValidationError(errors)


def _check_dates(*, notice_on: date, vote_on: date, published_on, today: date) -> None:
    earliest = notice_on + timedelta(days=NOTICE_DAYS)
    if vote_on < earliest:
        raise ValidationError(
            {
                "vote_on": NOTICE_TOO_SHORT
                % {
                    "days": NOTICE_DAYS,
                    "notice": date_format(notice_on, "Y-m-d"),
                    "earliest": date_format(earliest, "Y-m-d"),
                }
            }
        )
    if vote_on > today:
        raise ValidationError({"vote_on": VOTE_IN_FUTURE % {"date": date_format(vote_on, "Y-m-d")}})
    if published_on is not None:
        if published_on < vote_on:
            raise ValidationError({"published_on": PUBLISHED_BEFORE_VOTE})
        if published_on > today:
            raise ValidationError({"published_on": PUBLISHED_IN_FUTURE})


@transaction.atomic
def vote_record(
    *,
    actor,
    compound: Compound,
    kind: str,
    notice_on: date,
    vote_on: date,
    participating_owners: int,
    participating_area: Decimal,
    approving_owners: int,
    approving_area: Decimal,
    trial: Trial | None = None,
    contract: Contract | None = None,
    published_on: date | None = None,
    today: date | None = None,
) -> Vote:
    """Record the tally of an owners' vote held on ``vote_on``; it passes or fails on
    the four art. 278 thresholds (``vote_outcome``)."""
    today = today_or(today)
    if actor is not None:
        require(can_act_for_compound(actor, compound))
    compound = lock_compound(compound.pk)
    committee = compound.current_committee
    if kind == VoteKind.HIRE:
        if trial is None or trial.compound_id != compound.pk or contract is not None:
            raise ValidationError(OTHER_COMPOUND)
        trial = lock_row(trial, related=("firm",))
        if trial.status not in (TrialStatus.ACTIVE, TrialStatus.ENDED):
            raise ValidationError(
                TRIAL_NOT_VOTABLE % {"status": trial.get_status_display()}, code="not_votable"
            )
        if trial.votes.filter(status=VoteStatus.PASSED).exists():
            raise ValidationError(ALREADY_HIRED, code="already_hired")
        firm = trial.firm
    elif kind == VoteKind.DISMISS:
        if contract is None or contract.compound_id != compound.pk or trial is not None:
            raise ValidationError(OTHER_COMPOUND)
        contract = lock_row(contract, related=("firm",))
        if contract.status not in IN_FORCE_STATUSES:
            raise ValidationError(CONTRACT_NOT_IN_FORCE, code="not_in_force")
        firm = contract.firm
    else:
        raise ValidationError({"kind": _t("Choose hire or dismiss.")})
    _check_dates(notice_on=notice_on, vote_on=vote_on, published_on=published_on, today=today)
    _check_tallies(
        compound=compound,
        participating_owners=participating_owners,
        participating_area=participating_area,
        approving_owners=approving_owners,
        approving_area=approving_area,
    )
    outcome = vote_outcome(
        register_owners=compound.owners,
        register_area=compound.exclusive_area,
        participating_owners=participating_owners,
        participating_area=participating_area,
        approving_owners=approving_owners,
        approving_area=approving_area,
    )
    vote = Vote.objects.create(
        compound=compound,
        committee=committee,
        kind=kind,
        firm=firm,
        trial=trial,
        contract=contract,
        status=VoteStatus.PASSED if outcome.passed else VoteStatus.FAILED,
        notice_on=notice_on,
        vote_on=vote_on,
        published_on=published_on,
        register_owners=compound.owners,
        register_area=compound.exclusive_area,
        participating_owners=participating_owners,
        participating_area=participating_area,
        approving_owners=approving_owners,
        approving_area=approving_area,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(
        actor=actor,
        action="vote.recorded",
        target=vote,
        after={
            "kind": kind,
            "status": vote.status,
            "firm": firm.name,
            "participating_owners": participating_owners,
            "participating_area": str(participating_area),
            "approving_owners": approving_owners,
            "approving_area": str(approving_area),
            "register_owners": compound.owners,
            "register_area": str(compound.exclusive_area),
        },
        data={"failed_thresholds": outcome.failed_thresholds},
    )
    if kind == VoteKind.HIRE:
        subject = (
            _t("The owners of %(compound)s voted to hire your firm")
            if outcome.passed
            else _t("The owners of %(compound)s did not vote to hire your firm")
        )
    else:
        subject = (
            _t("The owners of %(compound)s voted to dismiss your firm")
            if outcome.passed
            else _t("The owners of %(compound)s did not vote to dismiss your firm")
        )
    email_after_commit(
        recipients=firm_emails(firm),
        subject=subject % {"compound": compound.name},
        body=_t("The tally and the thresholds are on the vote's page."),
        url=absolute_url("vote_detail", vote.pk),
    )
    return vote


@transaction.atomic
def vote_annul(*, actor, vote: Vote, reason: str) -> Vote:
    """The bureau annuls a passed vote (e.g. after a complaint about how it was held)."""
    if actor is not None:
        require(can_file_contract(actor, vote.compound))
    reason = required_reason(reason, ANNUL_REASON_REQUIRED)
    compound = lock_compound(vote.compound_id)
    locked = lock_row(vote, related=("firm",))
    locked.compound = compound  # locked, with the street office the event row needs
    before = status_move(locked, table=VOTE_TRANSITIONS, target=VoteStatus.ANNULLED, model="vote")
    if locked.contracts.exclude(status=ContractStatus.CANCELLED).exists():
        raise ValidationError(CONTRACT_EXISTS)
    locked.annul_reason = reason
    locked.save(update_fields=["status", "annul_reason"])
    event_record(
        actor=actor,
        action="vote.annulled",
        target=locked,
        before={"status": before},
        after={"status": locked.status},
        data={"reason": reason},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id) + firm_emails(locked.firm),
        subject=_t("The owners' vote of %(date)s at %(compound)s was annulled")
        % {"date": date_format(locked.vote_on, "Y-m-d"), "compound": locked.compound.name},
        body=reason,
        url=absolute_url("vote_detail", locked.pk),
    )
    vote.status, vote.annul_reason = locked.status, reason
    return locked
