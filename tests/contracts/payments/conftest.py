"""Fixtures for invoices and payments. Engagements are made directly (their lifecycle is
the contracts app's, tested there); invoices through the service."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.models import Engagement, EngagementKind, EngagementPhase
from contracts.payments.services import invoice_issue
from market.models import FirmMember
from tests.factories import CommitteeMemberFactory, FirmMemberFactory
from tests.stripe_fixtures import localstripe, localstripe_server, stripe_webhooks  # noqa: F401

MONTH = date(2026, 3, 1)


@pytest.fixture
def firm(firm_admin):
    return FirmMember.objects.get(user=firm_admin).firm


def make_engagement(compound, firm, **overrides) -> Engagement:
    fields = {
        "compound": compound,
        "firm": firm,
        "kind": EngagementKind.CONTRACT,
        "phase": EngagementPhase.LIVE,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "fee": Decimal("1.50"),
        "area": Decimal("10000.00"),
    }
    fields.update(overrides)
    return Engagement.objects.create(**fields)


@pytest.fixture
def engagement(compound, firm, committee_member):
    # committee_member first: the compound then has its committee.
    return make_engagement(compound, firm)


@pytest.fixture
def treasurer(engagement):
    committee = engagement.compound.committees.get()
    return CommitteeMemberFactory(committee=committee, role="member", is_treasurer=True).user


@pytest.fixture
def own_firm_staff(firm):
    """Staff (not admin) of the engagement's firm."""
    return FirmMemberFactory(role="staff", firm=firm).user


@pytest.fixture
def invoice(engagement):
    return invoice_issue(engagement=engagement, month=MONTH, today=MONTH)
