"""``compounds_register_bulk``: the import's way onto the register keeps the register's
rules (as ``compound_register``) and writes one event per compound; all or nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from market.models import Compound, Event, ManagementStatus
from market.services.compounds import CompoundRow, compounds_register_bulk
from tests.factories import CompoundFactory, StreetOfficeFactory


def row(office, name, **changes):
    values = dict(
        street_office=office,
        name=name,
        address="某路1号",
        buildings=3,
        owners=40,
        exclusive_area=Decimal("3000.00"),
        households=42,
        year_built=1990,
    )
    values.update(changes)
    return CompoundRow(**values)


@pytest.mark.django_db
def test_registers_every_row_seeking_with_its_event(district, street_office, official):
    created = compounds_register_bulk(
        actor=official,
        district=district,
        rows=[row(street_office, "甲"), row(street_office, "乙", event_data={"line": 3})],
    )

    assert [c.name for c in created] == ["甲", "乙"]
    assert all(c.pk and c.management_status == ManagementStatus.SEEKING for c in created)
    events = Event.objects.filter(action="compound.registered").order_by("pk")
    assert [(e.compound_id, e.actor_id, e.district_id) for e in events] == [
        (c.pk, official.pk, district.pk) for c in created
    ]
    assert events[1].data == {"line": 3}
    assert events[0].after["name"] == "甲"


@pytest.mark.django_db
def test_one_bad_row_refuses_them_all(district, other_district, street_office, official):
    CompoundFactory(street_office=street_office, name="已有")
    elsewhere = StreetOfficeFactory(district=other_district)

    with pytest.raises(ValidationError) as refused:
        compounds_register_bulk(
            actor=official,
            district=district,
            rows=[
                row(street_office, "好的"),
                row(street_office, "零栋", buildings=0, label="第 3 行"),
                row(street_office, "已有", label="第 4 行"),
                row(street_office, "重复"),
                row(street_office, "重复", label="第 6 行"),
                row(elsewhere, "外区", label="第 7 行"),
            ],
        )

    messages = refused.value.messages
    assert len(messages) == 4
    assert [m.split(":")[0] for m in messages] == ["第 3 行", "第 6 行", "第 7 行", "第 4 行"]
    assert not Compound.objects.filter(name="好的").exists()
    assert not Event.objects.filter(action="compound.registered").exists()


@pytest.mark.django_db
def test_only_the_districts_bureau_registers(district, street_office, other_official):
    with pytest.raises(PermissionDenied):
        compounds_register_bulk(
            actor=other_official, district=district, rows=[row(street_office, "甲")]
        )
    assert not Compound.objects.exists()
