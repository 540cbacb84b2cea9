"""Open service requests move with the site (issue #6): a suspension moves them with the
sites in one transaction (``contracts.signals.operator_changed``); the handover item "open
service requests" moves them to the incoming firm (``handover_requests_transfer``). The
ratings app answers both with ``ratings.services.requests.requests_transfer``."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.models import (
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    HandoverItemKind,
)
from contracts.services.fallback import fallback_take_over_firm
from contracts.services.handover import handover_confirm
from market.models import Compound, Event
from market.services.firms import firm_suspend
from ratings import receivers
from ratings.models import HouseholdCode, RequestStatus, ServiceRequest
from ratings.services.requests import (
    request_raise,
    request_resolve,
    request_respond,
    requests_transfer,
)
from tests.factories import CompoundFactory

from ..conftest import TODAY


def raise_request(compound, household="1-1-101", text="楼道灯不亮"):
    code, _created = HouseholdCode.objects.get_or_create(
        compound=compound,
        household=household,
        defaults={"code_hash": f"{compound.pk}:{household}", "hint": "0000"},
    )
    return request_raise(household_code=code, category="repairs", urgency="normal", text=text)


@pytest.fixture
def second_site(backdated, active_trial):
    """A second live site of the trial firm, on a contract."""
    second = CompoundFactory(street_office=backdated.street_office)
    Compound.objects.filter(pk=second.pk).update(registered_on=TODAY - timedelta(days=90))
    Engagement.objects.create(
        compound=second,
        kind=EngagementKind.CONTRACT,
        firm=active_trial.firm,
        phase=EngagementPhase.LIVE,
        starts_on=TODAY - timedelta(days=60),
        fee=Decimal("1"),
        area=second.exclusive_area,
    )
    return second


@pytest.fixture
def requests_at_two_sites(backdated, second_site, firm_admin):
    """At the first site: one open, one responded, one resolved; at the second: one open."""
    waiting = raise_request(backdated)
    responded = raise_request(backdated, text="电梯异响")
    request_respond(actor=firm_admin, request=responded, response="今天下午来修")
    resolved = raise_request(backdated, text="垃圾未清")
    request_respond(actor=firm_admin, request=resolved, response="马上处理")
    request_resolve(actor=firm_admin, request=resolved, resolution="已清运")
    elsewhere = raise_request(second_site)
    return {"open": [waiting, responded, elsewhere], "resolved": resolved}


def _fresh(requests):
    return [ServiceRequest.objects.get(pk=request.pk) for request in requests]


def test_a_suspension_moves_the_open_requests_of_every_site_with_it(
    designation, operator, active_trial, requests_at_two_sites
):
    firm = active_trial.firm
    deadlines = {r.pk: r.respond_by for r in requests_at_two_sites["open"]}
    firm_suspend(firm=firm, actor=None, reason="违规")
    cases = fallback_take_over_firm(firm=firm, today=active_trial.starts_on + timedelta(days=10))
    assert len(cases) == 2
    engagement_of = {case.compound_id: case.engagement for case in cases}
    for request in _fresh(requests_at_two_sites["open"]):
        assert request.firm == operator
        assert request.engagement == engagement_of[request.compound_id]
        assert request.respond_by == deadlines[request.pk]  # the SLA deadline stands
    resolved = _fresh([requests_at_two_sites["resolved"]])[0]
    assert resolved.firm == firm and resolved.status == RequestStatus.RESOLVED
    moved = Event.objects.filter(action="service_request.transferred")
    assert moved.count() == 3
    # Idempotent: nothing left to move.
    assert (
        requests_transfer(
            compound=cases[0].compound, from_firm=firm, to_engagement=cases[0].engagement
        )
        == []
    )


def test_if_moving_the_requests_fails_no_site_moves_either(
    designation, active_trial, second_site, requests_at_two_sites, monkeypatch
):
    firm = active_trial.firm
    calls = []

    def failing_second_time(**kwargs):
        calls.append(kwargs["compound"].pk)
        requests_transfer(**kwargs)
        if len(calls) == 2:
            raise RuntimeError("mover failed")

    monkeypatch.setattr(receivers, "requests_transfer", failing_second_time)
    firm_suspend(firm=firm, actor=None, reason="违规")
    with pytest.raises(RuntimeError):
        fallback_take_over_firm(firm=firm, today=active_trial.starts_on + timedelta(days=10))
    assert len(calls) == 2
    assert not FallbackCase.objects.exists()
    assert Engagement.objects.filter(firm=firm, phase=EngagementPhase.LIVE).count() == 2
    assert all(r.firm == firm for r in _fresh(requests_at_two_sites["open"]))
    assert not Event.objects.filter(action="service_request.transferred").exists()


def test_the_new_operator_answers_them_and_the_old_firm_no_longer_can(
    client, designation, active_trial, requests_at_two_sites, firm_admin, operator_admin
):
    firm_suspend(firm=active_trial.firm, actor=None, reason="违规")
    fallback_take_over_firm(
        firm=active_trial.firm, today=active_trial.starts_on + timedelta(days=1)
    )
    waiting = requests_at_two_sites["open"][0]
    client.force_login(firm_admin)
    page = client.get(reverse("firm_requests")).content.decode()
    assert reverse("service_request_detail", args=[waiting.pk]) not in page
    response = client.post(
        reverse("service_request_act", args=[waiting.pk, "respond"]), {"text": "在处理"}
    )
    assert response.status_code == 403
    client.force_login(operator_admin)
    page = client.get(reverse("firm_requests")).content.decode()
    assert reverse("service_request_detail", args=[waiting.pk]) in page
    response = client.post(
        reverse("service_request_act", args=[waiting.pk, "respond"]), {"text": "兜底企业已接手"}
    )
    assert response.status_code == 302
    assert _fresh([waiting])[0].status == RequestStatus.RESPONDED


# --- The handover item "open service requests transferred" ------------------------------


@pytest.fixture
def handover_with_requests(designation, backdated, active_trial, firm_admin):
    """Requests raised during the trial; the trial then lapses into fallback."""
    from contracts.daily import daily_run
    from contracts.models import Handover

    waiting = raise_request(backdated)
    resolved = raise_request(backdated, text="垃圾未清")
    request_respond(actor=firm_admin, request=resolved, response="马上处理")
    request_resolve(actor=firm_admin, request=resolved, resolution="已清运")
    daily_run(today=active_trial.ends_on + timedelta(days=1))
    handover = Handover.objects.get(outgoing_engagement=active_trial.engagement)
    return handover, waiting, resolved


def test_confirming_the_requests_item_hands_the_open_requests_over(
    handover_with_requests, outgoing_admin, operator
):
    handover, waiting, resolved = handover_with_requests
    assert _fresh([waiting])[0].firm == handover.outgoing_firm  # a lapse moves nothing yet
    handover_confirm(actor=outgoing_admin, handover=handover, kind=HandoverItemKind.REQUESTS)
    moved = _fresh([waiting])[0]
    assert moved.firm == operator
    assert moved.engagement == FallbackCase.objects.get(compound=handover.compound).engagement
    assert _fresh([resolved])[0].firm == handover.outgoing_firm


def test_the_requests_item_through_the_page(
    client, handover_with_requests, outgoing_admin, operator
):
    handover, waiting, _resolved = handover_with_requests
    client.force_login(outgoing_admin)
    response = client.post(
        reverse("handover_confirm", args=[handover.pk]), {"kind": HandoverItemKind.REQUESTS}
    )
    assert response.status_code == 302
    assert _fresh([waiting])[0].firm == operator


def test_without_an_incoming_engagement_the_item_is_refused_and_nothing_moves(
    handover_with_requests, outgoing_admin
):
    handover, waiting, _resolved = handover_with_requests
    Engagement.objects.filter(firm=handover.incoming_firm).update(phase=EngagementPhase.ENDED)
    with pytest.raises(ValidationError, match="尚无|no engagement"):
        handover_confirm(actor=outgoing_admin, handover=handover, kind=HandoverItemKind.REQUESTS)
    item = handover.items.get(kind=HandoverItemKind.REQUESTS)
    assert item.outgoing_confirmed_on is None
    assert _fresh([waiting])[0].firm == handover.outgoing_firm
