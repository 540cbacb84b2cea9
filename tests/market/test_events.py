import pytest
from django.db import DatabaseError, connection, transaction

from market.models import Event
from market.services.events import event_record


@pytest.fixture
def event(compound):
    return event_record(
        actor=None,
        action="compound.registered",
        target=compound,
        district=compound.district,
        after={"name": compound.name},
    )


@pytest.mark.django_db
def test_event_rows_record_target_and_district(event, compound):
    assert event.target == compound
    assert event.object_repr == compound.name


@pytest.mark.django_db
def test_the_database_refuses_to_update_an_event(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(action="tampered")

    event.refresh_from_db()
    assert event.action == "compound.registered"


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite cannot refuse DELETE without breaking test flushes",
)
def test_the_database_refuses_to_delete_an_event(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()

    assert Event.objects.filter(pk=event.pk).exists()
