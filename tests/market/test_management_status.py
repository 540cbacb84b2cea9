import threading

import pytest
from django.db import OperationalError, connection, transaction

from market.exceptions import InvalidTransition
from market.models import Event, ManagementStatus
from market.models.compounds import MANAGEMENT_TRANSITIONS
from market.services.compounds import compound_set_management_status
from tests.factories import CompoundFactory

ALL_PAIRS = [(a, b) for a in ManagementStatus.values for b in ManagementStatus.values]


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_status_pair_follows_the_transition_table(street_office, current, target):
    compound = CompoundFactory(street_office=street_office, management_status=current)
    allowed = target in MANAGEMENT_TRANSITIONS[current]

    if allowed:
        compound_set_management_status(compound=compound, status=target, actor=None, reason="test")
        compound.refresh_from_db()
        assert compound.management_status == target
        event = Event.objects.get(action="compound.management_status_changed")
        assert event.before == {"management_status": current}
        assert event.after == {"management_status": target}
    else:
        with pytest.raises(InvalidTransition):
            compound_set_management_status(
                compound=compound, status=target, actor=None, reason="test"
            )
        compound.refresh_from_db()
        assert compound.management_status == current
        assert not Event.objects.exists()


def test_once_served_a_compound_never_goes_back_to_seeking():
    # DOMAIN invariant: once served, never a day unserved.
    for current in (ManagementStatus.TRIAL, ManagementStatus.CONTRACTED, ManagementStatus.FALLBACK):
        assert ManagementStatus.SEEKING not in MANAGEMENT_TRANSITIONS[current]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_status_change_locks_its_compound_only(street_office):
    """While one compound's status changes, another session can still lock its street
    office and district (the rest of the district is not held up); only the compound's
    own row waits."""
    compound = CompoundFactory(street_office=street_office)
    outcomes = {}

    def try_locks():
        try:
            with connection.cursor() as cursor:
                for table, pk in (
                    ("market_district", street_office.district_id),
                    ("market_streetoffice", street_office.pk),
                    ("market_compound", compound.pk),
                ):
                    try:
                        with transaction.atomic():
                            cursor.execute(
                                f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk]
                            )
                        outcomes[table] = "free"
                    except OperationalError:
                        outcomes[table] = "locked"
        finally:
            connection.close()

    with transaction.atomic():
        compound_set_management_status(
            compound=compound, status=ManagementStatus.TRIAL, actor=None, reason="test"
        )
        other = threading.Thread(target=try_locks)
        other.start()
        other.join(timeout=10)
    assert outcomes == {
        "market_district": "free",
        "market_streetoffice": "free",
        "market_compound": "locked",
    }
