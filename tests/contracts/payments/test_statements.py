"""Statements per engagement (committee, firm) and arrears per compound (bureau), with
CSV export."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from contracts.payments.models import Invoice, InvoiceStatus
from contracts.payments.services import invoice_issue


def statement_url(engagement, **query):
    url = reverse("engagement_statement", args=[engagement.pk])
    return url + ("?format=csv" if query.get("csv") else "")


def rows_of(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def two_invoices(engagement, invoice):
    april = invoice_issue(engagement=engagement, month=date(2026, 4, 1), today=date(2026, 4, 1))
    Invoice.objects.filter(pk=invoice.pk).update(
        status=InvoiceStatus.PAID, paid_at="2026-03-05T02:00Z"
    )
    return invoice, april


@pytest.mark.parametrize("who", ["committee_member", "treasurer", "firm_admin", "own_firm_staff"])
def test_committee_and_firm_see_the_statement(client, two_invoices, request, who):
    march, april = two_invoices
    client.force_login(request.getfixturevalue(who))
    response = client.get(statement_url(march.engagement))
    assert response.status_code == 200
    text = response.content.decode()
    assert march.number in text and april.number in text
    assert "已支付" in text and "待支付" in text


def test_statement_csv(client, committee_member, two_invoices):
    march, april = two_invoices
    client.force_login(committee_member)
    response = client.get(statement_url(march.engagement, csv=True))
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    assert rows[0][:6] == ["invoice", "month", "served_from", "served_to", "amount_cny", "status"]
    assert [(r[1], r[4], r[5]) for r in rows[1:]] == [
        ("2026-04", "15000.00", "open"),
        ("2026-03", "15000.00", "paid"),
    ]
    assert rows[1][8] == "枣园小区"


@pytest.mark.parametrize(
    "who", ["other_official", "other_committee_member", "other_firm_admin", "firm_staff"]
)
def test_outsiders_do_not_see_the_statement(client, invoice, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(statement_url(invoice.engagement)).status_code == 403
    assert client.get(statement_url(invoice.engagement, csv=True)).status_code == 403


def test_the_public_is_sent_to_log_in(client, invoice):
    assert client.get(statement_url(invoice.engagement)).status_code == 302


@pytest.fixture
def other_committee_member(other_compound):
    from tests.factories import CommitteeMemberFactory

    return CommitteeMemberFactory(committee__compound=other_compound, role="chair").user


@pytest.fixture
def other_firm_admin(district):
    from tests.factories import FirmMemberFactory

    return FirmMemberFactory(role="admin", firm__districts=[district]).user


def arrears_url(district, csv=False):
    return reverse("district_arrears", args=[district.code]) + ("?format=csv" if csv else "")


def test_bureau_sees_arrears_per_compound(client, official, district, two_invoices):
    client.force_login(official)
    response = client.get(arrears_url(district))
    assert response.status_code == 200
    text = response.content.decode()
    assert "枣园小区" in text, text
    assert "15000.00" in text
    assert "第944条" in text
    rows = rows_of(client.get(arrears_url(district, csv=True)))
    assert rows[1] == ["枣园小区", "兴丰街道", "1", "15000.00", "2026-04"]


@pytest.mark.parametrize(
    "who", ["other_official", "committee_member", "firm_admin", "street_official"]
)
def test_arrears_are_the_bureaus_only(client, district, invoice, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(arrears_url(district)).status_code in (403, 302)
    assert client.get(arrears_url(district, csv=True)).status_code in (403, 302)


@pytest.fixture
def street_official(street_office):
    from tests.factories import OfficialFactory, give_totp

    post = OfficialFactory(district=street_office.district, street_office=street_office)
    give_totp(post.user)
    return post.user


def test_pages_link_to_statements_and_arrears(
    client, official, committee_member, district, invoice
):
    client.force_login(committee_member)
    compound_page = client.get(
        reverse("compound_engagements", args=[invoice.engagement.compound_id])
    )
    assert statement_url(invoice.engagement) in compound_page.content.decode()
    client.force_login(official)
    district_home = client.get(reverse("district_detail", args=[district.code]))
    assert arrears_url(district) in district_home.content.decode()
