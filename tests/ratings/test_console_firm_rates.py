"""The bureau's dashboard panel of the three rates and latest evaluation per firm (issue
#8): figures worked out by hand on a fixture district, server-side sorting on every
column (``?sort=``, aria-sort headers), district isolation and refused roles."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from contracts.models import Engagement, EngagementKind, EngagementPhase
from market.console.selectors import district_dashboard
from ratings.console import FIRM_RATES_PANEL, FIRM_RATES_SORTS, firm_rates_panel
from ratings.models import Evaluation, HouseholdCode, RequestStatus, ServiceRequest
from tests.factories import (
    CommitteeMemberFactory,
    CompoundFactory,
    FirmFactory,
    FirmMemberFactory,
    OfficialFactory,
    StreetOfficeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)  # the rates window: 2026-02-20 to 2026-05-20 (90 days)
_codes = count()


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _serve(firm, compound, *, phase=EngagementPhase.LIVE):
    return Engagement.objects.create(
        compound=compound,
        kind=EngagementKind.CONTRACT,
        firm=firm,
        phase=phase,
        starts_on=date(2025, 10, 1),
        fee=Decimal("1.00"),
        area=Decimal("1000"),
    )


def _request(
    engagement, *, day=TODAY - timedelta(days=10), responded=None, status="open", satisfied=None
):
    """A request raised at 09:00 on ``day`` with a 24 h deadline; ``responded`` is "in
    time" (after 1 h), "late" (after 25 h) or None."""
    n = next(_codes)
    code = HouseholdCode.objects.create(
        compound=engagement.compound, household=f"1-1-{n}", code_hash=f"{n:064d}", hint="ABCD"
    )
    raised = _at(day)
    return ServiceRequest.objects.create(
        compound=engagement.compound,
        engagement=engagement,
        firm=engagement.firm,
        household_code=code,
        category="repairs",
        text="灯坏了",
        status=status,
        created_at=raised,
        respond_by=raised + timedelta(hours=24),
        responded_at=None
        if responded is None
        else raised + timedelta(hours=1 if responded == "in time" else 25),
        confirmed_at=None if satisfied is None else raised + timedelta(days=2),
        satisfied=satisfied,
    )


def _evaluate(engagement, *, start: date, score: str):
    return Evaluation.objects.create(
        engagement=engagement,
        compound=engagement.compound,
        firm=engagement.firm,
        period_start=start,
        period_end=date(start.year, start.month + 2, 28),
        score=Decimal(score),
        grade_earned=0,
        grade_contracted=2,
        created_on=TODAY,
    )


@pytest.fixture
def fixture_district(district, other_district, street_office, fee_schedule):
    """Firm A serves two compounds of the district, B one (no requests, never evaluated),
    C one; D served here once (ended: not listed). A also serves a compound of the other
    district, whose requests must not count here."""
    a = FirmFactory(name="A物业", credit_score=Decimal("88"), credit_grade="AAA")
    b = FirmFactory(name="B物业", credit_score=Decimal("72"), credit_grade="A")
    c = FirmFactory(name="C物业", credit_score=Decimal("81"), credit_grade="AA")
    d = FirmFactory(name="D物业")
    compounds = [CompoundFactory(street_office=street_office) for _ in range(5)]
    a1, a2 = _serve(a, compounds[0]), _serve(a, compounds[1])
    _serve(b, compounds[2])
    c1 = _serve(c, compounds[3])
    d1 = _serve(d, compounds[4], phase=EngagementPhase.ENDED)
    elsewhere = _serve(
        a, CompoundFactory(street_office=StreetOfficeFactory(district=other_district))
    )

    closed, resolved = RequestStatus.CLOSED, RequestStatus.RESOLVED
    # A, in the window: 6 requests; in time 3 (50.00%), resolved 4 (66.67%), confirmed 3
    # of which 1 satisfied (33.33%).
    _request(a1, responded="in time", status=closed, satisfied=True)
    _request(a1, responded="late", status=closed, satisfied=False)
    _request(a2, responded="in time", status=closed, satisfied=False)
    _request(a2, responded="in time", status=resolved)
    _request(a2, responded="late", status=RequestStatus.WORKING)
    _request(a1)
    # Not counted: raised before the window (TODAY − 90 days), or in the other district.
    _request(a1, day=TODAY - timedelta(days=90), responded="in time", status=closed, satisfied=True)
    _request(elsewhere, responded="in time", status=RequestStatus.RESPONDED)
    # C: 2 requests, both answered in time, none resolved: 100.00%, 0.00%, none confirmed.
    _request(c1, responded="in time", status=RequestStatus.RESPONDED)
    _request(c1, responded="in time", status=RequestStatus.RESPONDED)
    # D's old site: not serving any more.
    _request(d1, day=TODAY - timedelta(days=5), responded="in time", status=closed, satisfied=True)

    # Evaluations: A's latest quarter (2026 Q1) averages 80 and 90 = 85.00 → grade 3
    # (G3 from 80, G4 from 88); its 2025 Q4 score is older. C: 62.50 → grade 1.
    _evaluate(a1, start=date(2025, 10, 1), score="40")
    _evaluate(a1, start=date(2026, 1, 1), score="80")
    _evaluate(a2, start=date(2026, 1, 1), score="90")
    _evaluate(c1, start=date(2026, 1, 1), score="62.50")
    _evaluate(elsewhere, start=date(2026, 1, 1), score="99")
    return {"A": a, "B": b, "C": c, "D": d}


def _panel(district, user, sort=None):
    query = QueryDict(mutable=True)
    if sort is not None:
        query["sort"] = sort
    return firm_rates_panel(district=district, today=TODAY, user=user, query=query)


def _names(panel):
    return [row[0] for row in panel.rows]


def test_figures_match_hand_computed_values(fixture_district, district, official):
    panel = _panel(district, official)
    assert len(panel.columns) == len(FIRM_RATES_SORTS) == 8
    rows = {row[0]: row for row in panel.rows}
    assert set(rows) == {"A物业", "B物业", "C物业"}  # D no longer serves here
    a, b, c = rows["A物业"], rows["B物业"], rows["C物业"]
    assert a[1:5] == ["AAA", "50.00%", "66.67%", "33.33%"]
    assert "2026" in a[5] and "85.00" in a[5] and "2" in a[5]
    assert a[6] == "3 级" and a[7] == 2
    # No requests: neither 0% nor 100%.
    assert b[2:5] == ["无诉求", "无诉求", "无诉求"]
    assert "%" not in "".join(b[2:5])
    assert b[6] == "—" and b[7] == 1
    assert c[2:5] == ["100.00%", "0.00%", "暂无确认"]
    assert "62.50" in c[5] and c[6] == "1 级" and c[7] == 1
    assert "2026-02-20" in panel.help_text and "2026-05-20" in panel.help_text


SORTED = {
    "firm": ["A物业", "B物业", "C物业"],
    "-firm": ["C物业", "B物业", "A物业"],
    "credit": ["B物业", "C物业", "A物业"],
    "-credit": ["A物业", "C物业", "B物业"],
    "response": ["A物业", "C物业", "B物业"],  # B has no requests: last either way
    "-response": ["C物业", "A物业", "B物业"],
    "resolution": ["C物业", "A物业", "B物业"],
    "-resolution": ["A物业", "C物业", "B物业"],
    "satisfaction": ["A物业", "B物业", "C物业"],  # B, C: none confirmed, by name
    "-satisfaction": ["A物业", "B物业", "C物业"],
    "score": ["C物业", "A物业", "B物业"],
    "-score": ["A物业", "C物业", "B物业"],
    "grade": ["C物业", "A物业", "B物业"],
    "-grade": ["A物业", "C物业", "B物业"],
    "compounds": ["B物业", "C物业", "A物业"],  # ties by name
    "-compounds": ["A物业", "B物业", "C物业"],
}


@pytest.mark.parametrize("sort", list(SORTED))
def test_sorting_by_each_column(fixture_district, district, official, sort):
    panel = _panel(district, official, sort)
    assert _names(panel) == SORTED[sort]
    column = list(FIRM_RATES_SORTS).index(sort.lstrip("-"))
    url, aria = panel.sort_links[column]
    assert aria == ("descending" if sort.startswith("-") else "ascending")
    # Selecting the sorted column's header reverses the order.
    assert f"sort={'' if sort.startswith('-') else '-'}{sort.lstrip('-')}" in url.replace(
        "%2D", "-"
    )
    assert [aria for i, (_url, aria) in enumerate(panel.sort_links) if i != column] == [""] * 7


def test_every_column_is_sortable():
    assert set(FIRM_RATES_SORTS) == {s.lstrip("-") for s in SORTED}


@pytest.mark.parametrize("sort", ["", "bogus", "-", "name; DROP TABLE", "--firm"])
def test_unknown_sort_falls_back_to_the_default(fixture_district, district, official, sort):
    panel = _panel(district, official, sort)
    assert _names(panel) == SORTED["firm"]
    assert panel.sort_links[0][1] == "ascending"


def test_dashboard_page_sorts_without_javascript(fixture_district, district, official, client):
    client.force_login(official)
    url = reverse("district_detail", args=[district.code])
    page = client.get(url, {"sort": "-credit", "status": "seeking"})
    assert page.status_code == 200
    html = page.content.decode()
    section = html[html.index('id="panel-ratingsfirm_rates"') :]
    section = section[: section.index("</section>")]
    assert section.index("A物业") < section.index("C物业") < section.index("B物业")
    assert 'aria-sort="descending"' in section and section.count("aria-sort=") == 1
    # Header links keep the other parameters and come back to the panel.
    assert "status=seeking" in section and "#panel-ratingsfirm_rates" in section
    assert client.get(url, {"sort": "nonsense"}).status_code == 200
    dashboard = district_dashboard(district=district, today=TODAY, user=official)
    assert FIRM_RATES_PANEL in [p.name for p in dashboard.panels]


def test_other_district_sees_none_of_this_district(
    fixture_district, district, other_district, other_official, client
):
    assert _panel(district, other_official) is None
    panel = _panel(other_district, other_official)
    # Only A's site over there, with only that district's request and evaluation.
    assert _names(panel) == ["A物业"]
    row = panel.rows[0]
    assert row[2:5] == ["100.00%", "0.00%", "暂无确认"] and row[7] == 1
    assert "99.00" in row[5] and "85.00" not in row[5]
    client.force_login(other_official)
    html = client.get(reverse("district_detail", args=[other_district.code])).content.decode()
    assert "B物业" not in html and "C物业" not in html
    assert client.get(reverse("district_detail", args=[district.code])).status_code == 403


def test_non_officials_are_refused(fixture_district, district, compound, client):
    firm_user = FirmMemberFactory(firm=fixture_district["A"], role="admin").user
    committee = CommitteeMemberFactory(committee__compound=compound).user
    for user in (firm_user, committee, UserFactory()):
        assert _panel(district, user) is None
        client.force_login(user)
        response = client.get(reverse("district_detail", args=[district.code]))
        assert response.status_code in (302, 403)
        assert "A物业" not in response.content.decode()


def test_street_office_official_sees_the_district_table(fixture_district, district):
    street = StreetOfficeFactory(district=district, name="别的街道")
    user = OfficialFactory(district=district, street_office=street).user
    assert _names(_panel(district, user)) == SORTED["firm"]


def test_query_count_does_not_grow_with_requests(fixture_district, district, official):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _panel(district, official)  # the official's roles are loaded once, then kept
    with CaptureQueriesContext(connection) as first:
        _panel(district, official, "-response")
    engagement = Engagement.objects.filter(firm=fixture_district["B"]).get()
    for _ in range(20):
        _request(engagement, responded="in time", status=RequestStatus.RESPONDED)
    with CaptureQueriesContext(connection) as second:
        panel = _panel(district, official, "-response")
    # Served firms, firms, three rates, evaluations; the fee schedule and its grades.
    assert len(second) == len(first) == 6
    assert panel.rows[0][0] == "B物业" and panel.rows[0][2] == "100.00%"
