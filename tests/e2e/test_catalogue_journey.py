"""The catalogue journey (issue #3): a firm admin applies, the district bureau approves the
firm, the firm publishes an offer, the bureau approves it, and a committee member finds it
by a Chinese search and compares it with another offer."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.utils import timezone
from PIL import Image

from cms.services import firm_page_ensure
from market.models import (
    EnforcementMode,
    FeeGrade,
    FeeSchedule,
    FeeScheduleStatus,
    Firm,
    FirmStatus,
    Offer,
)
from tests.factories import (
    PASSWORD,
    CommitteeMemberFactory,
    CompoundFactory,
    DistrictFactory,
    FirmFactory,
    OfficialFactory,
    StreetOfficeFactory,
    UserFactory,
    give_totp,
)

pytestmark = pytest.mark.e2e

TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # what give_totp stores
CREDIT_CODE = "91110115MA01ABCD1J"
BANDS = [
    (1, "0.50", "0.80", 60),
    (2, "0.80", "1.20", 70),
    (3, "1.20", "1.80", 80),
    (4, "1.80", "2.50", 88),
    (5, "2.50", "3.50", 94),
]


def totp_code(used: set[str]) -> str:
    """A code allauth accepts now and has not seen yet (it refuses a code used twice);
    the test sets a tolerance of one period, as an authenticator app's clock may drift."""
    counters = sorted(yield_hotp_counters_from_time())
    for counter in counters[1:] + counters[:1]:
        code = format_hotp_value(hotp_value(TOTP_SECRET, counter))
        if code not in used:
            used.add(code)
            return code
    raise AssertionError("no unused TOTP code in the tolerance window")


def licence_png(folder) -> str:
    path = folder / "licence.png"
    buffer = BytesIO()
    Image.new("RGB", (600, 400), "white").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def log_in(page, base, email, *, totp_used=None):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    if totp_used is not None:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.locator("input[name=code]").fill(totp_code(totp_used))
        page.locator("main form button[type=submit]:not([form])").click()
    page.wait_for_load_state()


def setting_the_scene():
    district = DistrictFactory(name="大兴区", code="110115")
    street = StreetOfficeFactory(district=district, name="兴丰街道")
    schedule = FeeSchedule.objects.create(
        district=district,
        version=1,
        enforcement=EnforcementMode.CAP,
        effective_from=timezone.localdate().replace(day=1),
        status=FeeScheduleStatus.APPROVED,
        approved_at=timezone.now(),
    )
    for grade, low, high, score in BANDS:
        FeeGrade.objects.create(
            schedule=schedule,
            grade=grade,
            name=f"{grade}级",
            fee_min=Decimal(low),
            fee_max=Decimal(high),
            min_score=score,
            standard=[{"item": "cleaning", "standard": "每日清扫"}],
        )
    official = OfficialFactory(district=district).user
    give_totp(official)
    chair = CommitteeMemberFactory(
        committee__compound=CompoundFactory(street_office=street, name="枣园小区"), role="chair"
    ).user
    applicant = UserFactory(email="zhao@xingda.example", full_name="赵德胜")
    # Another firm already in the catalogue, to compare with.
    rival = FirmFactory(
        name="北京康庄物业服务有限公司",
        registered_district=district,
        districts=[district],
        status=FirmStatus.APPROVED,
    )
    rival_page = firm_page_ensure(firm=rival)
    from cms.models import OfferPage

    offer = OfferPage(
        title="小型老旧小区托管服务",
        slug="small",
        summary="保洁、秩序维护、维修。",
        grade=1,
        cleaning=True,
        order=True,
        repairs=True,
        fee=Decimal("0.72"),
        trial_months=2,
        trial_fee=Decimal("0.30"),
    )
    rival_page.add_child(instance=offer)
    offer.districts.set([district])
    offer.save_revision().publish()
    return district, official, chair, applicant


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_from_application_to_a_compared_offer(live_server, page, output_dir, settings):
    settings.MFA_TOTP_TOLERANCE = 1
    totp_used: set[str] = set()
    district, official, chair, applicant = setting_the_scene()
    base = live_server.url

    # 1. The firm admin applies with its credit code and licence scan.
    log_in(page, base, applicant.email)
    page.goto(base + "/firms/apply/")
    page.get_by_label("企业名称（与营业执照一致）").fill("北京兴大物业管理有限公司")
    page.get_by_label("统一社会信用代码").fill(CREDIT_CODE)
    page.get_by_label("法定代表人").fill("赵德胜")
    page.get_by_label("注册地址").fill("大兴区兴华大街二段33号")
    page.locator("#id_contact_name").fill("周建国")
    page.get_by_label("联系电话").fill("010-69241577")
    page.get_by_label("联系邮箱").fill("office@xingda.example")
    page.get_by_label("北京市大兴区").first.check()
    page.locator("select[name=registered_district]").select_option(str(district.pk))
    page.locator("input[name=licence]").set_input_files(licence_png(output_dir))
    page.screenshot(path=output_dir / "1-apply.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my/firm/"))
    firm = Firm.objects.get(credit_code=CREDIT_CODE)
    assert firm.status == FirmStatus.APPLIED

    # 2. The bureau official (with TOTP) approves the firm.
    log_in(page, base, official.email, totp_used=totp_used)
    page.goto(base + f"/district/{district.code}/firms/")
    page.get_by_role("link", name="北京兴大物业管理有限公司").click()
    page.screenshot(path=output_dir / "2-vetting.png", full_page=True)
    page.get_by_role("button", name="批准", exact=True).click()
    page.wait_for_load_state()
    firm.refresh_from_db()
    assert firm.status == FirmStatus.APPROVED

    # 3. The firm writes an offer in the back office and submits it to the bureau.
    from cms.models import FirmPage, OfferPage

    firm_page = FirmPage.objects.get(firm=firm)
    log_in(page, base, applicant.email)
    page.goto(base + f"/admin/pages/add/cms/offerpage/{firm_page.pk}/")
    page.locator("#id_title").fill("老旧小区标准物业服务")
    page.locator("#id_summary").fill("专业保洁服务，垃圾日产日清；24小时门岗，急修2小时到场。")
    page.locator("#id_grade").select_option("2")
    for item in ("cleaning", "order", "repairs"):
        page.locator(f"#id_{item}").check()
    page.locator("#id_fee").fill("0.98")
    page.locator("#id_trial_months").select_option("3")
    page.locator("#id_trial_fee").fill("0.50")
    page.locator("[name=districts]").first.check() if page.locator(
        "input[type=checkbox][name=districts]"
    ).count() else page.locator("select[name=districts]").select_option(str(district.pk))
    page.locator(".w-dropdown-button [data-w-dropdown-target=toggle]").click()
    page.locator("[name=action-submit]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    offer_page = OfferPage.objects.get(title="老旧小区标准物业服务")
    assert not offer_page.live and offer_page.workflow_in_progress
    page.screenshot(path=output_dir / "3-submitted.png", full_page=True)

    # 4. The bureau approves it from its review list in the back office.
    log_in(page, base, official.email, totp_used=totp_used)
    page.goto(base + f"/admin/pages/{offer_page.pk}/edit/")
    page.screenshot(path=output_dir / "4-review.png")
    page.locator(".w-dropdown-button [data-w-dropdown-target=toggle]").click()
    page.locator(
        "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    ).click()
    page.wait_for_url(lambda url: "/edit/" not in url)
    page.screenshot(path=output_dir / "4-approved.png")
    offer_page.refresh_from_db()
    assert offer_page.live
    assert Offer.objects.filter(page_id=offer_page.pk, status="live").exists()

    # 5. A committee member finds it by a Chinese search and compares it with another.
    log_in(page, base, chair.email)
    page.goto(base + "/catalogue/")
    page.locator("input[name=q]").fill("保洁")
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url(re.compile(r"q="))
    cards = page.locator(".offer-card")
    assert "老旧小区标准物业服务" in page.locator("main").inner_text()
    page.screenshot(path=output_dir / "5-search.png", full_page=True)
    for title in ("老旧小区标准物业服务", "小型老旧小区托管服务"):
        cards.filter(has_text=title).get_by_label("对比").check()
    page.get_by_role("button", name=re.compile("对比勾选的方案")).click()
    page.wait_for_url(re.compile(r"/catalogue/compare/"))
    table = page.locator("main").inner_text()
    assert "老旧小区标准物业服务" in table and "小型老旧小区托管服务" in table
    assert "北京兴大物业管理有限公司" in table
    page.screenshot(path=output_dir / "6-compare.png", full_page=True)
