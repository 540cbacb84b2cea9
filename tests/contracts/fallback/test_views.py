"""Fallback and handover pages: the bureau's list, designation and extension forms, the
handover checklist; bad input (400, message, nothing saved) and refused roles (403)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.daily import daily_run
from contracts.models import FallbackCase, FallbackDesignation, HandoverItem
from market.models import Compound
from tests.factories import FirmFactory

from .conftest import png_upload

TODAY = timezone.localdate()


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def open_case(designation, other_compound):
    Compound.objects.filter(pk=other_compound.pk).update(registered_on=TODAY - timedelta(days=30))
    daily_run(today=TODAY)
    return FallbackCase.objects.get(compound=other_compound)


def test_bureau_sees_open_cases_and_overdue_handovers(client, official, open_case, handover):
    district = open_case.district
    handover.due_on = TODAY - timedelta(days=1)
    handover.save(update_fields=["due_on"])
    page = login(client, official).get(reverse("district_fallback", args=[district.code]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "国企兜底" in text and open_case.compound.name in text
    assert open_case.operator.name in text and "登记后30日内未选定物业服务人" in text
    assert "逾期未完成的交接" in text and handover.outgoing_firm.name in text


@pytest.mark.parametrize("role", ["anonymous", "committee", "firm", "other_official"])
def test_the_fallback_pages_refuse_everyone_but_the_bureau(
    client, role, district, open_case, committee_member, firm_admin, other_official
):
    users = {"committee": committee_member, "firm": firm_admin, "other_official": other_official}
    if role != "anonymous":
        login(client, users[role])
    urls = [
        reverse("district_fallback", args=[district.code]),
        reverse("fallback_extend", args=[open_case.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == (302 if role == "anonymous" else 403)
    response = client.post(
        reverse("fallback_designate", args=[district.code]), {"firm": "1", "fee": "1"}
    )
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert FallbackDesignation.objects.count() == 1


def test_designating_a_second_operator_is_refused_on_the_page(
    client, official, district, designation
):
    other = FirmFactory(districts=[district])
    response = login(client, official).post(
        reverse("fallback_designate", args=[district.code]),
        {"firm": other.pk, "fee": "1.00"},
    )
    assert response.status_code == 400
    assert "每个区同一时间只有一家兜底企业" in response.content.decode()
    assert FallbackDesignation.objects.filter(district=district).count() == 1


@pytest.mark.parametrize(
    "data, message",
    [({"fee": "1"}, "必需字段"), ({"firm": "FIRM", "fee": "abc"}, "数字")],
)
def test_bad_designation_input(client, official, district, operator, data, message):
    data = {k: (operator.pk if v == "FIRM" else v) for k, v in data.items()}
    response = login(client, official).post(
        reverse("fallback_designate", args=[district.code]), data
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not FallbackDesignation.objects.exists()


def test_designation_and_its_end_through_the_page(client, official, district, operator):
    login(client, official)
    response = client.post(
        reverse("fallback_designate", args=[district.code]),
        {"firm": operator.pk, "fee": "0.90", "reason": "区属国企"},
    )
    assert response.status_code == 302
    designation = FallbackDesignation.objects.get()
    url = reverse("fallback_designation_end", args=[district.code, designation.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "改制"}).status_code == 302
    designation.refresh_from_db()
    assert not designation.active


@pytest.mark.parametrize(
    "until_days, reason, message",
    [
        (30, "", "必需字段"),
        (0, "选聘未完成", "新的截止日期须晚于当前截止日期"),
        (400, "选聘未完成", "每次延期不得超过"),
        (None, "选聘未完成", "必需字段"),
    ],
)
def test_bad_extension_input(client, official, open_case, until_days, reason, message):
    until = "" if until_days is None else open_case.planned_end_on + timedelta(days=until_days)
    response = login(client, official).post(
        reverse("fallback_extend", args=[open_case.pk]), {"until": str(until), "reason": reason}
    )
    assert response.status_code == 400 and message in response.content.decode()
    end = open_case.planned_end_on
    open_case.refresh_from_db()
    assert open_case.planned_end_on == end


def test_extension_through_the_page(client, official, open_case):
    login(client, official)
    assert client.get(reverse("fallback_extend", args=[open_case.pk])).status_code == 200
    until = open_case.planned_end_on + timedelta(days=60)
    response = client.post(
        reverse("fallback_extend", args=[open_case.pk]),
        {"until": until.isoformat(), "reason": "选聘未完成"},
    )
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.planned_end_on == until


# --- Handover checklist ---------------------------------------------------------------


def test_both_firms_and_the_committee_see_the_checklist(
    client, handover, outgoing_admin, operator_admin, committee_member, official
):
    url = reverse("handover_detail", args=[handover.pk])
    for user in (outgoing_admin, operator_admin, committee_member, official):
        page = login(client, user).get(url)
        assert page.status_code == 200 and "钥匙和门禁卡" in page.content.decode()
    compound_page = login(client, committee_member).get(
        reverse("compound_handovers", args=[handover.compound_id])
    )
    assert compound_page.status_code == 200 and url in compound_page.content.decode()
    firm_page = login(client, operator_admin).get(reverse("firm_handovers"))
    assert firm_page.status_code == 200 and url in firm_page.content.decode()


def test_the_checklist_refuses_outsiders(client, handover, firm_staff, other_official):
    url = reverse("handover_detail", args=[handover.pk])
    assert client.get(url).status_code == 302
    for user in (firm_staff, other_official):
        login(client, user)
        assert client.get(url).status_code == 403
    login(client, firm_staff)
    response = client.post(reverse("handover_confirm", args=[handover.pk]), {"kind": "keys"})
    assert response.status_code == 403
    assert (
        client.post(reverse("handover_refuse", args=[handover.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert not HandoverItem.objects.filter(outgoing_confirmed_on__isnull=False).exists()


def test_the_committee_cannot_confirm(client, handover, committee_member):
    response = login(client, committee_member).post(
        reverse("handover_confirm", args=[handover.pk]), {"kind": "keys"}
    )
    assert response.status_code == 403


def test_confirming_items_through_the_page(client, handover, outgoing_admin, operator_admin):
    url = reverse("handover_confirm", args=[handover.pk])
    login(client, outgoing_admin)
    bad = client.post(url, {"kind": "facilities"})
    assert bad.status_code == 400 and "请至少上传一张设施设备" in bad.content.decode()
    bad = client.post(url, {"kind": "nonsense"})
    assert bad.status_code == 400
    bad = client.post(url, {"kind": "fees", "refund_amount": "-1"})
    assert bad.status_code == 400
    assert not HandoverItem.objects.filter(outgoing_confirmed_on__isnull=False).exists()
    ok = client.post(url, {"kind": "facilities", "photos": [png_upload()]})
    assert ok.status_code == 302
    ok = client.post(url, {"kind": "fees", "refund_amount": "300.00"})
    assert ok.status_code == 302
    handover.refresh_from_db()
    assert str(handover.refund_amount) == "300.00"
    login(client, operator_admin)
    assert client.post(url, {"kind": "facilities"}).status_code == 302
    item = handover.items.get(kind="facilities")
    assert item.outgoing_confirmed_on and item.incoming_confirmed_on


def test_refusing_through_the_page(client, handover, outgoing_admin, operator_admin):
    url = reverse("handover_refuse", args=[handover.pk])
    login(client, operator_admin)
    assert client.post(url, {"reason": "x"}).status_code == 403
    login(client, outgoing_admin)
    bad = client.post(url, {"reason": ""})
    assert bad.status_code == 400
    handover.refresh_from_db()
    assert handover.status == "open"
    assert client.post(url, {"reason": "费用争议"}).status_code == 302
    handover.refresh_from_db()
    assert handover.status == "refused"
