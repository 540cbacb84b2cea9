"""The three rates on a hand-made fixture (DOMAIN: response = responded in SLA / all,
resolution = resolved / all, satisfaction = satisfied / confirmed)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template

from ratings.selectors import three_rates
from ratings.services.requests import (
    request_confirm,
    request_raise,
    request_resolve,
    request_respond,
)

from .conftest import at

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 10)


def raise_at(code, when, urgency="normal"):
    return request_raise(
        household_code=code, category="repairs", urgency=urgency, text="x", now=when
    )


@pytest.fixture
def seven_requests(code, firm_admin):
    """7 requests raised on DAY:
    1 responded at the deadline exactly, resolved, confirmed satisfied
    2 responded 1 minute late, resolved, confirmed not satisfied
    3 responded in time, resolved, confirmed satisfied
    4 responded in time, resolved, not confirmed
    5 responded in time, not resolved
    6 never responded
    7 urgent, responded after 1 h (in time), resolved, confirmed satisfied
    → response 5/7 = 71.43%, resolution 5/7 = 71.43%, satisfaction 3/4 = 75.00%."""
    t = at(DAY, 8)
    reqs = [raise_at(code, t) for _ in range(6)] + [raise_at(code, t, "urgent")]
    deadline = t + timedelta(hours=24)
    respond = {
        0: deadline,
        1: deadline + timedelta(minutes=1),
        2: t + timedelta(hours=1),
        3: t + timedelta(hours=1),
        4: t + timedelta(hours=1),
        6: t + timedelta(hours=1),
    }
    for index, when in respond.items():
        request_respond(actor=firm_admin, request=reqs[index], response="好", now=when)
    for index in (0, 1, 2, 3, 6):
        request_resolve(
            actor=firm_admin, request=reqs[index], resolution="好", now=t + timedelta(days=2)
        )
    for index, satisfied in ((0, True), (1, False), (2, True), (6, True)):
        request_confirm(household_code=code, request=reqs[index], satisfied=satisfied)
    return reqs


def test_hand_computed_rates(seven_requests, firm, compound):
    rates = three_rates(start=DAY, end=DAY, firm=firm)
    assert (rates.total, rates.responded_in_time, rates.resolved) == (7, 5, 5)
    assert (rates.confirmed, rates.satisfied) == (4, 3)
    assert rates.response_rate == Decimal("71.43")
    assert rates.resolution_rate == Decimal("71.43")
    assert rates.satisfaction_rate == Decimal("75.00")
    assert three_rates(start=DAY, end=DAY, compound=compound) == rates


def test_period_bounds(seven_requests, firm):
    assert (
        three_rates(start=DAY + timedelta(days=1), end=DAY + timedelta(days=30), firm=firm).total
        == 0
    )
    assert three_rates(start=DAY - timedelta(days=30), end=DAY, firm=firm).total == 7


def test_zero_requests_shown_as_no_requests(firm, compound):
    rates = three_rates(start=DAY, end=DAY, firm=firm)
    assert rates.total == 0
    assert rates.response_rate is None and rates.resolution_rate is None
    assert rates.satisfaction_rate is None and rates.score is None
    html = Template("{% load ratings_tags %}{% three_rates_summary compound=compound %}").render(
        Context({"compound": compound})
    )
    assert "无诉求" in html
    assert "0%" not in html and "100%" not in html


def test_firm_without_ratings_says_when_figures_appear(firm):
    html = Template("{% load ratings_tags %}{% three_rates_summary firm=firm %}").render(
        Context({"firm": firm})
    )
    assert "居民开始评价后" in html and "无诉求" not in html
