"""The bureau's console (issue #8) in a browser: an official logs in with TOTP, sees the
dashboard's charts drawn, approves an offer from the approvals inbox, imports a small
spreadsheet (check → confirm) and downloads an export."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cms.services import firm_page_ensure
from market.models import Compound, CoverageSnapshot, FirmStatus, Offer
from tests.e2e.test_catalogue_journey import log_in
from tests.factories import (
    CompoundFactory,
    DistrictFactory,
    FirmFactory,
    FirmMemberFactory,
    OfficialFactory,
    StreetOfficeFactory,
    give_totp,
)

pytestmark = pytest.mark.e2e

HEADER = ["小区名称", "街道办事处", "地址", "楼栋数", "业主人数", "专有部分面积（㎡）", "户数"]
HEADER += ["建成年份", "业主组织类型"]


def setting_the_scene():
    from cms.models import OfferPage
    from tests.cms.conftest import approved_schedule

    district = DistrictFactory(name="大兴区", code="110115")
    office = StreetOfficeFactory(district=district, name="兴丰街道")
    StreetOfficeFactory(district=district, name="清源街道")
    approved_schedule(district)
    today = timezone.localdate()
    for name, status, days in [
        ("枣园小区", "contracted", 200),
        ("康庄小区", "trial", 80),
        ("兴盛小区", "fallback", 60),
        ("车站北里", "seeking", 12),
        ("三合南里", "seeking", 33),
    ]:
        CompoundFactory(
            street_office=office,
            name=name,
            management_status=status,
            registered_on=today - timedelta(days=days),
        )
    for days_ago in range(14, 0, -1):
        CoverageSnapshot.objects.create(
            district=district,
            date=today - timedelta(days=days_ago),
            registered=5,
            served=2 + (days_ago < 7),
        )
    official = OfficialFactory(district=district).user
    give_totp(official)
    firm = FirmFactory(
        name="北京兴大物业管理有限公司",
        registered_district=district,
        districts=[district],
        status=FirmStatus.APPROVED,
    )
    firm_page = firm_page_ensure(firm=firm)
    staff = FirmMemberFactory(firm=firm, role="admin").user
    firm_page_ensure(firm=firm)
    offer = OfferPage(
        title="老旧小区标准物业服务",
        slug="standard",
        live=False,
        summary="保洁、秩序维护、维修。",
        grade=2,
        cleaning=True,
        order=True,
        fee=Decimal("0.98"),
        trial_months=3,
        trial_fee=Decimal("0.50"),
    )
    firm_page.add_child(instance=offer)
    offer.districts.set([district])
    offer.save_revision(user=staff)
    offer.get_workflow().start(offer, staff)
    return district, official, offer


def small_list(folder) -> str:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["西里一区", "兴丰街道", "西里路1号", 4, 120, 9800.5, 128, 1989, "物管会"])
    sheet.append(["西里二区", "清源街道", "西里路2号", 6, 210, 15020, 220, 1992, ""])
    sheet.append(["西里三区", "清源街道", "西里路3号", 2, 60, 4100.25, 64, 1985, "业委会"])
    path = folder / "西里名单.xlsx"
    workbook.save(path)
    return str(path)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_official_uses_the_console(live_server, page, output_dir, settings):
    settings.MFA_TOTP_TOLERANCE = 1
    district, official, offer = setting_the_scene()
    base = live_server.url

    # 1. Log in with TOTP; the dashboard draws its charts (ECharts, served from static/).
    log_in(page, base, official.email, totp_used=set())
    page.goto(base + f"/district/{district.code}/")
    page.locator(".chart-figure.chart-ready .chart svg").first.wait_for()
    assert page.locator(".chart-figure.chart-ready").count() == 2
    assert "已逾期 3 天" in page.locator("main").inner_text()
    page.screenshot(path=output_dir / "1-dashboard.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=output_dir / "1-dashboard-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # 2. The approvals inbox lists the offer; it opens in the editor, which approves it.
    page.get_by_role("link", name=re.compile("待审批事项")).click()
    page.wait_for_url(re.compile(r"/approvals/"))
    page.screenshot(path=output_dir / "2-inbox.png", full_page=True)
    page.get_by_role("link", name="老旧小区标准物业服务").click()
    page.wait_for_url(re.compile(rf"/admin/pages/{offer.pk}/edit/"))
    page.locator(".w-dropdown-button [data-w-dropdown-target=toggle]").click()
    page.locator(
        "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    ).click()
    page.wait_for_url(lambda url: "/edit/" not in url)
    offer.refresh_from_db()
    assert offer.live
    assert Offer.objects.filter(page_id=offer.pk, status="live").exists()
    page.goto(base + f"/district/{district.code}/approvals/")
    assert "老旧小区标准物业服务" not in page.locator("main").inner_text()

    # 3. Import a small spreadsheet: every row is checked, then confirmed.
    page.goto(base + f"/district/{district.code}/import/")
    page.locator("input[name=file]").set_input_files(small_list(output_dir))
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url(re.compile(r"/import/\d+/"))
    main = page.locator("main").inner_text()
    assert "新增小区 3 个" in main and "西里三区" in main
    assert not Compound.objects.filter(name__startswith="西里").exists()
    page.screenshot(path=output_dir / "3-preview.png", full_page=True)
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_load_state()
    assert "已将 3 个小区登记入册" in page.locator("main").inner_text()
    assert (
        Compound.objects.filter(name__startswith="西里", management_status="seeking").count() == 3
    )
    page.screenshot(path=output_dir / "3-imported.png", full_page=True)

    # 4. Download the compound list as .xlsx.
    page.goto(base + f"/district/{district.code}/export/")
    with page.expect_download() as download_info:
        page.locator("a[href$='/export/compounds.xlsx']").click()
    download = download_info.value
    content = open(download.path(), "rb").read()
    rows = list(
        load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[0][0] == "小区名称"
    assert {row[0] for row in rows[1:]} >= {"西里一区", "西里二区", "西里三区", "枣园小区"}
    assert download.suggested_filename.endswith(".xlsx")

    # 5. The audit trail shows the import, compound by compound.
    page.goto(base + f"/district/{district.code}/audit/?action=compound.registered")
    assert page.locator("main tbody tr").count() == 3
    assert "西里二区" in page.locator("main").inner_text()
    page.screenshot(path=output_dir / "5-audit.png", full_page=True)
