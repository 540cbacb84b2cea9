"""Contracts: generated from the trial's snapshot, signed by both, immutable, filed, ended."""

import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from contracts.documents import sha256_hex
from contracts.models import (
    CONTRACT_TRANSITIONS,
    Contract,
    ContractSignature,
    ContractStatus,
    EngagementPhase,
    SigningParty,
)
from contracts.services.contract_terms import contract_file, contract_give_notice
from contracts.services.contracts import (
    contract_cancel,
    contract_generate,
    contract_sign,
    contract_start,
)
from contracts.services.votes import vote_record
from market.exceptions import InvalidTransition
from market.models import ManagementStatus
from tests.factories import CommitteeMemberFactory

from .conftest import passing_tally, sign_both
from .pdf_text import pdf_characters


def test_generated_from_the_trial_snapshot_not_the_live_offer(draft_contract, offer, compound):
    offer.fee = Decimal("1.10")
    offer.terms = {**offer.terms, "fee": "1.10"}
    offer.save()
    contract = Contract.objects.get(pk=draft_contract.pk)
    assert contract.status == ContractStatus.DRAFT
    assert contract.fee == Decimal("1.00")  # the terms the trial started on
    assert contract.grade == 2 and contract.scope_items == ["cleaning", "order", "water"]
    assert contract.area == compound.exclusive_area
    assert contract.monthly_amount == Decimal("25600.00")
    assert contract.parties["firm"]["credit_code"] == offer.firm.credit_code
    assert contract.parties["owners"]["compound"] == "枣园小区"
    assert contract.term_years == 1
    assert contract.ends_on == contract.starts_on.replace(
        year=contract.starts_on.year + 1
    ) - timedelta(1)
    assert bytes(contract.document).startswith(b"%PDF")
    assert contract.document_sha256 == sha256_hex(bytes(contract.document))


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to look for names inside."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def test_pdf_is_set_in_a_cjk_font_and_shows_chinese(draft_contract):
    pdf = bytes(draft_contract.document)
    assert b"CJK" in _pdf_objects(pdf)
    assert set("物业服务合同甲方乙方枣园小区") <= pdf_characters(pdf)


def test_pdf_rendering_fetches_nothing(passed_vote, committee_member, monkeypatch):
    """The contract loads no external resources, so WeasyPrint's network fetcher (and its
    TLS context, ≈ 20 ms a document) is never built, and a URL in it is refused."""
    import weasyprint

    from contracts.documents import _url_fetcher

    def no_default_fetcher(*args, **kwargs):
        raise AssertionError("the default URL fetcher was built")

    monkeypatch.setattr(weasyprint, "URLFetcher", no_default_fetcher)
    contract = contract_generate(
        actor=committee_member,
        vote=passed_vote,
        term_years=1,
        today=passed_vote.vote_on + timedelta(days=2),
    )
    assert bytes(contract.document).startswith(b"%PDF")
    with pytest.raises(ValueError, match="no external resources"):
        _url_fetcher().fetch("http://127.0.0.1:9/logo.png")


def test_generation_refusals(passed_vote, committee_member, firm_admin):
    with pytest.raises(ValidationError):
        contract_generate(actor=committee_member, vote=passed_vote, term_years=4)
    with pytest.raises(ValidationError):
        contract_generate(
            actor=committee_member,
            vote=passed_vote,
            term_years=1,
            starts_on=passed_vote.vote_on - timedelta(days=1),
            today=passed_vote.vote_on,
        )
    # While the trial runs, the contract cannot start before it ends.
    with pytest.raises(ValidationError) as error:
        contract_generate(
            actor=committee_member,
            vote=passed_vote,
            term_years=1,
            starts_on=passed_vote.trial.ends_on,
            today=passed_vote.vote_on,
        )
    assert "starts_on" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        contract_generate(actor=firm_admin, vote=passed_vote, term_years=1)
    assert not Contract.objects.exists()


def test_no_contract_from_a_failed_vote(active_trial, committee_member):
    tally = passing_tally(active_trial.compound)
    tally["approving_owners"] = tally["participating_owners"] // 2
    vote = vote_record(
        actor=committee_member,
        compound=active_trial.compound,
        kind="hire",
        trial=active_trial,
        notice_on=active_trial.ends_on - timedelta(days=20),
        vote_on=active_trial.ends_on - timedelta(days=1),
        today=active_trial.ends_on,
        **tally,
    )
    with pytest.raises(ValidationError):
        contract_generate(actor=committee_member, vote=vote, term_years=1, today=vote.vote_on)


def test_one_contract_per_vote_until_cancelled(draft_contract, passed_vote, committee_member):
    today = passed_vote.vote_on + timedelta(days=2)
    with pytest.raises(ValidationError):
        contract_generate(actor=committee_member, vote=passed_vote, term_years=2, today=today)
    contract_cancel(actor=committee_member, contract=draft_contract, reason="起始日有误")
    again = contract_generate(actor=committee_member, vote=passed_vote, term_years=2, today=today)
    assert again.number.endswith("-2") and again.term_years == 2


def test_signing_by_both_concludes_and_lines_up_the_engagement(
    draft_contract, committee_member, firm_admin, compound
):
    contract = sign_both(draft_contract, committee_member, firm_admin)
    assert contract.status == ContractStatus.SIGNED
    signatures = ContractSignature.objects.filter(contract=contract)
    assert {s.party for s in signatures} == {"committee", "firm"}
    assert {s.ip_address for s in signatures} == {"10.0.0.1", "10.0.0.2"}
    assert all(s.document_sha256 == contract.document_sha256 for s in signatures)
    contract.engagement.refresh_from_db()
    assert contract.engagement.phase == EngagementPhase.UPCOMING
    assert contract.signed_on == contract.starts_on - timedelta(days=1)


def test_signing_refusals(draft_contract, committee_member, firm_admin, firm_staff, compound):
    sha = draft_contract.document_sha256
    member = CommitteeMemberFactory(committee=compound.current_committee).user
    for user, party in (
        (firm_admin, SigningParty.COMMITTEE),
        (member, SigningParty.COMMITTEE),
        (committee_member, SigningParty.FIRM),
        (firm_staff, SigningParty.FIRM),
    ):
        with pytest.raises(ValidationError):
            contract_sign(actor=user, contract=draft_contract, party=party, document_sha256=sha)
    with pytest.raises(ValidationError):
        contract_sign(
            actor=committee_member,
            contract=draft_contract,
            party=SigningParty.COMMITTEE,
            document_sha256="0" * 64,
        )
    contract_sign(
        actor=committee_member, contract=draft_contract, party="committee", document_sha256=sha
    )
    with pytest.raises(ValidationError):
        contract_sign(
            actor=committee_member, contract=draft_contract, party="committee", document_sha256=sha
        )
    assert ContractSignature.objects.count() == 1


def test_chair_signs_only_when_nobody_is_authorised(draft_contract, committee_member, compound):
    CommitteeMemberFactory(committee=compound.current_committee, is_signer=True)
    with pytest.raises(ValidationError):
        contract_sign(
            actor=committee_member,
            contract=draft_contract,
            party="committee",
            document_sha256=draft_contract.document_sha256,
        )


@pytest.mark.parametrize(
    "field, value",
    [
        ("fee", Decimal("0.10")),
        ("monthly_amount", Decimal("1")),
        ("terms", {"fee": "0.10"}),
        ("ends_on", None),
        ("document", b"%PDF-forged"),
        ("document_sha256", "f" * 64),
    ],
)
def test_terms_cannot_change_in_the_database(
    draft_contract, committee_member, firm_admin, field, value
):
    contract = sign_both(draft_contract, committee_member, firm_admin)
    if value is None:
        value = contract.ends_on + timedelta(days=365)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(**{field: value})
    contract = Contract.objects.get(pk=contract.pk)
    setattr(contract, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()
    assert Contract.objects.get(pk=contract.pk).document_sha256 == draft_contract.document_sha256


def test_lifecycle_fields_still_change_and_signatures_do_not(
    draft_contract, committee_member, firm_admin, official
):
    contract = sign_both(draft_contract, committee_member, firm_admin)
    contract_file(actor=official, contract=contract, today=contract.signed_on)
    contract.refresh_from_db()
    assert contract.filed_on == contract.signed_on
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractSignature.objects.filter(contract=contract).update(ip_address="1.2.3.4")


def test_filing_by_the_bureau_only(
    draft_contract, committee_member, firm_admin, official, other_official
):
    with pytest.raises(ValidationError):
        contract_file(actor=official, contract=draft_contract)
    contract = sign_both(draft_contract, committee_member, firm_admin)
    for user in (other_official, firm_admin, committee_member):
        with pytest.raises(PermissionDenied):
            contract_file(actor=user, contract=contract, today=contract.signed_on)
    with pytest.raises(ValidationError):
        contract_file(
            actor=official,
            contract=contract,
            filed_on=contract.signed_on + timedelta(days=1),
            today=contract.signed_on,
        )
    contract_file(actor=official, contract=contract, today=contract.signed_on)
    with pytest.raises(ValidationError):
        contract_file(actor=official, contract=contract, today=contract.signed_on)


def _in_force(draft_contract, chair, firm_admin):
    contract = sign_both(draft_contract, chair, firm_admin)
    from contracts.services.trials import trial_end

    trial_end(trial=contract.trial, today=contract.starts_on)
    return contract_start(contract=contract, today=contract.starts_on)


def test_contract_start_puts_the_compound_under_contract(
    draft_contract, committee_member, firm_admin, compound
):
    contract = _in_force(draft_contract, committee_member, firm_admin)
    assert contract.status == ContractStatus.ACTIVE
    compound.refresh_from_db()
    assert compound.management_status == ManagementStatus.CONTRACTED


def test_firm_must_give_90_days_notice_of_not_renewing(
    draft_contract, committee_member, firm_admin
):
    contract = _in_force(draft_contract, committee_member, firm_admin)
    with pytest.raises(ValidationError) as error:
        contract_give_notice(
            actor=firm_admin,
            contract=contract,
            by="firm",
            reason="不续约",
            notice_on=contract.ends_on - timedelta(days=89),
        )
    assert "90" in error.value.messages[0]
    with pytest.raises(PermissionDenied):
        contract_give_notice(actor=committee_member, contract=contract, by="firm", reason="x")
    contract = contract_give_notice(
        actor=firm_admin,
        contract=contract,
        by="firm",
        reason="不续约",
        notice_on=contract.ends_on - timedelta(days=90),
    )
    assert contract.terminates_on == contract.ends_on


def test_owners_dismiss_with_a_vote_and_60_days_notice(
    draft_contract, committee_member, firm_admin
):
    contract = _in_force(draft_contract, committee_member, firm_admin)
    notice_on = contract.starts_on + timedelta(days=40)
    with pytest.raises(ValidationError):
        contract_give_notice(
            actor=committee_member,
            contract=contract,
            by="owners",
            reason="服务差",
            notice_on=notice_on,
        )
    vote_record(
        actor=committee_member,
        compound=contract.compound,
        kind="dismiss",
        contract=contract,
        notice_on=notice_on - timedelta(days=20),
        vote_on=notice_on - timedelta(days=2),
        today=notice_on,
        **passing_tally(contract.compound),
    )
    contract = contract_give_notice(
        actor=committee_member, contract=contract, by="owners", reason="服务差", notice_on=notice_on
    )
    assert contract.terminates_on == notice_on + timedelta(days=60)
    contract.engagement.refresh_from_db()
    assert contract.engagement.ends_on == contract.terminates_on


CONTRACT_ACTIONS = ["sign", "cancel", "start"]


@pytest.mark.parametrize(
    "state",
    [ContractStatus.DRAFT, ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.CANCELLED],
)
@pytest.mark.parametrize("action", CONTRACT_ACTIONS)
def test_contract_transition_table(state, action, draft_contract, committee_member, firm_admin):
    contract = draft_contract
    if state == ContractStatus.SIGNED:
        contract = sign_both(contract, committee_member, firm_admin)
    elif state == ContractStatus.ACTIVE:
        contract = _in_force(contract, committee_member, firm_admin)
    elif state == ContractStatus.CANCELLED:
        contract = contract_cancel(actor=committee_member, contract=contract, reason="错")
    target = {
        "sign": ContractStatus.SIGNED,
        "cancel": ContractStatus.CANCELLED,
        "start": ContractStatus.ACTIVE,
    }[action]
    run = {
        "sign": lambda: sign_both(contract, committee_member, firm_admin),
        "cancel": lambda: contract_cancel(actor=committee_member, contract=contract, reason="错"),
        "start": lambda: contract_start(contract=contract, today=contract.starts_on),
    }[action]
    if target in CONTRACT_TRANSITIONS[state]:
        if action == "start":
            from contracts.services.trials import trial_end

            trial_end(trial=contract.trial, today=contract.starts_on)
        assert run().status == target
    else:
        with pytest.raises(InvalidTransition):
            run()
        assert Contract.objects.get(pk=contract.pk).status == state
