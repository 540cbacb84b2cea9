"""What contracts and payments put in the bureau's console (issue #8): dashboard panels,
downloads and the contracts waiting to be filed. Figures are checked against values
worked out by hand on a fixture district; the same world built in the other district
must count nowhere here, and a district-2 official sees none of district 1's data."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from contracts.console import (
    contracts_awaiting_filing,
    contracts_filing_overdue_panel,
    contracts_to_renew_panel,
    fallback_cases_panel,
    handovers_past_deadline_panel,
    trials_ending_panel,
)
from contracts.models import (
    Contract,
    ContractAmendment,
    Engagement,
    FallbackCase,
    FallbackDesignation,
    Handover,
    Trial,
    Vote,
)
from contracts.payments.console import arrears_panel
from contracts.payments.models import Invoice
from market.console.selectors import approvals_inbox, district_dashboard
from tests.factories import (
    CommitteeFactory,
    CompoundFactory,
    FirmFactory,
    OfferFactory,
    OfficialFactory,
    StreetOfficeFactory,
)
from tests.market.console.conftest import read_csv, read_xlsx

TODAY = date(2026, 3, 2)


def _compound(office, name):
    compound = CompoundFactory(street_office=office, name=name)
    CommitteeFactory(compound=compound)
    return compound


def _trial(compound, firm, *, ends_on, status="active"):
    return Trial.objects.create(
        compound=compound,
        committee=compound.committees.get(),
        offer=OfferFactory(firm=firm),
        firm=firm,
        status=status,
        starts_on=ends_on - timedelta(days=59),
        ends_on=ends_on,
        months=2,
        fee=Decimal("0.50"),
        area=Decimal("10000.00"),
    )


def _contract(compound, firm, number, *, ends_on, status="active", signed_on=None, filed_on=None):
    trial = _trial(compound, firm, ends_on=TODAY - timedelta(days=400), status="ended")
    vote = Vote.objects.create(
        compound=compound,
        committee=trial.committee,
        kind="hire",
        firm=firm,
        trial=trial,
        status="passed",
        notice_on=TODAY - timedelta(days=420),
        vote_on=TODAY - timedelta(days=401),
        register_owners=320,
        register_area=Decimal("25600.00"),
        participating_owners=320,
        participating_area=Decimal("25600.00"),
        approving_owners=320,
        approving_area=Decimal("25600.00"),
    )
    signed_on = signed_on or TODAY - timedelta(days=390)
    return Contract.objects.create(
        number=number,
        compound=compound,
        committee=trial.committee,
        firm=firm,
        vote=vote,
        trial=trial,
        status=status,
        grade=2,
        fee=Decimal("1.20"),
        area=Decimal("10000.00"),
        monthly_amount=Decimal("12000.00"),
        collection_method="monthly",
        term_years=1,
        starts_on=ends_on - timedelta(days=364),
        ends_on=ends_on,
        document=b"%PDF",
        document_sha256="a" * 64,
        signed_on=signed_on,
        signed_at=timezone.make_aware(datetime.combine(signed_on, datetime.min.time())),
        filed_on=filed_on,
    )


def _engagement(compound, firm, *, kind, phase="live", starts_on, ends_on=None):
    return Engagement.objects.create(
        compound=compound,
        firm=firm,
        kind=kind,
        phase=phase,
        starts_on=starts_on,
        ends_on=ends_on,
        ended_on=ends_on if phase == "ended" else None,
        fee=Decimal("1.00"),
        area=Decimal("10000.00"),
    )


def _invoice(engagement, month, amount, status="open"):
    return Invoice.objects.create(
        engagement=engagement,
        period_start=month,
        served_from=month,
        served_to=month + timedelta(days=27),
        amount=Decimal(amount),
        status=status,
        issued_on=month,
        paid_at=timezone.now() if status == "paid" else None,
    )


def build_world(district, prefix):
    """One district's trials, contracts, fallback cases, handovers and invoices, each
    named with ``prefix``; TODAY is 2026-03-02."""
    office = StreetOfficeFactory(district=district, name=f"{prefix}街道")
    firm = FirmFactory(districts=[district], name=f"{prefix}物业")
    operator = FirmFactory(districts=[district], name=f"{prefix}国有物业")
    names = {}

    # Trials: ending today (0 days left), in 30 days (the last day shown), in 31 days
    # (not shown); an accepted one ending in 10 days (not running: not shown).
    _trial(_compound(office, f"{prefix}试用今天"), firm, ends_on=TODAY)
    _trial(_compound(office, f"{prefix}试用三十天"), firm, ends_on=TODAY + timedelta(days=30))
    _trial(_compound(office, f"{prefix}试用三十一天"), firm, ends_on=TODAY + timedelta(days=31))
    _trial(
        _compound(office, f"{prefix}已接受"),
        firm,
        ends_on=TODAY + timedelta(days=10),
        status="accepted",
    )

    # Contracts: ending 2026-09-02 (6 months: in the window), 2026-09-03 (outside), an
    # ended one (not in force), one signed 16 days ago and not filed (1 day overdue), one
    # signed 15 days ago (due today: not overdue), one signed long ago and filed.
    renew = _contract(
        _compound(office, f"{prefix}续约"),
        firm,
        f"{prefix}-C1",
        ends_on=date(2026, 9, 2),
        filed_on=TODAY - timedelta(days=380),
    )
    ContractAmendment.objects.create(
        contract=renew,
        status="approved",
        fee=Decimal("1.10"),
        effective_on=date(2026, 1, 1),
        reason="季度评估",
    )
    _contract(
        _compound(office, f"{prefix}不续"),
        firm,
        f"{prefix}-C2",
        ends_on=date(2026, 9, 3),
        filed_on=TODAY - timedelta(days=380),
    )
    _contract(
        _compound(office, f"{prefix}已结束"),
        firm,
        f"{prefix}-C3",
        ends_on=TODAY - timedelta(days=10),
        status="ended",
        filed_on=TODAY - timedelta(days=380),
    )
    unfiled = _contract(
        _compound(office, f"{prefix}未备案"),
        firm,
        f"{prefix}-C4",
        ends_on=date(2027, 3, 31),
        status="signed",
        signed_on=TODAY - timedelta(days=16),
    )
    _contract(
        _compound(office, f"{prefix}待备案"),
        firm,
        f"{prefix}-C5",
        ends_on=date(2027, 3, 31),
        status="signed",
        signed_on=TODAY - timedelta(days=15),
    )
    names["unfiled"] = unfiled

    # Fallback: two open cases (term ends in 20 and 150 days), one closed.
    designation = FallbackDesignation.objects.create(
        district=district, firm=operator, fee=Decimal("0.80"), designated_on=date(2025, 1, 1)
    )
    for name, opened_on, status in (
        (f"{prefix}兜底甲", TODAY - timedelta(days=160), "open"),
        (f"{prefix}兜底乙", TODAY - timedelta(days=30), "open"),
        (f"{prefix}兜底已关", TODAY - timedelta(days=300), "closed"),
    ):
        compound = _compound(office, name)
        planned_end_on = opened_on + timedelta(days=179)
        FallbackCase.objects.create(
            compound=compound,
            district=district,
            designation=designation,
            operator=operator,
            trigger="no_operator",
            engagement=_engagement(
                compound,
                operator,
                kind="fallback",
                phase="live" if status == "open" else "ended",
                starts_on=opened_on,
                ends_on=planned_end_on,
            ),
            status=status,
            opened_on=opened_on,
            planned_end_on=planned_end_on,
        )

    # Handovers: one due yesterday and open (1 day overdue), one refused and due 5 days
    # ago, one due today (not past), one completed late (not listed).
    for name, due_on, status in (
        (f"{prefix}交接逾期", TODAY - timedelta(days=1), "open"),
        (f"{prefix}交接拒绝", TODAY - timedelta(days=5), "refused"),
        (f"{prefix}交接今天", TODAY, "open"),
        (f"{prefix}交接完成", TODAY - timedelta(days=9), "completed"),
    ):
        compound = _compound(office, name)
        Handover.objects.create(
            compound=compound,
            outgoing_engagement=_engagement(
                compound,
                firm,
                kind="contract",
                phase="ended",
                starts_on=due_on - timedelta(days=400),
                ends_on=due_on - timedelta(days=30),
            ),
            outgoing_firm=firm,
            incoming_firm=operator,
            status=status,
            opened_on=due_on - timedelta(days=30),
            due_on=due_on,
        )

    # Invoices: compound A owes 2 months (12000.00 + 8000.50), compound B one month
    # (15000.00); paid and void invoices owe nothing.
    owing_a = _compound(office, f"{prefix}欠费甲")
    owing_b = _compound(office, f"{prefix}欠费乙")
    paid_up = _compound(office, f"{prefix}已缴清")
    start = date(2026, 1, 1)
    a = _engagement(owing_a, firm, kind="contract", starts_on=start, ends_on=date(2026, 12, 31))
    b = _engagement(owing_b, firm, kind="contract", starts_on=start, ends_on=date(2026, 12, 31))
    c = _engagement(paid_up, firm, kind="contract", starts_on=start, ends_on=date(2026, 12, 31))
    _invoice(a, date(2026, 1, 1), "12000.00")
    _invoice(a, date(2026, 2, 1), "8000.50")
    _invoice(a, date(2026, 3, 1), "12000.00", status="paid")
    _invoice(b, date(2026, 3, 1), "15000.00")
    _invoice(b, date(2026, 2, 1), "15000.00", status="void")
    _invoice(c, date(2026, 2, 1), "9000.00", status="paid")
    return names


@pytest.fixture
def world(district, other_district):
    mine = build_world(district, "本区")
    build_world(other_district, "外区")
    return mine


def cells(panel) -> list[list[str]]:
    """The panel's rows as the text a reader sees (links stripped)."""
    return [[strip_tags(str(cell)) for cell in row] for row in panel.rows]


# --- Figures ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_trials_ending_in_the_next_30_days(world, district, official):
    panel = trials_ending_panel(district=district, today=TODAY, user=official)

    assert cells(panel) == [
        ["本区试用今天", "本区物业", "2026-03-02", "0"],
        ["本区试用三十天", "本区物业", "2026-04-01", "30"],
    ]


@pytest.mark.django_db
def test_contracts_to_renew_are_those_ending_within_six_months(world, district, official):
    panel = contracts_to_renew_panel(district=district, today=TODAY, user=official)

    # 2026-03-02 + 6 months = 2026-09-02: 184 days.
    assert cells(panel) == [["本区-C1", "本区续约", "本区物业", "2026-09-02", "184", ""]]


@pytest.mark.django_db
def test_contracts_not_filed_within_15_days(world, district, official):
    panel = contracts_filing_overdue_panel(district=district, today=TODAY, user=official)

    # Signed 2026-02-14, due by 2026-03-01, one day overdue; C5 is due today.
    assert cells(panel) == [["本区-C4", "本区未备案", "本区物业", "2026-02-14", "2026-03-01", "1"]]


@pytest.mark.django_db
def test_open_fallback_cases_with_days_left_of_the_term(world, district, official):
    panel = fallback_cases_panel(district=district, today=TODAY, user=official)

    # Opened 160 and 30 days ago, 180-day terms: 19 and 149 days left.
    assert [(row[0], row[1], row[4], row[5]) for row in cells(panel)] == [
        ("本区兜底甲", "本区国有物业", "2026-03-21", "19"),
        ("本区兜底乙", "本区国有物业", "2026-07-29", "149"),
    ]


@pytest.mark.django_db
def test_handovers_past_their_deadline(world, district, official):
    panel = handovers_past_deadline_panel(district=district, today=TODAY, user=official)

    assert [(row[0], row[3], row[4]) for row in cells(panel)] == [
        ("本区交接拒绝", "2026-02-25", "5"),
        ("本区交接逾期", "2026-03-01", "1"),
    ]


@pytest.mark.django_db
def test_arrears_per_compound_with_a_total_and_a_chart(world, district, official):
    panel = arrears_panel(district=district, today=TODAY, user=official)

    assert cells(panel) == [
        ["本区欠费甲", "本区街道", "2", "20000.50", "2026-01"],
        ["本区欠费乙", "本区街道", "1", "15000.00", "2026-03"],
    ]
    assert [str(cell) for cell in panel.footer] == ["合计", "", "3", "35000.50", ""]
    assert panel.chart["labels"] == ["本区欠费甲", "本区欠费乙"]
    assert panel.chart["values"] == [20000.5, 15000.0]


@pytest.mark.django_db
def test_the_dashboard_includes_each_panel_once(world, district, official):
    dashboard = district_dashboard(district=district, today=TODAY, user=official)

    names = [panel.name for panel in dashboard.panels]
    for name in (
        "contracts.trials_ending",
        "contracts.to_renew",
        "contracts.filing_overdue",
        "contracts.fallback_cases",
        "contracts.handovers_past_deadline",
        "payments.arrears",
    ):
        assert names.count(name) == 1


@pytest.mark.django_db
def test_a_street_office_sees_contract_panels_but_not_fallback_or_arrears(
    world, district, street_office
):
    clerk = OfficialFactory(district=district, street_office=street_office).user
    dashboard = district_dashboard(district=district, today=TODAY, user=clerk)

    names = {panel.name for panel in dashboard.panels}
    assert "contracts.trials_ending" in names
    assert not names & {
        "contracts.fallback_cases",
        "contracts.handovers_past_deadline",
        "payments.arrears",
    }


# --- The other district sees nothing of this one ---------------------------------------


@pytest.mark.django_db
def test_a_district_2_official_sees_none_of_district_1_in_panels(
    world, other_district, other_official
):
    dashboard = district_dashboard(district=other_district, today=TODAY, user=other_official)

    text = repr([cells(panel) for panel in dashboard.panels])
    assert "外区" in text
    assert "本区" not in text
    # Each panel holds exactly the other district's own copy of the world.
    counts = {panel.name: len(panel.rows) for panel in dashboard.panels}
    assert counts["contracts.trials_ending"] == 2
    assert counts["contracts.fallback_cases"] == 2
    assert counts["payments.arrears"] == 2


@pytest.mark.django_db
def test_panels_of_another_district_are_refused(world, district, other_official):
    """Asked for district 1's panels, district 2's official gets none of them."""
    for panel_function in (
        trials_ending_panel,
        contracts_to_renew_panel,
        contracts_filing_overdue_panel,
        fallback_cases_panel,
        handovers_past_deadline_panel,
        arrears_panel,
    ):
        assert panel_function(district=district, today=TODAY, user=other_official) is None
    assert contracts_awaiting_filing(district=district, user=other_official) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["contracts", "invoices", "arrears"])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_district_2_official_downloads_none_of_district_1(
    client, world, district, other_district, other_official, name, kind
):
    client.force_login(other_official)
    assert (
        client.get(reverse("console_export", args=[district.code, name, kind])).status_code == 403
    )
    response = client.get(reverse("console_export", args=[other_district.code, name, kind]))
    assert response.status_code == 200
    rows = read_xlsx(response.content) if kind == "xlsx" else read_csv(response.content)
    text = repr(rows[1:])
    assert "外区" in text and "本区" not in text


# --- Page, downloads and inbox -----------------------------------------------------------


@pytest.mark.django_db
def test_the_district_home_shows_the_panels_and_the_arrears_chart(client, world, official):
    client.force_login(official)
    response = client.get(reverse("district_home"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "本区试用今天" in text and "本区-C4" in text and "本区兜底甲" in text
    assert "外区" not in text
    # The arrears chart, and its table kept for screen readers.
    assert 'data-chart="panel"' in text and 'id="panel-chart-paymentsarrears"' in text
    assert "35000.50" in text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_contracts_download(client, world, district, official, kind):
    client.force_login(official)
    response = client.get(reverse("console_export", args=[district.code, "contracts", kind]))

    rows = read_xlsx(response.content) if kind == "xlsx" else read_csv(response.content)
    header, *body = rows
    assert header[:8] == [
        "合同编号",
        "小区",
        "街道办事处",
        "企业",
        "统一社会信用代码",
        "服务等级",
        "物业费（元/㎡·月）",
        "当前物业费（元/㎡·月）",
    ]
    by_number = {row[0]: row for row in body}
    assert sorted(by_number) == ["本区-C1", "本区-C2", "本区-C3", "本区-C4", "本区-C5"]
    renew = by_number["本区-C1"]
    # grade, fee, fee in force (the approved amendment)
    assert [Decimal(str(cell)) for cell in renew[5:8]] == [2, Decimal("1.20"), Decimal("1.10")]
    assert str(renew[10]) == "1"  # term (years)
    assert str(renew[12])[:10] == "2026-09-02"
    assert renew[13] == "现行"
    assert str(renew[15])[:10] == "2025-02-15"  # filed on
    assert (by_number["本区-C4"] + [None] * 16)[15] in ("", None)  # not filed


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_invoices_and_arrears_downloads(client, world, district, official, kind):
    client.force_login(official)
    url = reverse("console_export", args=[district.code, "invoices", kind])
    header, *body = (read_xlsx if kind == "xlsx" else read_csv)(client.get(url).content)

    assert len(body) == 6
    assert sorted((row[2], row[1], Decimal(str(row[8])), row[10]) for row in body) == [
        ("本区已缴清", "2026-02", Decimal("9000"), "已支付"),
        ("本区欠费乙", "2026-02", Decimal("15000"), "已作废"),
        ("本区欠费乙", "2026-03", Decimal("15000"), "待支付"),
        ("本区欠费甲", "2026-01", Decimal("12000"), "待支付"),
        ("本区欠费甲", "2026-02", Decimal("8000.50"), "待支付"),
        ("本区欠费甲", "2026-03", Decimal("12000"), "已支付"),
    ]
    url = reverse("console_export", args=[district.code, "arrears", kind])
    header, *body = (read_xlsx if kind == "xlsx" else read_csv)(client.get(url).content)
    assert [(r[0], r[1], int(r[2]), Decimal(str(r[3])), r[4]) for r in body] == [
        ("本区欠费甲", "本区街道", 2, Decimal("20000.50"), "2026-01"),
        ("本区欠费乙", "本区街道", 1, Decimal("15000.00"), "2026-03"),
    ]


@pytest.mark.django_db
def test_contracts_waiting_to_be_filed_are_in_the_inbox(client, world, district, official):
    group = next(
        g
        for g in approvals_inbox(district=district, user=official)
        if g.name == "contracts.awaiting_filing"
    )

    assert [item.title for item in group.items] == ["本区-C4 · 本区未备案", "本区-C5 · 本区待备案"]
    unfiled = world["unfiled"]
    assert group.items[0].url == reverse("contract_detail", args=[unfiled.pk])
    assert "2026-03-01" in group.items[0].detail


@pytest.mark.django_db
def test_a_district_2_official_sees_none_of_district_1_in_the_inbox(
    client, world, other_district, other_official
):
    client.force_login(other_official)
    response = client.get(reverse("console_approvals", args=[other_district.code]))

    text = response.content.decode()
    assert "外区-C4" in text and "本区" not in text
