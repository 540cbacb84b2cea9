import re

import pytest
from django.core import mail

from market.models import CommitteeMember
from market.services.committees import MemberData, committee_register
from tests.factories import CompoundFactory, StreetOfficeFactory

pytestmark = pytest.mark.e2e

PASSWORD = "枣园-chair-2026!"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_committee_member_follows_invitation_and_lands_on_my_compound(
    live_server, page, output_dir
):
    compound = CompoundFactory(street_office=StreetOfficeFactory(name="兴丰街道"), name="枣园小区")
    committee_register(
        actor=None,
        compound=compound,
        kind="owners",
        members=[
            MemberData(name="王秀英", email="wang@example.com", role="chair"),
            MemberData(name="张建国", email="zhang@example.com"),
            MemberData(name="刘芳", email="liu@example.com"),
        ],
    )
    message = next(m for m in mail.outbox if m.to == ["wang@example.com"])
    path = re.search(r"(/invitations/[^\s]+/)", message.body).group(1)

    page.goto(live_server.url + path)
    assert "您收到一份邀请" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("您的姓名").fill("王秀英")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="设置密码").click()

    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.locator("input[name=login]").fill("wang@example.com")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(re.compile(r"/my/compound/$"))
    heading = page.get_by_role("heading", level=1)
    assert "我的小区" in heading.inner_text()
    assert "枣园小区" in heading.inner_text()
    assert page.get_by_text("王秀英").first.is_visible()
    page.screenshot(path=output_dir / "my-compound.png", full_page=True)
    assert CommitteeMember.objects.get(email="wang@example.com").user.full_name == "王秀英"
