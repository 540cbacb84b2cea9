"""The bureau's written warnings and fallback order (trigger 4) on its pages, with the
quarterly scores the ratings app supplies through ``quarter_scores_provider_register``;
bad input (400, message, nothing saved) and refused roles (403/404)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import (
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackTrigger,
    WrittenWarning,
)
from contracts.services.fallback import fallback_order_quarter_scores
from ratings.models import Evaluation
from ratings.selectors import firm_quarter_scores
from tests.factories import CompoundFactory, FirmFactory

TODAY = timezone.localdate()


def evaluate(engagement, quarter_start: date, score: str | None):
    return Evaluation.objects.create(
        engagement=engagement,
        compound=engagement.compound,
        firm=engagement.firm,
        period_start=quarter_start,
        period_end=quarter_start + timedelta(days=89),
        score=None if score is None else Decimal(score),
        grade_contracted=2,
        created_on=quarter_start + timedelta(days=95),
    )


@pytest.fixture
def served(designation, backdated, active_trial):
    """The compound on its trial; the trial firm's engagement."""
    return active_trial.engagement


@pytest.fixture
def low_quarters(served):
    evaluate(served, date(2026, 1, 1), "72.00")
    evaluate(served, date(2026, 4, 1), "58.50")
    evaluate(served, date(2026, 7, 1), "55.00")
    return served


@pytest.fixture
def warning(served, official):
    return WrittenWarning.objects.create(
        compound=served.compound,
        firm=served.firm,
        text="请限期整改",
        issued_on=TODAY - timedelta(days=3),
        issued_by=official,
    )


def login(client, user):
    client.force_login(user)
    return client


def page_url(compound):
    return reverse("fallback_compound", args=[compound.pk])


def order(client, compound, **data):
    return client.post(reverse("fallback_order", args=[compound.pk]), data)


def assert_not_ordered(served):
    served.refresh_from_db()
    assert served.phase == EngagementPhase.LIVE
    assert not FallbackCase.objects.filter(compound=served.compound).exists()


# --- The scores come from ratings ---------------------------------------------------------


def test_the_order_reads_the_firms_quarterly_scores_oldest_first(low_quarters):
    compound, firm = low_quarters.compound, low_quarters.firm
    evaluate(low_quarters, date(2025, 10, 1), None)  # nothing measured: left out
    other = FirmFactory()
    scores = fallback_order_quarter_scores(compound=compound, firm=firm)
    assert scores == [Decimal("72.00"), Decimal("58.50"), Decimal("55.00")]
    assert fallback_order_quarter_scores(compound=compound, firm=other) == []


def test_two_low_quarters_with_a_gap_between_are_not_consecutive(served):
    """DOMAIN "Fallback": two *consecutive* quarters below 60. A quarter with nothing
    measured breaks the run."""
    evaluate(served, date(2025, 10, 1), "55.00")
    evaluate(served, date(2026, 4, 1), "50.00")  # 2026-Q1 missing
    scores = firm_quarter_scores(compound=served.compound, firm=served.firm)
    assert scores == [Decimal("50.00")]
    evaluate(served, date(2026, 7, 1), "52.00")
    scores = firm_quarter_scores(compound=served.compound, firm=served.firm)
    assert scores == [Decimal("50.00"), Decimal("52.00")]


def test_one_score_per_quarter_the_later_engagements(low_quarters):
    """A trial and the contract after it in the same quarter: the contract's score counts."""
    from contracts.models import Engagement

    contract = Engagement.objects.create(
        compound=low_quarters.compound,
        kind=EngagementKind.CONTRACT,
        firm=low_quarters.firm,
        phase=EngagementPhase.UPCOMING,
        starts_on=low_quarters.starts_on + timedelta(days=30),
        fee=Decimal("1"),
        area=low_quarters.area,
    )
    evaluate(contract, date(2026, 7, 1), "61.00")
    scores = firm_quarter_scores(compound=low_quarters.compound, firm=low_quarters.firm)
    assert scores == [Decimal("72.00"), Decimal("58.50"), Decimal("61.00")]


# --- The page ---------------------------------------------------------------------------


def test_the_bureau_sees_the_scores_and_warnings(client, official, low_quarters, warning):
    response = login(client, official).get(page_url(low_quarters.compound))
    text = response.content.decode()
    assert response.status_code == 200
    assert "58.50" in text and "55.00" in text and "72.00" not in text
    assert "请限期整改" in text and low_quarters.firm.name in text


def test_the_district_page_lists_warnings_and_picks_a_compound(client, official, warning):
    client = login(client, official)
    district = warning.compound.street_office.district
    text = client.get(reverse("district_fallback", args=[district.code])).content.decode()
    assert "请限期整改" in text and page_url(warning.compound) in text
    response = client.get(
        reverse("district_fallback", args=[district.code]), {"pick-compound": warning.compound.pk}
    )
    assert response.status_code == 302 and response.url == page_url(warning.compound)


def test_picking_a_compound_of_another_district_is_refused(client, official, district):
    stranger = CompoundFactory()
    response = login(client, official).get(
        reverse("district_fallback", args=[district.code]), {"pick-compound": stranger.pk}
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "committee", "firm", "other_official"])
def test_only_the_district_bureau_warns_and_orders(
    client, role, low_quarters, warning, committee_member, firm_admin, other_official
):
    users = {"committee": committee_member, "firm": firm_admin, "other_official": other_official}
    if role != "anonymous":
        login(client, users[role])
    compound = low_quarters.compound
    expected = 302 if role == "anonymous" else 403
    assert client.get(page_url(compound)).status_code == expected
    response = client.post(reverse("fallback_warning_record", args=[compound.pk]), {"text": "x"})
    assert response.status_code == expected
    assert order(client, compound, warning=warning.pk, reason="x").status_code == expected
    assert WrittenWarning.objects.count() == 1
    assert_not_ordered(low_quarters)


def test_an_unknown_compound_is_not_found(client, official):
    assert (
        login(client, official).get(reverse("fallback_compound", args=[99999])).status_code == 404
    )


# --- Written warning ----------------------------------------------------------------------


def test_recording_a_warning_through_the_page(client, official, served):
    response = login(client, official).post(
        reverse("fallback_warning_record", args=[served.compound.pk]), {"text": " 限期一个月整改 "}
    )
    assert response.status_code == 302
    (warning,) = WrittenWarning.objects.all()
    assert warning.firm == served.firm and warning.text == "限期一个月整改"
    assert warning.issued_on == TODAY and warning.issued_by == official


def test_an_empty_warning_is_refused(client, official, served):
    response = login(client, official).post(
        reverse("fallback_warning_record", args=[served.compound.pk]), {"text": "   "}
    )
    assert response.status_code == 400
    assert "请填写警告内容" in response.content.decode()
    assert not WrittenWarning.objects.exists()


def test_no_warning_for_a_compound_served_by_the_fallback_operator(
    client, official, designation, other_compound
):
    from contracts.daily import daily_run
    from market.models import Compound

    Compound.objects.filter(pk=other_compound.pk).update(registered_on=TODAY - timedelta(days=30))
    daily_run(today=TODAY)
    response = login(client, official).post(
        reverse("fallback_warning_record", args=[other_compound.pk]), {"text": "整改"}
    )
    assert response.status_code == 400
    assert "目前没有试用或合同物业企业在服务" in response.content.decode()
    assert not WrittenWarning.objects.exists()
    response = order(client, other_compound, reason="连续低分")
    assert response.status_code == 400
    assert "目前没有试用或合同物业企业在服务" in response.content.decode()
    assert FallbackCase.objects.filter(compound=other_compound).count() == 1


# --- Fallback order -----------------------------------------------------------------------


def test_ordering_fallback_through_the_page(client, official, operator, low_quarters, warning):
    response = order(
        login(client, official),
        low_quarters.compound,
        warning=warning.pk,
        reason="连续两季度低于60分",
    )
    assert response.status_code == 302
    case = FallbackCase.objects.get(compound=low_quarters.compound)
    assert case.trigger == FallbackTrigger.BUREAU_ORDER and case.warning == warning
    assert case.operator == operator and case.opened_on == TODAY
    low_quarters.refresh_from_db()
    assert low_quarters.phase == EngagementPhase.ENDED


def _other_firms_warning(served):
    return WrittenWarning.objects.create(
        compound=served.compound,
        firm=FirmFactory(),
        text="给前一家企业的警告",
        issued_on=TODAY - timedelta(days=40),
    )


@pytest.mark.parametrize(
    "case, message",
    [
        ("no_reason", "请填写理由"),
        ("no_warning", "请先向"),
        ("warned_today", "次日起"),
        ("other_firm", "不是发给正在服务本小区的企业"),
        ("scores_not_low", "连续两个季度评分低于60分"),
        ("no_scores", "尚无两个季度的评价"),
    ],
)
def test_bad_orders_are_refused_and_nothing_changes(
    client, official, served, warning, case, message
):
    if case != "no_scores":
        evaluate(served, date(2026, 4, 1), "58.50")
        evaluate(served, date(2026, 7, 1), "62.00" if case == "scores_not_low" else "55.00")
    data = {"warning": warning.pk, "reason": "连续低分"}
    if case == "no_reason":
        data["reason"] = "  "
    elif case == "no_warning":
        data.pop("warning")
    elif case == "warned_today":
        WrittenWarning.objects.filter(pk=warning.pk).update(issued_on=TODAY)
    elif case == "other_firm":
        data["warning"] = _other_firms_warning(served).pk
    response = order(login(client, official), served.compound, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert_not_ordered(served)


def test_a_warning_of_another_compound_is_not_a_choice(
    client, official, low_quarters, other_compound
):
    stranger = WrittenWarning.objects.create(
        compound=other_compound, firm=low_quarters.firm, text="别处", issued_on=date(2026, 1, 5)
    )
    response = order(
        login(client, official), low_quarters.compound, warning=stranger.pk, reason="x"
    )
    assert response.status_code == 400
    assert_not_ordered(low_quarters)
