"""Fallback and handover in a browser (issue #6): a trial lapses with no successor; the
scheduler's daily run opens a fallback case; the bureau sees it; the outgoing trial firm
and the district's fallback operator confirm the handover checklist item by item; the
compound's public notice board then shows the fallback operator. Screenshots go to
test-results/e2e/."""

import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from contracts.daily import daily_run
from contracts.dates import term_last_day
from contracts.models import (
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackTrigger,
    Handover,
    HandoverItemKind,
    HandoverStatus,
    Trial,
    TrialStatus,
)
from contracts.services.fallback import fallback_designate
from contracts.services.trials import trial_accept, trial_request
from market.fee_defaults import DEFAULT_GRADES
from market.models import Compound, FeeGrade, FeeSchedule, FeeScheduleStatus, ManagementStatus
from tests.contracts.conftest import offer_terms
from tests.e2e.test_catalogue_journey import log_in
from tests.factories import (
    CommitteeMemberFactory,
    CompoundFactory,
    DistrictFactory,
    FirmFactory,
    FirmMemberFactory,
    OfferFactory,
    OfficialFactory,
    StreetOfficeFactory,
    give_totp,
)

pytestmark = pytest.mark.e2e

OPERATOR = "北京兴业国有物业管理有限公司"
FIRM_A = "北京枣园物业服务有限公司"
COMPOUND = "枣园小区"
# Each item of the checklist as the form's select offers it, in the order confirmed.
ITEMS = [kind for kind, _label in HandoverItemKind.choices]


def _lapsing_trial(compound, chair, firm_admin, offer, today: date) -> Trial:
    """A one-month trial, ACTIVE, whose last day was yesterday: requested and accepted
    (which starts it) on its first day, through the services, in the past."""
    yesterday = today - timedelta(days=1)
    first_day = next(
        day
        for day in (yesterday - timedelta(days=n) for n in range(27, 32))
        if term_last_day(day, months=1) == yesterday
    )
    trial = trial_request(
        actor=chair,
        compound=compound,
        offer=offer,
        starts_on=first_day,
        message="",
        today=first_day,
    )
    trial = trial_accept(actor=firm_admin, trial=trial, today=first_day)
    assert trial.status == TrialStatus.ACTIVE and trial.ends_on == yesterday
    return trial


def setting_the_scene(today: date):
    district = DistrictFactory(name="大兴区", code="110115")
    schedule = FeeSchedule.objects.create(
        district=district,
        version=1,
        enforcement="cap",
        effective_from=date(2020, 1, 1),
        status=FeeScheduleStatus.APPROVED,
    )
    for grade in DEFAULT_GRADES:
        FeeGrade.objects.create(schedule=schedule, **grade)
    official = OfficialFactory(district=district).user
    give_totp(official)
    operator = FirmFactory(name=OPERATOR, districts=[district])
    operator_admin = FirmMemberFactory(firm=operator, role="admin").user
    fallback_designate(
        actor=official,
        district=district,
        firm=operator,
        fee=Decimal("0.80"),
        today=today - timedelta(days=200),
    )
    firm_admin = FirmMemberFactory(
        role="admin", is_signer=True, firm__name=FIRM_A, firm__districts=[district]
    ).user
    firm = firm_admin.firm_memberships.get().firm
    compound = CompoundFactory(
        street_office=StreetOfficeFactory(district=district, name="兴丰街道"),
        name=COMPOUND,
        registered_on=today - timedelta(days=400),
    )
    chair = CommitteeMemberFactory(committee__compound=compound, role="chair").user
    offer = OfferFactory(
        firm=firm,
        title="枣园基础物业服务",
        grade=2,
        trial_months=1,
        trial_fee=Decimal("0.50"),
        terms=offer_terms(trial_months=1),
        districts=[district],
        scope=("cleaning", "order", "water"),
    )
    trial = _lapsing_trial(compound, chair, firm_admin, offer, today)
    return district, official, operator_admin, firm_admin, compound, trial


def facilities_png(folder) -> str:
    path = folder / "facilities.png"
    buffer = BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def confirm_items(page, *, outgoing: bool, photo: str):
    """Confirm every item for one side, through the form; each confirmation shows on the
    checklist (a ✓ with the date in that side's column)."""
    column = 2 if outgoing else 3
    for kind in ITEMS:
        form = page.locator("form[action$='/confirm/']")
        form.locator("select[name=kind]").select_option(kind)
        if outgoing and kind == HandoverItemKind.FACILITIES:
            form.locator("input[name=photos]").set_input_files(photo)
        if outgoing and kind == HandoverItemKind.FEES:
            form.locator("input[name=refund_amount]").fill("1234.50")
        form.get_by_role("button", name="确认", exact=True).click()
        row = page.locator("main table tbody tr").nth(ITEMS.index(kind))
        expect(row.locator("td").nth(column - 1)).to_contain_text("✓")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lapsed_trial_becomes_fallback_and_is_handed_over(
    live_server, browser, page, output_dir, settings
):
    settings.MFA_TOTP_TOLERANCE = 1
    today = timezone.localdate()  # the live server serves the real date
    yesterday = today - timedelta(days=1)
    district, official, operator_admin, firm_admin, compound, trial = setting_the_scene(today)
    base = live_server.url
    totp_used: set[str] = set()

    # 1. The scheduler's daily run: the trial ends with no successor; a fallback case
    # opens, and a handover from the trial firm to the operator, who waits for it.
    daily_run(today=today)
    case = FallbackCase.objects.get(compound=compound)
    assert case.trigger == FallbackTrigger.ENGAGEMENT_ENDED
    assert case.engagement.phase == EngagementPhase.UPCOMING
    handover = Handover.objects.get(compound=compound)
    assert handover.status == HandoverStatus.OPEN
    trial.refresh_from_db()
    assert trial.status == TrialStatus.ENDED
    assert trial.engagement.phase == EngagementPhase.LIVE  # serves until handed over

    # 2. The bureau sees the new case, from the district's contracts page.
    log_in(page, base, official.email, totp_used=totp_used)
    page.goto(base + f"/district/{district.code}/contracts/")
    page.get_by_role("link", name="国企兜底").click()
    page.wait_for_url(re.compile(rf"/district/{district.code}/fallback/$"))
    cases = page.locator("section.panel", has=page.get_by_role("heading", name="进行中的兜底案件"))
    row = cases.locator("tbody tr", has_text=COMPOUND)
    expect(row).to_contain_text("试用或合同终止且无接续")
    expect(row).to_contain_text(FIRM_A)
    expect(page.locator("main")).to_contain_text(OPERATOR)  # the designated operator
    page.screenshot(path=output_dir / "1-bureau-fallback.png", full_page=True)

    # 3. The trial firm finds the handover from its pages and confirms its side; until
    # the operator has confirmed too, the page says the trial firm still serves.
    photo = facilities_png(output_dir)
    log_in(page, base, firm_admin.email)
    page.goto(base + "/my/firm/engagements/")
    page.get_by_role("link", name="交接").click()
    page.wait_for_url(re.compile(r"/my/firm/handovers/$"))
    page.get_by_role("link", name=COMPOUND).click()
    page.wait_for_url(re.compile(rf"/handovers/{handover.pk}/$"))
    confirm_items(page, outgoing=True, photo=photo)
    notice = page.locator("header .notice")
    expect(notice).to_have_text(
        f"{FIRM_A}仍负责本小区的物业服务；交接清单全部确认之日起由{OPERATOR}接手。"
    )
    expect(page.locator("header .badge")).to_have_text("进行中")
    expect(page.locator("main")).to_contain_text("1234.50")
    page.screenshot(path=output_dir / "2-outgoing-confirmed.png", full_page=True)
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.OPEN and handover.refund_amount == Decimal("1234.50")
    assert handover.items.get(kind=HandoverItemKind.FACILITIES).photos.count() == 1
    compound.refresh_from_db()
    assert compound.management_status == ManagementStatus.TRIAL

    # Meanwhile the public notice board names the trial firm, which still serves: the
    # fallback operator is not yet in charge (DOMAIN "handover").
    visitor = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    board = visitor.new_page()
    board.set_default_timeout(15_000)
    board.goto(base + f"/compounds/{compound.pk}/notice/")
    expect(board.locator("dl.facts")).to_contain_text(f"{FIRM_A}（试用）")
    expect(board.locator("main")).not_to_contain_text(f"本小区由国企兜底企业{OPERATOR}")
    expect(board.locator("main")).to_contain_text("本小区正在重新选聘物业")
    expect(board.locator("dl.facts")).not_to_contain_text("电梯")  # not the fallback's scope
    board.screenshot(path=output_dir / "2-notice-board-during-handover.png", full_page=True)

    # 4. The fallback operator confirms every item; the handover completes.
    log_in(page, base, operator_admin.email)
    page.goto(base + "/my/firm/handovers/")
    page.get_by_role("link", name=COMPOUND).click()
    page.wait_for_url(re.compile(rf"/handovers/{handover.pk}/$"))
    confirm_items(page, outgoing=False, photo=photo)
    expect(page.locator("header .badge")).to_have_text("已完成")
    expect(page.locator("header .notice")).to_have_count(0)
    expect(page.locator("form[action$='/confirm/']")).to_have_count(0)
    page.screenshot(path=output_dir / "3-handover-completed.png", full_page=True)

    # 5. Anyone opens the compound's notice board: the fallback operator serves, and a
    # selection round is open.
    board.goto(base + f"/compounds/{compound.pk}/notice/")
    facts = board.locator("dl.facts")
    expect(facts).to_contain_text(f"{OPERATOR}（国企兜底）")
    expect(facts).not_to_contain_text(FIRM_A)
    expect(board.locator("main")).to_contain_text(f"本小区由国企兜底企业{OPERATOR}提供基本服务")
    expect(board.locator("main")).to_contain_text("本小区正在重新选聘物业")
    board.screenshot(path=output_dir / "4-notice-board.png", full_page=True)
    board.set_viewport_size({"width": 390, "height": 844})
    board.screenshot(path=output_dir / "4-notice-board-phone.png", full_page=True)
    visitor.close()

    # The record: the trial firm's last day is the day before the handover completed;
    # the fallback operator serves from that day, for 6 months at most.
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.COMPLETED and handover.completed_on == today
    trial.engagement.refresh_from_db()
    assert trial.engagement.phase == EngagementPhase.ENDED
    assert trial.engagement.ended_on == yesterday
    case.refresh_from_db()
    fallback = case.engagement
    assert fallback.kind == EngagementKind.FALLBACK and fallback.phase == EngagementPhase.LIVE
    assert fallback.starts_on == today and case.opened_on == today
    assert fallback.firm.name == OPERATOR
    compound = Compound.objects.get(pk=compound.pk)
    assert compound.management_status == ManagementStatus.FALLBACK
