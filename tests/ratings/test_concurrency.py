"""One rating per household per month under concurrent submits (PostgreSQL)."""

from datetime import date

import pytest
from django.db import connection

from ratings.models import Rating
from ratings.services.ratings import rating_submit
from tests.contracts.test_concurrency import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under concurrency: PostgreSQL only"
    ),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submits_leave_one_rating(code):
    def submit(index):
        rating_submit(
            household_code=code,
            scores={"cleaning": 1 + index % 5, "order": 3, "water": 3},
            today=date(2026, 3, 20),
        )

    outcomes = _race(submit, 10)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 9
    assert Rating.objects.filter(household_code=code).count() == 1
