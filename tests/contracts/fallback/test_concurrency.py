"""Under concurrency on PostgreSQL: one active designation per district, one fallback case
per compound, however many workers act at the same moment."""

from datetime import timedelta

import pytest
from django.db import connection

from contracts.models import Engagement, FallbackCase, FallbackDesignation
from contracts.services.fallback import fallback_cover_unserved, fallback_designate
from market.models import Compound
from tests.factories import FirmFactory

from ..conftest import TODAY
from ..test_concurrency import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under concurrency: PostgreSQL only"
    ),
]
THREADS = 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_designating_at_once_leaves_one_active_operator(district, official):
    firms = [FirmFactory(districts=[district]) for _ in range(THREADS)]
    outcomes = _race(
        lambda n: fallback_designate(
            actor=official, district=district, firm=firms[n], fee="1.00", today=TODAY
        ),
        THREADS,
    )
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("refused") == THREADS - 1, outcomes
    assert FallbackDesignation.objects.filter(district=district, active=True).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_daily_workers_at_once_open_one_case(designation, compound):
    Compound.objects.filter(pk=compound.pk).update(registered_on=TODAY)
    day = TODAY + timedelta(days=30)
    outcomes = _race(lambda n: fallback_cover_unserved(compound=compound, today=day), THREADS)
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert FallbackCase.objects.filter(compound=compound).count() == 1
    assert Engagement.objects.filter(compound=compound, phase="live").count() == 1
