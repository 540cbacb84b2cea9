"""The simulation's daily check of the coverage invariant (``coverage_check``), case by
case: it must see each kind of violation, and nothing where there is none."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts.models import Engagement, EngagementKind, EngagementPhase
from contracts.simulation.invariant import coverage_check
from tests.factories import CompoundFactory, FirmFactory, StreetOfficeFactory

pytestmark = pytest.mark.django_db
DAY = date(2031, 6, 30)


def _engagement(compound, firm, *, phase, kind=EngagementKind.CONTRACT, starts=60, ended=None):
    return Engagement.objects.create(
        compound=compound,
        kind=kind,
        firm=firm,
        phase=phase,
        starts_on=DAY - timedelta(days=starts),
        ends_on=None if ended is None else DAY - timedelta(days=ended),
        ended_on=None if ended is None else DAY - timedelta(days=ended),
        fee=Decimal("1.00"),
        area=Decimal("100.00"),
    )


def test_each_case_of_the_invariant():
    office = StreetOfficeFactory()
    firm = FirmFactory()
    served = CompoundFactory(street_office=office, registered_on=DAY - timedelta(days=200))
    _engagement(served, firm, phase=EngagementPhase.LIVE)
    in_fallback = CompoundFactory(street_office=office, registered_on=DAY - timedelta(days=200))
    _engagement(in_fallback, firm, phase=EngagementPhase.LIVE, kind=EngagementKind.FALLBACK)
    seeking = CompoundFactory(street_office=office, registered_on=DAY - timedelta(days=10))
    past_seeking = CompoundFactory(street_office=office, registered_on=DAY - timedelta(days=31))
    # Within its 30 days, but served once before: it may never be left unserved.
    dropped = CompoundFactory(street_office=office, registered_on=DAY - timedelta(days=20))
    _engagement(dropped, firm, phase=EngagementPhase.ENDED, starts=15, ended=2)
    CompoundFactory(street_office=office, registered_on=DAY + timedelta(days=1))  # not yet
    CompoundFactory(registered_on=DAY - timedelta(days=300))  # another district

    check = coverage_check(district=office.district, day=DAY)

    assert (check.registered, check.served, check.fallback, check.seeking) == (5, 2, 1, 3)
    assert check.unserved == sorted([past_seeking.pk, dropped.pk])
    assert seeking.pk not in check.unserved and check.doubly_served == []
    assert check.violations == 2
