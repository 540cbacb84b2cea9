"""The district dashboard (issue #8): coverage today and its daily history, compounds by
status, seeking compounds with the days left of their 30 (DOMAIN "Fallback"), charts with
table fallbacks. Figures are checked against values worked out by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from market.console.selectors import district_dashboard
from market.console.services import coverage_snapshot_take
from market.daily import daily_rules
from market.models import CoverageSnapshot
from tests.factories import CompoundFactory, StreetOfficeFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def fixture_district(district, other_district, street_office, today):
    """Five compounds: two seeking (registered 10 and 35 days ago), one on trial, one
    contracted, one in fallback; and yesterday's recorded coverage 2 of 4. The other
    district has three compounds that must count nowhere here."""
    CompoundFactory(
        street_office=street_office, name="寻找甲", registered_on=today - timedelta(days=10)
    )
    CompoundFactory(
        street_office=street_office, name="寻找乙", registered_on=today - timedelta(days=35)
    )
    CompoundFactory(street_office=street_office, name="试用中", management_status="trial")
    CompoundFactory(street_office=street_office, name="已签约", management_status="contracted")
    CompoundFactory(street_office=street_office, name="兜底中", management_status="fallback")
    CoverageSnapshot.objects.create(
        district=district, date=today - timedelta(days=1), registered=4, served=2
    )
    CoverageSnapshot.objects.create(
        district=district, date=today - timedelta(days=200), registered=1, served=0
    )  # older than the chart's 90 days
    elsewhere = StreetOfficeFactory(district=other_district, name="永顺镇")
    for n in range(3):
        CompoundFactory(street_office=elsewhere, name=f"通州小区{n}")
    return district


@pytest.mark.django_db
def test_dashboard_figures_match_the_hand_computed_values(fixture_district, today, official):
    dashboard = district_dashboard(district=fixture_district, today=today, user=official)

    assert dashboard.coverage.registered == 5
    assert dashboard.coverage.served == 3
    assert dashboard.coverage.rate_percent == Decimal("60.0")  # 3 / 5
    assert [
        (p.date, p.registered, p.served, p.rate_percent, p.live) for p in dashboard.history
    ] == [
        (today - timedelta(days=1), 4, 2, Decimal("50.0"), False),
        (today, 5, 3, Decimal("60.0"), True),
    ]
    assert [(value, count) for value, _label, count in dashboard.statuses] == [
        ("seeking", 2),
        ("trial", 1),
        ("contracted", 1),
        ("fallback", 1),
    ]
    assert [
        (row.compound.name, row.days_left, row.overdue, row.days_overdue)
        for row in dashboard.seeking
    ] == [("寻找乙", -5, True, 5), ("寻找甲", 20, False, 0)]
    assert dashboard.seeking[1].deadline == today + timedelta(days=20)


@pytest.mark.django_db
def test_the_district_home_draws_charts_with_table_fallbacks(
    official_client, fixture_district, today
):
    response = official_client.get(reverse("district_detail", args=[fixture_district.code]))

    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('class="chart-figure"') == 2
    assert text.count('<div class="chart" aria-hidden="true">') == 2
    assert "vendor/echarts.min.js" in text and "js/console-charts.js" in text
    assert response.context["chart_data"] == {
        "coverage": {
            "dates": [(today - timedelta(days=1)).isoformat(), today.isoformat()],
            "rates": [50.0, 60.0],
        },
        "statuses": [
            {"value": "seeking", "name": "待选聘", "count": 2},
            {"value": "trial", "name": "试用中", "count": 1},
            {"value": "contracted", "name": "已签约", "count": 1},
            {"value": "fallback", "name": "国企兜底", "count": 1},
        ],
    }
    # The tables a screen reader reads carry the same figures.
    assert '<td class="num">50.0%</td>' in text and '<td class="num">60.0%</td>' in text
    assert "已逾期 5 天" in text
    assert "寻找甲" in text and "通州小区0" not in text
    assert reverse("console_approvals", args=[fixture_district.code]) in text


@pytest.mark.django_db
def test_the_daily_rule_records_each_districts_coverage_once_a_day(
    fixture_district, other_district, today
):
    assert "market.coverage_snapshot" in [rule.name for rule in daily_rules()]
    rule = next(r for r in daily_rules() if r.name == "market.coverage_snapshot")
    assert rule.order > max(r.order for r in daily_rules() if r.name.startswith("contracts."))

    assert rule.function(today) == {"done": [fixture_district.pk, other_district.pk]}
    assert rule.function(today) == {"done": []}  # idempotent

    mine = CoverageSnapshot.objects.get(district=fixture_district, date=today)
    theirs = CoverageSnapshot.objects.get(district=other_district, date=today)
    assert (mine.registered, mine.served) == (5, 3)
    assert (theirs.registered, theirs.served) == (3, 0)


@pytest.mark.django_db
def test_one_snapshot_per_district_and_day_in_the_database(district, today):
    coverage_snapshot_take(today=today)

    with pytest.raises(IntegrityError):
        CoverageSnapshot.objects.create(district=district, date=today, registered=0, served=0)


@pytest.mark.django_db
def test_a_street_official_sees_the_dashboard_but_no_console_links(client, district, street_office):
    from tests.factories import OfficialFactory, give_totp

    post = OfficialFactory(district=district, street_office=street_office)
    give_totp(post.user)
    client.force_login(post.user)

    response = client.get(reverse("district_detail", args=[district.code]))

    assert response.status_code == 200
    assert response.context["can_use_console"] is False
    assert reverse("console_audit", args=[district.code]) not in response.content.decode()
