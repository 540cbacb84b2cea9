"""What ratings puts in the bureau's console (issue #8): the overdue requests (吹哨) panel,
the fee adjustments waiting in the approvals inbox, the three rates download, and the
links from the district home. Figures are checked against values worked out by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from market.console.selectors import approvals_inbox, district_dashboard
from ratings.console import fee_adjustments_waiting, overdue_requests_panel, three_rates_export
from ratings.models import FeeAdjustment
from ratings.services.evaluations import evaluations_run, quarter_of
from ratings.services.ratings import rating_submit
from ratings.services.requests import request_escalate, request_raise, request_respond
from tests.factories import OfficialFactory, StreetOfficeFactory
from tests.ratings.test_evaluation import contract  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _raise(code, *, hours_ago, urgency="normal"):
    return request_raise(
        household_code=code,
        category="repairs",
        urgency=urgency,
        text="楼道灯坏了",
        now=timezone.now() - timedelta(hours=hours_ago),
    )


@pytest.fixture
def overdue(code, firm_admin):
    """Four requests: A (normal, 30 h ago: 6 h overdue, escalated), B (urgent, 3 h ago:
    1 h overdue), C (normal, 2 h ago: not yet due), D (40 h ago but answered in time)."""
    now = timezone.now()
    a = _raise(code, hours_ago=30.1)
    request_escalate(request=a, now=now)
    b = _raise(code, urgency="urgent", hours_ago=3.1)
    _raise(code, hours_ago=2)
    d = _raise(code, hours_ago=40)
    request_respond(actor=firm_admin, request=d, response="马上来", now=now - timedelta(hours=39))
    return a, b


def test_overdue_panel_figures(overdue, district, official):
    a, b = overdue
    panel = overdue_requests_panel(district=district, today=timezone.localdate(), user=official)
    rows = [[strip_tags(str(cell)) for cell in row] for row in panel.rows]
    assert [row[0] for row in rows] == [a.compound.name, b.compound.name]
    assert [(row[4], row[5]) for row in rows] == [("6", "已吹哨"), ("1", "尚未")]
    assert panel.footer[-1] == 2
    assert reverse("service_request_detail", args=[a.pk]) in str(panel.rows[0][0])
    assert panel.link_url == reverse("escalations", args=[district.code])
    dashboard = district_dashboard(district=district, today=timezone.localdate(), user=official)
    assert "ratings.overdue_requests" in [p.name for p in dashboard.panels]


def test_other_district_and_other_street_see_none(
    overdue, district, other_district, other_official
):
    today = timezone.localdate()
    assert overdue_requests_panel(district=district, today=today, user=other_official) is None
    elsewhere = overdue_requests_panel(district=other_district, today=today, user=other_official)
    assert elsewhere.rows == [] and elsewhere.footer == []
    other_street = StreetOfficeFactory(district=district, name="别的街道")
    street_official = OfficialFactory(district=district, street_office=other_street).user
    panel = overdue_requests_panel(district=district, today=today, user=street_official)
    assert panel.rows == []


@pytest.fixture
def pending_adjustment(contract, codes, fee_schedule):  # noqa: F811
    for row, _plain in codes:
        rating_submit(
            household_code=row,
            scores={"cleaning": 1, "order": 1, "water": 1},
            today=contract.starts_on,
        )
    evaluations_run(today=quarter_of(contract.starts_on)[1] + timedelta(days=1))
    return FeeAdjustment.objects.get()


def test_inbox_lists_the_pending_fee_adjustment(pending_adjustment, district, official):
    groups = {g.name: g for g in approvals_inbox(district=district, user=official)}
    (item,) = groups["ratings.fee_adjustments"].items
    assert item.url == reverse("fee_adjustments", args=[district.code])
    assert pending_adjustment.contract.number in item.title
    assert "¥1.00 → ¥" in item.detail


def test_inbox_empty_for_others_and_after_decision(
    pending_adjustment, district, other_official, official, street_office
):
    street_official = OfficialFactory(district=district, street_office=street_office).user
    assert fee_adjustments_waiting(district=district, user=other_official) == []
    assert fee_adjustments_waiting(district=district, user=street_official) == []
    from ratings.services.evaluations import fee_adjustment_decide

    fee_adjustment_decide(actor=official, adjustment=pending_adjustment, approve=False)
    assert fee_adjustments_waiting(district=district, user=official) == []


def test_three_rates_export(overdue, district, other_district):
    header, rows = three_rates_export(district=district)
    rows = list(rows)
    assert len(header) == len(rows[0]) == 8
    # 4 requests, 1 answered in time, none resolved or confirmed.
    assert rows[0][2:6] == [4, Decimal("25.00"), Decimal("0.00"), ""]
    assert list(three_rates_export(district=other_district)[1]) == []


def test_district_home_links_the_bureau_pages(client, official, district):
    client.force_login(official)
    page = client.get(reverse("district_detail", args=[district.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("escalations", args=[district.code]) in html
    assert reverse("fee_adjustments", args=[district.code]) in html
