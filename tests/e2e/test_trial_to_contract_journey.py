"""Try before you buy, in a browser: the committee requests a trial, the firm accepts, the
days pass (daily run), the owners' vote passes, both parties sign after re-entering their
password, and the contract PDF shows Chinese text. Screenshots go to test-results/e2e/."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.daily import daily_run
from contracts.models import Contract, ContractStatus, Trial, TrialStatus
from market.models import ManagementStatus
from tests.contracts.conftest import offer_terms
from tests.contracts.pdf_text import pdf_characters
from tests.factories import (
    PASSWORD,
    CommitteeMemberFactory,
    CompoundFactory,
    DistrictFactory,
    FirmMemberFactory,
    OfferFactory,
    StreetOfficeFactory,
)

pytestmark = pytest.mark.e2e


def _log_in(page, base_url, email):
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my/"))


def _sign(page, output_dir, name):
    page.get_by_role("button", name="签署合同").click()
    # allauth asks for the password again before the signature is recorded.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.screenshot(path=output_dir / f"{name}-reauthenticate.png", full_page=True)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    assert page.get_by_text("您已签署合同。").is_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_committee_trial_vote_and_signed_contract(live_server, browser, page, output_dir):
    today = timezone.localdate()
    district = DistrictFactory(name="大兴区", code="110115")
    compound = CompoundFactory(
        street_office=StreetOfficeFactory(district=district, name="兴丰街道"),
        name="枣园小区",
        owners=320,
        exclusive_area=Decimal("25600.00"),
    )
    chair = CommitteeMemberFactory(
        committee__compound=compound, role="chair", name="王秀英", user__full_name="王秀英"
    ).user
    firm_admin = FirmMemberFactory(
        role="admin", is_signer=True, firm__districts=[district], firm__name="北京兴业物业有限公司"
    ).user
    offer = OfferFactory(
        firm=firm_admin.firm_memberships.get().firm,
        title="枣园基础物业服务",
        trial_months=1,
        trial_fee=Decimal("0.50"),
        terms=offer_terms(trial_months=1),
        districts=[district],
    )
    base = live_server.url

    # 1. The committee requests a trial from the offer, to start tomorrow.
    _log_in(page, base, chair.email)
    page.goto(base + f"/offers/{offer.pk}/trial/")
    page.locator("#id_starts_on").fill((today + timedelta(days=1)).isoformat())
    page.locator("#id_message").fill("欢迎来试用，请联系王主任。")
    page.screenshot(path=output_dir / "1-request.png", full_page=True)
    page.get_by_role("button", name="提交试用申请").click()
    page.wait_for_url(re.compile(r"/trials/\d+/$"))
    trial = Trial.objects.get()
    assert trial.status == TrialStatus.REQUESTED

    # 2. The firm accepts it from its list.
    firm_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    firm_page = firm_context.new_page()
    firm_page.set_default_timeout(15_000)
    _log_in(firm_page, base, firm_admin.email)
    firm_page.goto(base + "/my/firm/engagements/")
    firm_page.get_by_role("link", name="接受或拒绝").click()
    firm_page.get_by_role("button", name="接受试用").click()
    firm_page.wait_for_url(re.compile(r"/trials/\d+/$"))
    assert firm_page.locator(".page-head .badge").inner_text() == "已接受"
    firm_page.screenshot(path=output_dir / "2-firm-accepted-phone.png", full_page=True)

    # 3. Time moves: the daily run starts the trial tomorrow and ends it after its month.
    trial.refresh_from_db()
    daily_run(today=trial.starts_on)
    daily_run(today=trial.ends_on + timedelta(days=1))
    trial.refresh_from_db()
    assert trial.status == TrialStatus.ENDED

    # 4. The committee records a passing owners' vote.
    page.goto(base + f"/trials/{trial.pk}/")
    page.get_by_role("link", name="记录业主表决").click()
    page.locator("#id_notice_on").fill((today - timedelta(days=20)).isoformat())
    page.locator("#id_vote_on").fill((today - timedelta(days=3)).isoformat())
    page.locator("#id_published_on").fill((today - timedelta(days=1)).isoformat())
    page.locator("#id_participating_owners").fill("260")
    page.locator("#id_participating_area").fill("21000")
    page.locator("#id_approving_owners").fill("200")
    page.locator("#id_approving_area").fill("16000")
    page.get_by_role("button", name="记录表决").click()
    page.wait_for_url(re.compile(r"/votes/\d+/$"))
    assert page.locator(".page-head .badge").inner_text() == "通过"
    page.screenshot(path=output_dir / "3-vote-passed.png", full_page=True)

    # 5. It generates the contract, and both sign after re-entering their password.
    page.get_by_role("link", name="生成合同").click()
    page.locator("#id_term_years").select_option("2")
    page.get_by_role("button", name="生成合同").click()
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    contract = Contract.objects.get()
    _sign(page, output_dir, "4-committee")

    firm_page.goto(base + f"/contracts/{contract.pk}/")
    _sign(firm_page, output_dir, "5-firm")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert contract.signatures.count() == 2
    firm_page.screenshot(path=output_dir / "5-firm-signed-phone.png", full_page=True)

    # 6. The PDF opens and carries the Chinese text both parties signed.
    response = page.request.get(base + f"/contracts/{contract.pk}/pdf/")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    (output_dir / "contract.pdf").write_bytes(pdf)
    assert set("物业服务合同甲方乙方枣园小区北京兴业") <= pdf_characters(pdf)

    # 7. The contract comes into force at the next daily run (its start day already ran
    # when the trial ended); the compound is contracted.
    daily_run(today=contract.starts_on + timedelta(days=1))
    compound.refresh_from_db()
    assert compound.management_status == ManagementStatus.CONTRACTED
    page.goto(base + f"/compounds/{compound.pk}/engagements/")
    assert "北京兴业物业有限公司" in page.locator("main").inner_text()
    page.screenshot(path=output_dir / "6-compound-contracted.png", full_page=True)
    firm_context.close()
