"""Contracts (DOMAIN "Contracts", Civil Code arts. 937–950): generated from a passed hiring
vote, signed by both parties, filed with the bureau, renewed, given notice, ended."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from market.models import CommitteeMember
from market.permissions import (
    can_act_for_compound,
    can_act_for_firm,
    can_sign_for_compound,
    require,
)
from market.services.events import event_record

from ..dates import term_last_day
from ..documents import contract_parties
from ..models import (
    CONTRACT_TRANSITIONS,
    CollectionMethod,
    Contract,
    ContractSignature,
    ContractStatus,
    EngagementKind,
    SigningParty,
    Vote,
    VoteKind,
    VoteStatus,
)
from .common import (
    absolute_url,
    check_transition,
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
from .contract_documents import contract_document_request
from .engagements import engagement_check_slot, engagement_open, engagement_start
from .trial_terms import scope_labels

RENEWAL_MONTHS = 6  # Beijing art. 75
OWNERS_NOTICE_DAYS = 60  # Civil Code art. 946
FIRM_NOTICE_DAYS = 90  # art. 947
HOLDOVER_NOTICE_DAYS = 60  # art. 948
FEN = Decimal("0.01")

VOTE_NOT_PASSED = _("A contract can only be generated from a passed vote to hire a firm.")
CONTRACT_EXISTS = _("A contract has already been generated from this vote.")
TERM_YEARS_RANGE = _("The term must be 1, 2 or 3 years.")
START_IN_PAST = _("The contract cannot start in the past.")
START_TOO_LATE = _("Choose a start date within a year.")
NOT_YOUR_PARTY = _("You cannot sign for this party.")
ALREADY_SIGNED = _("%(party)s has already signed this contract.")
DOCUMENT_CHANGED = _(
    "The contract you were shown is not the one on file. Reload the page and read it again."
)
DOCUMENT_PENDING = _(
    "The contract document is still being prepared. Reload the page in a moment and read it "
    "before signing."
)
ALREADY_FILED = _("This contract was filed on %(date)s.")
NOT_SIGNED = _("Only a signed contract can be filed.")
FILED_IN_FUTURE = _("The filing date cannot be in the future.")
FILED_BEFORE_SIGNING = _("The filing date cannot be before the contract was signed.")
REASON_REQUIRED = _("Give the reason; the other party will see it.")
NOTICE_ALREADY = _("Notice has already been given: the last day of service is %(date)s.")
NEEDS_DISMISSAL_VOTE = _(
    "The owners end a contract by a passed dismissal vote (Civil Code arts. 278 and 946)."
)
FIRM_NOTICE_TOO_LATE = _(
    "A firm that will not renew must say so at least %(days)d days before the term ends "
    "(art. 947), i.e. by %(date)s."
)
FIRM_NOTICE_ONLY_ACTIVE = _("A firm gives notice of not renewing while the fixed term runs.")
NOT_IN_FORCE = _("This contract is not in force.")
COLLECTION_INVALID = _("Choose how the fee is collected.")


# What a contract service may change, copied back onto the caller's instance.
SYNCED_FIELDS = (
    "status",
    "signed_at",
    "signed_on",
    "filed_on",
    "filed_by_id",
    "filing_overdue_on",
    "renewal_opened_on",
    "notice_by",
    "notice_on",
    "terminates_on",
    "notice_reason",
    "ended_on",
    "engagement_id",
)


def lock_contract(contract: Contract):
    return lock_for_change(contract, related=("firm", "engagement"))


def move_contract(contract: Contract, target: str) -> str:
    return status_move(contract, table=CONTRACT_TRANSITIONS, target=target, model="contract")


def sync_contract(original: Contract, locked: Contract) -> Contract:
    return instance_sync(original, locked, fields=SYNCED_FIELDS)


def contract_number(*, vote: Vote, earlier: int | None = None) -> str:
    """``earlier``: how many contracts the vote already has, when the caller knows."""
    district = vote.compound.street_office.district
    attempt = (vote.contracts.count() if earlier is None else earlier) + 1
    return f"WY{district.code}-{vote.vote_on:%Y}-{vote.pk:05d}-{attempt}"


@transaction.atomic
def contract_generate(
    *,
    actor,
    vote: Vote,
    term_years: int,
    collection_method: str = CollectionMethod.MONTHLY,
    starts_on: date | None = None,
    today: date | None = None,
) -> Contract:
    """Generate the contract from a passed hiring vote and the trial's snapshot of the
    offer: parties, service items and grade, fee and monthly total, collection, term,
    handover and notice clauses. The PDF is rendered once, in the background
    (``contract_documents``); it can be signed when it exists."""
    today = today_or(today)
    if actor is not None:
        require(can_act_for_compound(actor, vote.compound))
    compound = lock_compound(vote.compound_id)
    vote = (
        Vote.objects.select_for_update(of=("self",))
        .select_related("trial", "firm", "committee")
        .get(pk=vote.pk)
    )
    # The locked compound (street office and district joined) for the number, the parties
    # and the event row, instead of lazy loads of the same row.
    vote.compound = compound
    if vote.committee.compound_id == compound.pk:
        vote.committee.compound = compound
    if vote.kind != VoteKind.HIRE or vote.status != VoteStatus.PASSED:
        raise ValidationError(VOTE_NOT_PASSED)
    # One read serves the "already generated" check and the number's attempt counter.
    earlier = list(vote.contracts.values_list("status", flat=True))
    if any(status != ContractStatus.CANCELLED for status in earlier):
        raise ValidationError(CONTRACT_EXISTS)
    if term_years not in (1, 2, 3):
        raise ValidationError({"term_years": TERM_YEARS_RANGE})
    if collection_method not in CollectionMethod.values:
        raise ValidationError({"collection_method": COLLECTION_INVALID})
    trial = vote.trial
    if starts_on is None:
        # Continuity: the day after the trial's last day, or tomorrow if that has passed.
        starts_on = max(trial.ends_on + timedelta(days=1), today + timedelta(days=1))
    if starts_on < today:
        raise ValidationError({"starts_on": START_IN_PAST})
    if starts_on > today + timedelta(days=366):
        raise ValidationError({"starts_on": START_TOO_LATE})
    try:
        engagement_check_slot(compound=compound, starts_on=starts_on)
    except ValidationError as error:
        raise ValidationError({"starts_on": error.messages}) from None
    terms = dict(trial.terms)
    fee = Decimal(str(terms.get("fee")))
    area = compound.exclusive_area
    contract = Contract(
        number=contract_number(vote=vote, earlier=len(earlier)),
        compound=compound,
        committee=vote.committee,
        firm=vote.firm,
        vote=vote,
        trial=trial,
        offer_id=terms.get("offer_id") or trial.offer_id,
        status=ContractStatus.DRAFT,
        terms=terms,
        parties=contract_parties(compound=compound, committee=vote.committee, firm=vote.firm),
        grade=int(terms.get("grade")),
        scope_items=list(terms.get("scope_items") or []),
        fee=fee,
        area=area,
        monthly_amount=(area * fee).quantize(FEN, rounding=ROUND_HALF_UP),
        collection_method=collection_method,
        term_years=term_years,
        starts_on=starts_on,
        ends_on=term_last_day(starts_on, months=12 * term_years),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    contract.generated_on = today
    contract.save()
    event_record(
        actor=actor,
        action="contract.generated",
        target=contract,
        after={
            "number": contract.number,
            "firm": contract.firm.name,
            "fee": str(fee),
            "monthly_amount": str(contract.monthly_amount),
            "starts_on": starts_on.isoformat(),
            "ends_on": contract.ends_on.isoformat(),
        },
    )
    # The PDF is rendered in the background; the firm is told when it can sign.
    contract_document_request(contract=contract)
    return contract


def document_context(contract: Contract, *, generated_on: date) -> dict:
    return {
        "contract": contract,
        "parties": contract.parties,
        "scope_labels": scope_labels(contract.scope_items),
        "collection_label": CollectionMethod(contract.collection_method).label,
        "generated_on": generated_on,
        "owners_notice_days": OWNERS_NOTICE_DAYS,
        "firm_notice_days": FIRM_NOTICE_DAYS,
        "holdover_notice_days": HOLDOVER_NOTICE_DAYS,
    }


def _signer_allowed(actor, contract: Contract, party: str) -> bool:
    if party == SigningParty.COMMITTEE:
        return can_sign_for_compound(actor, contract.compound)
    if party == SigningParty.FIRM:
        return can_act_for_firm(actor, contract.firm)
    return False


def _signer_name(actor, contract: Contract, party: str) -> str:
    if party == SigningParty.COMMITTEE:
        # By the committee's id: the locked contract does not carry the committee row.
        seat = (
            CommitteeMember.objects.active()
            .filter(committee_id=contract.committee_id, user=actor)
            .first()
        )
        if seat is not None:
            return seat.name
    return actor.get_full_name() or actor.email


@transaction.atomic
def contract_sign(
    *,
    actor,
    contract: Contract,
    party: str,
    document_sha256: str,
    ip_address: str | None = None,
    today: date | None = None,
) -> Contract:
    """One party signs the exact PDF it was shown (``document_sha256``). When both have
    signed, the contract takes the compound's next engagement slot; it comes into force
    on its start date. The view re-authenticates the signer first (allauth)."""
    today = today_or(today)
    if not _signer_allowed(actor, contract, party):
        raise ValidationError(NOT_YOUR_PARTY, code="not_your_party")
    compound, locked = lock_contract(contract)
    check_transition(
        model="contract",
        table=CONTRACT_TRANSITIONS,
        current=locked.status,
        target=ContractStatus.SIGNED,
    )
    if not locked.document_sha256:
        raise ValidationError(DOCUMENT_PENDING, code="document_pending")
    if document_sha256 != locked.document_sha256:
        raise ValidationError(DOCUMENT_CHANGED, code="document_changed")
    # Who has signed, read once for both checks (the contract row is locked).
    signed = set(locked.signatures.values_list("party", flat=True))
    if party in signed:
        raise ValidationError(
            ALREADY_SIGNED % {"party": SigningParty(party).label}, code="already_signed"
        )
    now = timezone.now()
    signature = ContractSignature.objects.create(
        contract=locked,
        party=party,
        user=actor,
        signer_name=_signer_name(actor, locked, party),
        signed_at=now,
        ip_address=ip_address,
        document_sha256=locked.document_sha256,
    )
    event_record(
        actor=actor,
        action="contract.signed",
        target=locked,
        after={"party": party, "sha256": locked.document_sha256},
        data={"ip": ip_address or ""},
    )
    other = SigningParty.FIRM if party == SigningParty.COMMITTEE else SigningParty.COMMITTEE
    if other not in signed:
        email_after_commit(
            recipients=firm_emails(locked.firm)
            if other == SigningParty.FIRM
            else committee_emails(locked.committee_id),
            subject=_t("Contract %(number)s awaits your signature") % {"number": locked.number},
            body=_t("%(name)s has signed for %(party)s.")
            % {"name": signature.signer_name, "party": SigningParty(party).label},
            url=absolute_url("contract_detail", locked.pk),
        )
        return sync_contract(contract, locked)
    # Both parties have signed: the contract is concluded.
    before = move_contract(locked, ContractStatus.SIGNED)
    locked.engagement = engagement_open(
        compound=compound,
        kind=EngagementKind.CONTRACT,
        firm=locked.firm,
        starts_on=locked.starts_on,
        ends_on=locked.ends_on,
        fee=locked.fee,
        area=locked.area,
    )
    locked.signed_at, locked.signed_on = now, today
    locked.save(update_fields=["status", "engagement", "signed_at", "signed_on"])
    event_record(
        actor=actor,
        action="contract.concluded",
        target=locked,
        before={"status": before},
        after={"status": locked.status, "starts_on": locked.starts_on.isoformat()},
        data={"trial": locked.trial_id},
    )
    email_after_commit(
        recipients=committee_emails(locked.committee_id) + firm_emails(locked.firm),
        subject=_t("Contract %(number)s is signed") % {"number": locked.number},
        body=_t(
            "Both parties have signed. It comes into force on %(start)s. The firm files it "
            "with the housing bureau within %(days)d days."
        )
        % {"start": day_text(locked.starts_on), "days": 15},
        url=absolute_url("contract_detail", locked.pk),
    )
    if locked.starts_on <= today:
        contract_start(contract=locked, today=today, actor=actor)
    return sync_contract(contract, locked)


@transaction.atomic
def contract_cancel(*, actor, contract: Contract, reason: str) -> Contract:
    """Abandon an unsigned draft (e.g. wrong start date): another may be generated from
    the same vote."""
    if actor is not None:
        require(can_act_for_compound(actor, contract.compound))
    reason = required_reason(reason, REASON_REQUIRED)
    _compound, locked = lock_contract(contract)
    before = move_contract(locked, ContractStatus.CANCELLED)
    locked.notice_reason = reason
    locked.save(update_fields=["status", "notice_reason"])
    event_record(
        actor=actor,
        action="contract.cancelled",
        target=locked,
        before={"status": before},
        after={"status": locked.status},
        data={"reason": reason},
    )
    email_after_commit(
        recipients=firm_emails(locked.firm),
        subject=_t("Contract %(number)s was cancelled before signing") % {"number": locked.number},
        body=reason,
        url=absolute_url("contract_detail", locked.pk),
    )
    return sync_contract(contract, locked)


@transaction.atomic
def contract_start(*, contract: Contract, today: date, actor=None) -> Contract:
    compound, locked = lock_contract(contract)
    before = move_contract(locked, ContractStatus.ACTIVE)
    if today < locked.starts_on:
        raise ValidationError(
            _t("The contract starts on %(date)s.") % {"date": day_text(locked.starts_on)}
        )
    engagement_start(
        engagement=locked.engagement,
        on=today,
        actor=actor,
        reason=f"contract {locked.number} in force",
        compound=compound,
    )
    locked.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="contract.started",
        target=locked,
        before={"status": before},
        after={"status": locked.status, "on": today.isoformat()},
    )
    return sync_contract(contract, locked)
