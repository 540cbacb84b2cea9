"""The approvals inbox (issue #8): firm applications, offers and firm pages in moderation
(a source cms registers, since market never imports cms) and fee schedule drafts; each
item opens the page that already approves or rejects it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from market.console.registry import InboxItem, inbox_source, inbox_sources
from market.models import FeeSchedule, FeeScheduleStatus
from tests.cms.conftest import approved_schedule
from tests.cms.test_moderation import act, submit_new_offer
from tests.factories import FirmFactory, FirmMemberFactory


def inbox(client, district):
    return client.get(reverse("console_approvals", args=[district.code]))


@pytest.mark.django_db
def test_firm_applications_and_fee_drafts_wait_in_the_inbox(
    official_client, district, other_district
):
    waiting = FirmFactory(name="待审物业", registered_district=district, status="applied")
    FirmFactory(name="已批准物业", registered_district=district, status="approved")
    FirmFactory(name="通州待审物业", registered_district=other_district, status="applied")
    draft = FeeSchedule.objects.create(
        district=district,
        version=2,
        effective_from=timezone.localdate() + timedelta(days=30),
        status=FeeScheduleStatus.DRAFT,
    )
    FeeSchedule.objects.create(
        district=other_district,
        version=1,
        effective_from=timezone.localdate(),
        status=FeeScheduleStatus.DRAFT,
    )

    response = inbox(official_client, district)

    text = response.content.decode()
    assert response.status_code == 200
    assert "待审物业" in text and "已批准物业" not in text and "通州待审物业" not in text
    assert reverse("firm_vetting", args=[waiting.pk]) in text
    assert reverse("fee_schedule_edit", args=[draft.pk]) in text
    assert text.count(reverse("fee_schedule_edit", args=[draft.pk])) == 2  # title and button
    assert response.context["waiting"] == 2
    # Other apps (contracts, ratings) add their own groups; market's and cms's keep order.
    names = [g.name for g in response.context["groups"]]
    assert [name for name in names if name.startswith(("market.", "cms."))] == [
        "market.firm_applications",
        "cms.pages_in_moderation",
        "market.fee_schedule_drafts",
    ]


@pytest.mark.django_db
def test_offers_in_moderation_open_the_editor_where_the_bureau_approves(client, official, district):
    from cms.models import OfferPage
    from cms.services import firm_page_ensure

    approved_schedule(district)
    firm = FirmFactory(name="甲物业", registered_district=district, districts=[district])
    firm_page_ensure(firm=firm)
    staff = FirmMemberFactory(firm=firm, role="admin").user
    firm_page_ensure(firm=firm)
    client.force_login(staff)
    submit_new_offer(client, firm, district)
    page = OfferPage.objects.get()
    client.force_login(official)

    response = inbox(client, district)

    group = next(g for g in response.context["groups"] if g.name == "cms.pages_in_moderation")
    assert [item.title for item in group.items] == [page.title]
    assert group.items[0].url == reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert group.items[0].detail == "甲物业的服务方案"
    assert client.get(group.items[0].url).status_code == 200

    act(client, page, "approve")  # the same workflow action as the editor's menu

    group = next(
        g for g in inbox(client, district).context["groups"] if g.name == "cms.pages_in_moderation"
    )
    assert group.items == []


@pytest.mark.django_db
def test_the_registry_refuses_two_sources_under_one_name():
    @inbox_source("tests.once", label="x")
    def first(*, district, user):
        return [InboxItem(title="a", url="/")]

    with pytest.raises(ValueError):

        @inbox_source("tests.once", label="y")
        def second(*, district, user):
            return []

    from market.console import registry

    registry._INBOX.pop("tests.once")
    assert "tests.once" not in [s.name for s in inbox_sources()]
