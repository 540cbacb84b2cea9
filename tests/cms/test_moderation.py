"""Firm content in the Wagtail admin: own-firm editing, and the bureau's moderation
workflow (draft → submitted → approved shows publicly; rejected stays private)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text

from cms.models import FirmPage, OfferPage
from market.models import EnforcementMode, Event, Offer, OfferStatus
from market.services.credit import firm_blacklist
from market.services.firms import firm_suspend
from tests.cms.conftest import approved_schedule
from tests.factories import OfficialFactory, give_totp


def offer_form(district, **changes):
    data = {
        "title": "专业保洁与秩序维护服务",
        "slug": "standard-service",
        "summary": "专业保洁服务，每日两次清扫，24小时门岗。",
        "description": rich_text("<p>详细服务标准见附件。</p>"),
        "grade": 2,
        "cleaning": "on",
        "order": "on",
        "fee": "1.00",
        "trial_months": 3,
        "trial_fee": "0.00",
        "min_area": "",
        "max_area": "",
        **changes,
    }
    form = nested_form_data(data)
    # Many-to-many fields post as repeated keys, which nested_form_data would flatten.
    form["districts"] = changes.get("districts", [district.pk])
    form["street_offices"] = changes.get("street_offices", [])
    return form


def submit_new_offer(client, firm, district, **changes):
    parent = FirmPage.objects.get(firm=firm)
    url = reverse("wagtailadmin_pages:add", args=["cms", "offerpage", parent.pk])
    return client.post(url, {**offer_form(district, **changes), "action-submit": "1"})


def task_state_of(page) -> TaskState:
    return TaskState.objects.get(
        workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS
    )


def act(client, page, action, comment=""):
    state = task_state_of(page)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, state.pk])
    return client.post(url, {"comment": comment})


@pytest.mark.django_db
def test_an_approved_firm_gets_a_live_profile_page_and_an_editors_group(firm_a, staff_a):
    page = FirmPage.objects.get(firm=firm_a)

    assert page.live
    group = Group.objects.get(user=staff_a)
    assert set(group.page_permissions.values_list("permission__codename", flat=True)) == {
        "add_page",
        "change_page",
    }


@pytest.mark.django_db
def test_staff_open_their_own_firm_pages_but_not_another_firms(client, firm_a, firm_b, staff_a):
    own = FirmPage.objects.get(firm=firm_a)
    other = FirmPage.objects.get(firm=firm_b)
    client.force_login(staff_a)

    assert client.get(reverse("wagtailadmin_pages:edit", args=[own.pk])).status_code == 200
    refused = client.get(reverse("wagtailadmin_pages:edit", args=[other.pk]))
    assert refused.status_code in (302, 403)
    adding = client.get(reverse("wagtailadmin_pages:add", args=["cms", "offerpage", other.pk]))
    assert adding.status_code in (302, 403)


@pytest.mark.django_db
def test_staff_cannot_submit_into_another_firm(client, firm_b, staff_a, district):
    client.force_login(staff_a)

    response = submit_new_offer(client, firm_b, district)

    assert response.status_code in (302, 403)
    assert not OfferPage.objects.exists()


@pytest.mark.django_db
def test_submitted_offer_waits_for_the_bureau_then_shows_publicly(
    client, firm_a, staff_a, official, district
):
    client.force_login(staff_a)
    response = submit_new_offer(client, firm_a, district)
    assert response.status_code == 302
    page = OfferPage.objects.get()
    assert not page.live
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == "in_progress"
    assert not Offer.objects.exists()
    assert client.get(page.get_url() or "/firms/firm-x/standard-service/").status_code == 404

    client.force_login(official)
    response = act(client, page, "approve")

    page.refresh_from_db()
    assert page.live
    offer = Offer.objects.get(page_id=page.pk)
    assert (offer.fee, offer.grade, offer.status) == (Decimal("1.00"), 2, OfferStatus.LIVE)
    assert offer.scope_items == ["cleaning", "order"]
    assert not offer.outside_band
    event = Event.objects.get(action="offer.published")
    assert event.actor == official
    client.logout()
    assert client.get(page.url).status_code == 200


@pytest.mark.django_db
def test_rejected_offer_stays_private_with_the_comment(client, firm_a, staff_a, official, district):
    client.force_login(staff_a)
    submit_new_offer(client, firm_a, district)
    page = OfferPage.objects.get()

    client.force_login(official)
    act(client, page, "reject", comment="服务标准描述不完整，请补充。")

    page.refresh_from_db()
    assert not page.live
    state = TaskState.objects.get(workflow_state__object_id=str(page.pk))
    assert state.status == TaskState.STATUS_REJECTED
    assert state.get_comment() == "服务标准描述不完整，请补充。"
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_a_later_edit_does_not_change_the_live_version_until_approved(
    client, firm_a, staff_a, official, district
):
    client.force_login(staff_a)
    submit_new_offer(client, firm_a, district)
    page = OfferPage.objects.get()
    client.force_login(official)
    act(client, page, "approve")

    client.force_login(staff_a)
    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(
        edit, {**offer_form(district, title="涨价后的方案", fee="1.15"), "action-submit": "1"}
    )
    assert response.status_code == 302

    page.refresh_from_db()
    offer = Offer.objects.get(page_id=page.pk)
    assert page.title == "专业保洁与秩序维护服务"  # the live version
    assert page.get_latest_revision().as_object().title == "涨价后的方案"
    assert (offer.title, offer.fee) == ("专业保洁与秩序维护服务", Decimal("1.00"))

    client.force_login(official)
    act(client, page, "approve")
    offer.refresh_from_db()
    assert (offer.title, offer.fee) == ("涨价后的方案", Decimal("1.15"))
    assert page.revisions.count() >= 2  # every published version is kept


@pytest.mark.django_db
def test_only_the_firms_district_bureau_can_approve(
    client, firm_a, staff_a, other_official, district
):
    client.force_login(staff_a)
    submit_new_offer(client, firm_a, district)
    page = OfferPage.objects.get()

    for user in (other_official, staff_a):
        client.force_login(user)
        act(client, page, "approve")

    page.refresh_from_db()
    assert not page.live
    assert task_state_of(page).status == TaskState.STATUS_IN_PROGRESS


@pytest.mark.django_db
def test_street_officials_cannot_approve_either(client, firm_a, staff_a, district, street_office):
    street = OfficialFactory(district=district, street_office=street_office).user
    give_totp(street)
    client.force_login(staff_a)
    submit_new_offer(client, firm_a, district)
    page = OfferPage.objects.get()

    client.force_login(street)
    act(client, page, "approve")

    page.refresh_from_db()
    assert not page.live


@pytest.mark.django_db
def test_cap_enforcement_refuses_a_fee_outside_the_band(client, firm_a, staff_a, district):
    client.force_login(staff_a)

    response = submit_new_offer(client, firm_a, district, fee="1.50")  # G2 band: 0.80–1.20

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["form"].errors["fee"]
    assert any("1.50" in str(error) and "0.80" in str(error) for error in errors)
    assert not OfferPage.objects.exists()


@pytest.mark.django_db
def test_benchmark_enforcement_holds_an_outside_band_fee_for_explicit_approval(
    client, firm_a, staff_a, official, district
):
    # Approved versions never change: a newer version, in force from the same day, switches
    # the district to benchmark enforcement.
    approved_schedule(district, enforcement=EnforcementMode.BENCHMARK, version=2)
    client.force_login(staff_a)
    response = submit_new_offer(client, firm_a, district, fee="1.50")
    assert response.status_code == 302
    page = OfferPage.objects.get()

    client.force_login(official)
    state = task_state_of(page)
    actions = [name for name, _label, _form in state.task.specific.get_actions(page, official)]
    assert actions == ["approve_outside_band", "reject"]
    act(client, page, "approve")  # a plain approval is not enough
    page.refresh_from_db()
    assert not page.live

    act(client, page, "approve_outside_band", comment="老旧小区改造后成本较高，同意。")

    page.refresh_from_db()
    assert page.live
    assert Offer.objects.get(page_id=page.pk).outside_band


@pytest.mark.django_db
def test_suspended_or_blacklisted_firms_disappear_at_once(
    client, firm_a, firm_b, staff_a, official, district
):
    client.force_login(staff_a)
    submit_new_offer(client, firm_a, district)
    page = OfferPage.objects.get()
    client.force_login(official)
    act(client, page, "approve")
    client.logout()
    firm_page_a = FirmPage.objects.get(firm=firm_a)
    assert client.get(firm_page_a.url).status_code == 200

    firm_suspend(firm=firm_a, actor=official, reason="投诉未处理")
    assert client.get(firm_page_a.url).status_code == 404
    firm_page_b = FirmPage.objects.get(firm=firm_b)
    firm_blacklist(firm=firm_b, actor=official, reason="严重失信")
    assert client.get(firm_page_b.url).status_code == 404


@pytest.mark.django_db
def test_bureau_sees_submissions_waiting_for_it(
    firm_a, staff_a, official, other_official, client, district
):
    client.force_login(staff_a)
    submit_new_offer(client, firm_a, district)
    state = task_state_of(OfferPage.objects.get())
    task = state.task.specific

    assert list(task.get_task_states_user_can_moderate(official)) == [state]
    assert not task.get_task_states_user_can_moderate(other_official).exists()
