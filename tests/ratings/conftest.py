"""Fixtures for ratings: a compound served by an active trial (from the contracts
fixtures), an approved fee schedule with the DOMAIN default grades, household codes."""

from datetime import date, datetime, time

import pytest
from django.core.cache import cache
from django.utils import timezone

from market.fee_defaults import DEFAULT_GRADES
from market.models import FeeGrade, FeeSchedule, FeeScheduleStatus
from ratings.services.codes import household_codes_issue
from tests.contracts.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    accepted_trial,
    active_trial,
    firm,
    offer,
    requested_trial,
)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fee_schedule(district):
    schedule = FeeSchedule.objects.create(
        district=district,
        version=1,
        enforcement="cap",
        effective_from=date(2020, 1, 1),
        status=FeeScheduleStatus.APPROVED,
    )
    for grade in DEFAULT_GRADES:
        FeeGrade.objects.create(schedule=schedule, **grade)
    return schedule


@pytest.fixture
def serving(active_trial, fee_schedule):  # noqa: F811
    """The compound's live engagement (a trial of a grade-2 offer: cleaning, order,
    water)."""
    return active_trial.engagement


@pytest.fixture
def codes(serving, committee_member, compound):
    """Two households' (row, plain code) pairs."""
    return household_codes_issue(
        actor=committee_member, compound=compound, households=["1-1-101", "1-1-102"]
    )


@pytest.fixture
def code(codes):
    return codes[0][0]


@pytest.fixture
def plain(codes):
    return codes[0][1]


from tests.contracts.conftest import draft_contract, passed_vote  # noqa: E402, F401
