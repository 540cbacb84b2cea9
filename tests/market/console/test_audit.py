"""The audit trail (issue #8): every event of the official's district, filterable by
object, actor, action and dates; nothing offers to change it, and the database refuses."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from market.models import Compound, Event, Firm
from market.services.compounds import compound_register
from market.services.events import event_record
from tests.factories import FirmFactory, StreetOfficeFactory


def register(official, office, name):
    return compound_register(
        actor=official,
        street_office=office,
        name=name,
        address="某路1号",
        buildings=2,
        owners=10,
        exclusive_area=1000,
        households=12,
        year_built=1990,
    )


def audit(client, district, **query):
    return client.get(reverse("console_audit", args=[district.code]), query)


@pytest.fixture
def trail(district, other_district, street_office, official, other_official):
    mine = register(official, street_office, "东区小区")
    other_office = StreetOfficeFactory(district=other_district, name="永顺镇")
    theirs = register(other_official, other_office, "通州秘密小区")
    firm = FirmFactory(name="甲物业", registered_district=district, districts=[district])
    event_record(actor=None, action="firm.applied", target=firm, district=district)
    return {"mine": mine, "theirs": theirs, "firm": firm}


@pytest.mark.django_db
def test_the_trail_shows_the_districts_events_with_human_labels(official_client, district, trail):
    response = audit(official_client, district)

    text = response.content.decode()
    assert response.status_code == 200
    assert "东区小区" in text and "甲物业" in text
    assert "通州秘密小区" not in text
    assert "登记入册" in text  # ACTION_LABELS, in Chinese
    assert "compound.registered" not in text.split("<tbody>")[1]
    assert "系统" in text  # the firm event had no actor
    assert reverse("compound_page", args=[trail["mine"].pk]) in text


@pytest.mark.django_db
def test_filters_by_object_actor_action_and_dates(
    official_client, district, street_office, official, trail
):
    other = register(official, street_office, "西区小区")
    compound_type = ContentType.objects.get_for_model(Compound)

    by_object = audit(
        official_client, district, object_type=compound_type.pk, object_id=other.pk
    ).content.decode()
    by_action = audit(official_client, district, action="firm.applied").content.decode()
    by_actor = audit(official_client, district, actor=official.pk).content.decode()
    today = timezone.localdate().isoformat()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    by_today = audit(official_client, district, date_from=today, date_to=today)
    by_future = audit(official_client, district, date_from=tomorrow).content.decode()

    assert "西区小区" in by_object and "东区小区" not in by_object
    assert "甲物业" in by_action and "东区小区" not in by_action
    assert "东区小区" in by_actor and "甲物业" not in by_actor.split("<tbody>")[1]
    assert by_today.context["page"].paginator.count == 3
    assert "没有符合筛选条件的记录" in by_future


@pytest.mark.django_db
def test_dates_are_whole_days_in_shanghai(district, trail):
    from market.console.selectors import AuditFilters, audit_events

    event = Event.objects.filter(district=district).first()
    local = timezone.localtime(event.created_at).date()

    assert (
        audit_events(district=district, filters=AuditFilters(date_to=local))
        .filter(pk=event.pk)
        .exists()
    )
    assert (
        not audit_events(district=district, filters=AuditFilters(date_to=local - timedelta(days=1)))
        .filter(pk=event.pk)
        .exists()
    )


@pytest.mark.django_db
def test_bad_filters_are_refused_with_400(official_client, district, trail):
    response = audit(official_client, district, date_from="2026-05-02", date_to="2026-05-01")

    assert response.status_code == 400
    assert "开始日期晚于结束日期" in response.content.decode()
    assert audit(official_client, district, actor="abc").status_code == 400


@pytest.mark.django_db
def test_the_trail_is_paginated(official_client, district, street_office, official):
    for n in range(55):
        register(official, street_office, f"小区{n:02d}")

    first = audit(official_client, district)
    second = audit(official_client, district, page=2, action="compound.registered")

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 5
    assert "action=compound.registered&amp;page=1" in second.content.decode()


@pytest.mark.django_db
def test_nothing_in_the_console_changes_an_event(official_client, district, trail):
    url = reverse("console_audit", args=[district.code])

    assert official_client.post(url, {"action": "x"}).status_code == 405
    assert official_client.delete(url).status_code == 405
    assert Event.objects.filter(action="x").count() == 0


@pytest.mark.django_db
def test_the_database_refuses_raw_updates_of_events(trail):
    event = Event.objects.filter(action="firm.applied").get()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE market_event SET action = 'tampered' WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert event.action == "firm.applied"


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite refuses UPDATE only (migration 0002)"
)
def test_postgresql_refuses_raw_deletes_of_events(trail):
    event = Event.objects.filter(action="firm.applied").get()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM market_event WHERE id = %s", [event.pk])

    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_firm_events_open_the_vetting_page(official_client, district, trail):
    text = audit(
        official_client, district, object_type=ContentType.objects.get_for_model(Firm).pk
    ).content.decode()

    assert reverse("firm_vetting", args=[trail["firm"].pk]) in text


@pytest.mark.django_db
def test_a_compound_of_another_district_is_not_reachable_by_filter(
    official_client, district, trail
):
    compound_type = ContentType.objects.get_for_model(Compound)

    response = audit(
        official_client, district, object_type=compound_type.pk, object_id=trail["theirs"].pk
    )

    assert "通州秘密小区" not in response.content.decode()
    assert response.context["page"].paginator.count == 0
