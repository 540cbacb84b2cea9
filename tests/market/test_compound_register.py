from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from market.models import Compound, Event, ManagementStatus
from market.services.compounds import compound_register

GOOD = {
    "name": "清澄名苑",
    "address": "兴丰大街三段12号",
    "buildings": "8",
    "owners": "412",
    "exclusive_area": "35210.50",
    "households": "420",
    "year_built": "1998",
}


def post_compound(client, district, street_office, **changes):
    data = {**GOOD, "street_office": street_office.pk, **changes}
    return client.post(reverse("compound_create", args=[district.code]), data)


@pytest.mark.django_db
def test_official_registers_a_compound_as_seeking(client, official, district, street_office):
    client.force_login(official)

    response = post_compound(client, district, street_office)

    compound = Compound.objects.get(name="清澄名苑")
    assert response.status_code == 302
    assert response.url == reverse("compound_page", args=[compound.pk])
    assert compound.exclusive_area == Decimal("35210.50")
    assert compound.management_status == ManagementStatus.SEEKING
    event = Event.objects.get(action="compound.registered")
    assert event.actor == official
    assert event.district == district
    assert event.after["owners"] == 412


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("exclusive_area", "0", "专有部分建筑面积必须大于 0 平方米。"),
        ("exclusive_area", "-12.5", "专有部分建筑面积必须大于 0 平方米。"),
        ("owners", "0", "小区业主人数至少为 1 人。"),
    ],
)
def test_bad_figures_are_refused_in_chinese_and_nothing_saved(
    client, official, district, street_office, field, value, message
):
    client.force_login(official)

    response = post_compound(client, district, street_office, **{field: value})

    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert not Compound.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_bad_figures_are_refused_in_english_when_switched(
    client, official, district, street_office
):
    client.force_login(official)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = post_compound(client, district, street_office, exclusive_area="0", owners="0")

    text = response.content.decode()
    assert response.status_code == 400
    assert "The exclusive floor area must be greater than 0 m²." in text
    assert "A compound must have at least 1 owner." in text
    assert not Compound.objects.exists()


@pytest.mark.django_db
def test_duplicate_compound_name_in_a_street_is_refused(client, official, district, street_office):
    client.force_login(official)
    post_compound(client, district, street_office)

    response = post_compound(client, district, street_office)

    assert response.status_code == 400
    assert "已有同名小区" in response.content.decode()
    assert Compound.objects.count() == 1


@pytest.mark.django_db
def test_service_refuses_bad_figures_for_every_caller(street_office):
    with pytest.raises(ValidationError) as error:
        compound_register(
            actor=None,
            street_office=street_office,
            name="零面积小区",
            address="某路1号",
            buildings=1,
            owners=0,
            exclusive_area=Decimal("0"),
            households=1,
            year_built=2000,
        )

    assert set(error.value.message_dict) == {"owners", "exclusive_area"}
    assert not Compound.objects.exists()


@pytest.mark.django_db
def test_database_refuses_a_non_positive_area_even_without_the_service(street_office):
    from django.db import IntegrityError, transaction

    from tests.factories import CompoundFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        CompoundFactory(street_office=street_office, exclusive_area=Decimal("0"))
