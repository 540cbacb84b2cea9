"""Fixtures for trials, votes and contracts. Time is driven: every service and rule gets
``today`` explicitly, starting from TODAY."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts.models import CollectionMethod, SigningParty
from contracts.services.contracts import contract_generate, contract_sign
from contracts.services.trials import trial_accept, trial_request, trial_start
from contracts.services.votes import vote_record
from market.models import FirmMember
from tests.factories import FirmMemberFactory, OfferFactory

TODAY = date(2026, 3, 2)


def offer_terms(**overrides) -> dict:
    terms = {
        "title": "枣园基础物业服务",
        "grade": 2,
        "scope_items": ["cleaning", "order", "water"],
        "fee": "1.00",
        "trial_months": 2,
        "trial_fee": "0.50",
        "min_area": None,
        "max_area": None,
        "revision_id": 1,
    }
    terms.update(overrides)
    return terms


@pytest.fixture
def firm(firm_admin):
    return FirmMember.objects.get(user=firm_admin).firm


@pytest.fixture
def offer(firm, district):
    return OfferFactory(
        firm=firm,
        title="枣园基础物业服务",
        grade=2,
        fee=Decimal("1.00"),
        trial_months=2,
        trial_fee=Decimal("0.50"),
        terms=offer_terms(),
        districts=[district],
        scope=("cleaning", "order", "water"),
    )


@pytest.fixture
def other_firm_offer(district):
    member = FirmMemberFactory(role="admin", firm__districts=[district])
    return OfferFactory(
        firm=member.firm,
        trial_months=1,
        trial_fee=Decimal("0"),
        terms=offer_terms(title="另一家", trial_months=1, trial_fee="0"),
        districts=[district],
    )


def request_trial(chair, compound, offer, *, starts_on=None, today=TODAY):
    return trial_request(
        actor=chair,
        compound=compound,
        offer=offer,
        starts_on=starts_on or today + timedelta(days=7),
        message="请尽快联系",
        today=today,
    )


@pytest.fixture
def requested_trial(committee_member, compound, offer):
    return request_trial(committee_member, compound, offer)


@pytest.fixture
def accepted_trial(requested_trial, firm_admin):
    return trial_accept(actor=firm_admin, trial=requested_trial, today=TODAY)


@pytest.fixture
def active_trial(accepted_trial):
    return trial_start(trial=accepted_trial, today=accepted_trial.starts_on)


def passing_tally(compound) -> dict:
    return {
        "participating_owners": compound.owners,
        "participating_area": compound.exclusive_area,
        "approving_owners": compound.owners,
        "approving_area": compound.exclusive_area,
    }


def record_hire_vote(chair, trial, *, today=None, **tally):
    today = today or trial.ends_on
    return vote_record(
        actor=chair,
        compound=trial.compound,
        kind="hire",
        trial=trial,
        notice_on=today - timedelta(days=20),
        vote_on=today - timedelta(days=2),
        today=today,
        **(tally or passing_tally(trial.compound)),
    )


@pytest.fixture
def passed_vote(active_trial, committee_member):
    return record_hire_vote(committee_member, active_trial)


@pytest.fixture
def draft_contract(passed_vote, committee_member):
    return contract_generate(
        actor=committee_member,
        vote=passed_vote,
        term_years=1,
        collection_method=CollectionMethod.MONTHLY,
        today=passed_vote.vote_on + timedelta(days=2),
    )


def sign_both(contract, chair, firm_admin, *, today=None):
    today = today or contract.starts_on - timedelta(days=1)
    contract_sign(
        actor=chair,
        contract=contract,
        party=SigningParty.COMMITTEE,
        document_sha256=contract.document_sha256,
        ip_address="10.0.0.1",
        today=today,
    )
    return contract_sign(
        actor=firm_admin,
        contract=contract,
        party=SigningParty.FIRM,
        document_sha256=contract.document_sha256,
        ip_address="10.0.0.2",
        today=today,
    )
