"""A resident, on a phone, opens the poster's link, enters the household code, rates the
month and raises a request; the firm responds and resolves; the resident confirms; the
three rates on the firm's public page change accordingly. Screenshots: test-results/e2e/."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from cms.models import FirmPage
from cms.services import firm_page_ensure
from contracts.services.trials import trial_accept, trial_request, trial_start
from market.fee_defaults import DEFAULT_GRADES
from market.models import FeeGrade, FeeSchedule, FeeScheduleStatus
from ratings.models import Rating, RequestStatus, ServiceRequest
from ratings.services.codes import household_codes_issue
from tests.contracts.conftest import offer_terms
from tests.factories import (
    CommitteeMemberFactory,
    CompoundFactory,
    DistrictFactory,
    FirmMemberFactory,
    OfferFactory,
    StreetOfficeFactory,
)

from .test_trial_to_contract_journey import _log_in

pytestmark = pytest.mark.e2e


def _served_compound():
    today = timezone.localdate()
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
    compound = CompoundFactory(
        street_office=StreetOfficeFactory(district=district, name="兴丰街道"),
        name="枣园小区",
        exclusive_area=Decimal("25600.00"),
    )
    chair = CommitteeMemberFactory(committee__compound=compound, role="chair").user
    firm_admin = FirmMemberFactory(
        role="admin", is_signer=True, firm__districts=[district], firm__name="北京兴业物业有限公司"
    ).user
    firm = firm_admin.firm_memberships.get().firm
    firm.registered_district = district
    firm.save(update_fields=["registered_district"])
    firm_page_ensure(firm=firm)
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
    trial = trial_request(
        actor=chair, compound=compound, offer=offer, starts_on=today, message="", today=today
    )
    trial = trial_accept(actor=firm_admin, trial=trial, today=today)
    if trial.status != "active":  # accepting a trial that starts today starts it
        trial_start(trial=trial, today=today)
    ((_row, plain),) = household_codes_issue(actor=chair, compound=compound, households=["3-2-101"])
    return compound, firm, firm_admin, plain


# serialized_rollback, as the catalogue journey: the firm's page needs the Wagtail pages
# the migrations made. (The file name keeps it next to that journey, before any test
# whose flush re-creates content types.)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_resident_rates_and_requests_and_the_rates_change(live_server, browser, output_dir):
    compound, firm, firm_admin, plain = _served_compound()
    base = live_server.url
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    resident = phone.new_page()
    resident.set_default_timeout(15_000)

    # 1. The poster's QR code carries the resident page's address.
    resident.goto(base + f"/compounds/{compound.pk}/poster/")
    assert resident.locator(".qr svg").count() == 1
    resident.screenshot(path=output_dir / "1-poster.png", full_page=True)
    link = resident.get_by_text(re.compile(r"/r/\d+/$")).inner_text().strip()
    resident.goto(link)

    # 2. The household code opens the page.
    resident.locator("#id_code").fill(plain.lower())
    resident.get_by_role("button", name="继续").click()
    resident.wait_for_url(re.compile(r"/r/\d+/home/$"))

    # 3. Rate the month.
    for item, score in (("cleaning", "5"), ("order", "4"), ("water", "4")):
        resident.locator(f"input[name=score_{item}][value='{score}']").check()
    resident.locator("#id_comment").fill("保洁很认真<script>alert(1)</script>")
    resident.screenshot(path=output_dir / "2-rating-phone.png", full_page=True)
    resident.get_by_role("button", name="提交评价").click()
    resident.wait_for_url(re.compile(r"/r/\d+/home/$"))
    assert resident.get_by_text("谢谢！您的评价已记录。").is_visible()
    assert Rating.objects.get().average == Decimal("4.33")

    # 4. Raise a request.
    resident.locator("#id_category").select_option("repairs")
    resident.locator("#id_text").fill("3号楼2单元楼道灯不亮")
    resident.get_by_role("button", name="发送给物业企业").click()
    resident.wait_for_url(re.compile(r"/r/\d+/home/$"))
    request = ServiceRequest.objects.get()
    assert request.status == RequestStatus.OPEN

    # 5. The firm responds and resolves.
    office = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    staff = office.new_page()
    staff.set_default_timeout(15_000)
    _log_in(staff, base, firm_admin.email)
    staff.goto(base + "/my/firm/requests/")
    staff.get_by_role("link", name="维修").click()
    staff.locator("#id_text").fill("电工下午到场")
    staff.get_by_role("button", name="响应").click()
    staff.wait_for_url(re.compile(r"/requests/\d+/$"))
    staff.locator("#id_text").fill("已更换灯泡")
    staff.get_by_role("button", name="标记为已解决").click()
    staff.wait_for_url(re.compile(r"/requests/\d+/$"))
    staff.screenshot(path=output_dir / "3-firm-resolved.png", full_page=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.RESOLVED

    # 6. The resident confirms, satisfied.
    resident.reload()
    resident.get_by_role("button", name="满意", exact=True).click()
    resident.wait_for_url(re.compile(r"/r/\d+/home/$"))
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED and request.satisfied is True
    resident.screenshot(path=output_dir / "4-confirmed-phone.png", full_page=True)

    # 7. The firm's public page shows the new figures; the comment is text, not script.
    resident.goto(base + FirmPage.objects.get(firm=firm).url)
    rates = resident.locator("#ratings")
    assert rates.locator("[data-rate=response]").inner_text() == "100.00%"
    assert rates.locator("[data-rate=resolution]").inner_text() == "100.00%"
    assert rates.locator("[data-rate=satisfaction]").inner_text() == "100.00%"
    assert rates.locator("[data-rate=rating]").inner_text() == "4.33 / 5"
    assert "<script>alert(1)</script>" in rates.inner_text()
    resident.screenshot(path=output_dir / "5-firm-page-phone.png", full_page=True)
    phone.close()
    office.close()
