"""Until the handover is complete the outgoing firm stays the compound's responsible
operator and the incoming operator's service does not start (DOMAIN "handover"; Civil Code
arts. 949–950; Beijing art. 76) — unless the bureau enforces the takeover after a refusal
or a missed deadline, or the firm is sanctioned."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts.daily import daily_run
from contracts.models import EngagementPhase, FallbackCase, Handover
from contracts.selectors import responsible_engagement
from contracts.services.handover import handover_enforce, handover_refuse
from market.models import CreditEntry, Event
from market.services.firms import firm_suspend

from .conftest import confirm_everything


def _fallback_engagement(handover):
    return FallbackCase.objects.get(previous_engagement=handover.outgoing_engagement).engagement


def test_the_outgoing_firm_serves_until_both_sides_confirmed_every_item(
    handover, outgoing_admin, operator_admin
):
    compound, outgoing = handover.compound, handover.outgoing_firm
    day = handover.opened_on + timedelta(days=2)
    # Every item but the last confirmed by both sides: still the outgoing firm's compound.
    confirm_everything(handover, outgoing_admin, operator_admin, today=day)
    assert responsible_engagement(compound=compound, on=day - timedelta(days=1)).firm == outgoing
    assert responsible_engagement(compound=compound, on=day).firm == handover.incoming_firm
    assert _fallback_engagement(handover).starts_on == day


def test_an_incomplete_checklist_keeps_the_fallback_operator_waiting(handover, outgoing_admin):
    from contracts.services.handover import handover_confirm

    handover_confirm(actor=outgoing_admin, handover=handover, kind="keys")
    for offset in range(0, 10, 3):
        daily_run(today=handover.opened_on + timedelta(days=offset))
    assert _fallback_engagement(handover).phase == EngagementPhase.UPCOMING
    serving = responsible_engagement(
        compound=handover.compound, on=handover.opened_on + timedelta(days=9)
    )
    assert serving.firm == handover.outgoing_firm


def test_the_bureau_enforces_the_takeover_only_after_the_deadline(
    handover, official, operator_admin, committee_member
):
    before_due = handover.due_on
    with pytest.raises(ValidationError) as error:
        handover_enforce(actor=official, handover=handover, reason="拒不交接", today=before_due)
    # The message says from when the bureau can enforce it: the day after the deadline.
    assert (before_due + timedelta(days=1)).isoformat() in str(error.value)
    for user in (operator_admin, committee_member):
        with pytest.raises(PermissionDenied):
            handover_enforce(
                actor=user, handover=handover, reason="x", today=before_due + timedelta(days=1)
            )
    with pytest.raises(ValidationError):
        handover_enforce(
            actor=official, handover=handover, reason=" ", today=before_due + timedelta(days=1)
        )
    handover.refresh_from_db()
    assert handover.enforced_on is None

    daily_run(today=before_due + timedelta(days=1))  # the missed deadline: penalty once
    enforced_on = before_due + timedelta(days=2)
    handover_enforce(actor=official, handover=handover, reason="逾期未交接", today=enforced_on)
    handover.refresh_from_db()
    assert handover.enforced_on == enforced_on and handover.enforced_by == official
    assert responsible_engagement(compound=handover.compound, on=enforced_on).firm == (
        handover.incoming_firm
    )
    assert CreditEntry.objects.filter(firm=handover.outgoing_firm).count() == 1
    assert Event.objects.filter(action="handover.enforced").count() == 1
    with pytest.raises(ValidationError):
        handover_enforce(actor=official, handover=handover, reason="再次", today=enforced_on)


def test_a_refusal_lets_the_bureau_enforce_at_once(handover, official, outgoing_admin):
    day = handover.opened_on + timedelta(days=1)
    handover_refuse(actor=outgoing_admin, handover=handover, reason="费用争议", today=day)
    handover_enforce(actor=official, handover=handover, reason="拒绝交接", today=day)
    assert _fallback_engagement(handover).phase == EngagementPhase.LIVE
    assert CreditEntry.objects.filter(firm=handover.outgoing_firm).count() == 1


def test_a_firm_suspended_while_handing_over_stops_serving_at_once(
    handover, official, django_capture_on_commit_callbacks
):
    firm = handover.outgoing_firm
    with django_capture_on_commit_callbacks(execute=True):
        firm_suspend(actor=official, firm=firm, reason="安全事故")
    engagement = _fallback_engagement(handover)
    assert engagement.phase == EngagementPhase.LIVE
    handover.outgoing_engagement.refresh_from_db()
    assert handover.outgoing_engagement.phase == EngagementPhase.ENDED


def test_the_enforce_page_refuses_bad_input_and_other_roles(
    client, handover, official, committee_member, outgoing_admin
):
    url = reverse("handover_enforce", args=[handover.pk])
    for user in (committee_member, outgoing_admin):
        client.force_login(user)
        assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(official)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert 'class="error" role="alert"' in response.content.decode()
    # Before the deadline the service refuses, and says from when it can be done.
    today = timezone.localdate()
    Handover.objects.filter(pk=handover.pk).update(due_on=today + timedelta(days=3))
    response = client.post(url, {"reason": "拒不交接"})
    assert response.status_code == 400
    assert (today + timedelta(days=4)).isoformat() in response.content.decode()
    handover.refresh_from_db()
    assert handover.enforced_on is None
    page = client.get(reverse("handover_detail", args=[handover.pk])).content.decode()
    assert reverse("handover_enforce", args=[handover.pk]) in page
    Handover.objects.filter(pk=handover.pk).update(due_on=today - timedelta(days=1))
    response = client.post(url, {"reason": "逾期未交接"})
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.enforced_on == today
    assert _fallback_engagement(handover).phase == EngagementPhase.LIVE
