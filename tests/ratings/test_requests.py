"""Service requests: the SLA, the steps, escalation with driven time."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from market.models.events import Event
from ratings.models import DistrictRatingSettings, RequestStatus, ServiceRequest
from ratings.rules import escalate_overdue_requests, requests_escalate_now
from ratings.services.requests import (
    request_confirm,
    request_raise,
    request_reopen,
    request_resolve,
    request_respond,
    request_start_work,
)
from tests.factories import CommitteeMemberFactory, FirmMemberFactory, UserFactory

from .conftest import at

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 20)


def raise_one(code, *, urgency="normal", when=None):
    return request_raise(
        household_code=code,
        category="repairs",
        urgency=urgency,
        text="楼道灯坏了",
        now=when or at(DAY),
    )


def test_sla_defaults_urgent_2h_normal_24h(code):
    normal = raise_one(code)
    urgent = raise_one(code, urgency="urgent")
    assert normal.respond_by - normal.created_at == timedelta(hours=24)
    assert urgent.respond_by - urgent.created_at == timedelta(hours=2)


def test_sla_configurable_per_district(code, district):
    DistrictRatingSettings.objects.create(
        district=district, urgent_response_hours=1, normal_response_hours=12
    )
    assert raise_one(code, urgency="urgent").respond_by == at(DAY, 10)
    assert raise_one(code).respond_by == at(DAY, 21)


def test_full_cycle_with_events(code, firm_admin):
    request = raise_one(code)
    request = request_respond(actor=firm_admin, request=request, response="马上来", now=at(DAY, 10))
    request = request_start_work(actor=firm_admin, request=request, now=at(DAY, 11))
    request = request_resolve(
        actor=firm_admin, request=request, resolution="已换灯", now=at(DAY, 12)
    )
    request = request_reopen(household_code=code, request=request, now=at(DAY, 13))
    assert request.status == RequestStatus.WORKING and request.resolved_at is None
    request = request_resolve(actor=firm_admin, request=request, resolution="再换", now=at(DAY, 14))
    request = request_confirm(household_code=code, request=request, satisfied=True, now=at(DAY, 15))
    assert request.status == RequestStatus.CLOSED and request.satisfied is True
    actions = list(
        Event.objects.filter(object_id=str(request.pk), action__startswith="service_request.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "service_request.raised",
        "service_request.responded",
        "service_request.working",
        "service_request.resolved",
        "service_request.reopened",
        "service_request.resolved",
        "service_request.confirmed",
    ]


def test_only_the_household_confirms(code, codes, firm_admin):
    request = raise_one(code)
    request_respond(actor=firm_admin, request=request, response="好", now=at(DAY, 10))
    request_resolve(actor=firm_admin, request=request, resolution="好", now=at(DAY, 11))
    with pytest.raises(ValidationError):
        request_confirm(household_code=codes[1][0], request=request, satisfied=True)


def test_firm_steps_refused_for_others(code, committee_member, official, other_official, district):
    request = raise_one(code)
    other = FirmMemberFactory(role="admin", firm__districts=[district]).user
    for user in (committee_member, official, other_official, UserFactory(), other):
        with pytest.raises(PermissionDenied):
            request_respond(actor=user, request=request, response="x")
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_escalation_after_the_deadline_only_once(code):
    request = raise_one(code)  # due DAY+1 09:00
    assert requests_escalate_now(now=at(DAY + timedelta(days=1), 9)) == {"done": []}
    assert requests_escalate_now(now=at(DAY + timedelta(days=1), 9, 1)) == {"done": [request.pk]}
    assert requests_escalate_now(now=at(DAY + timedelta(days=1), 10)) == {"done": []}
    request.refresh_from_db()
    assert request.escalated_at == at(DAY + timedelta(days=1), 9, 1)
    assert Event.objects.filter(action="service_request.escalated").count() == 1


def test_daily_rule_escalates_yesterdays_overdue(code, firm_admin):
    overdue = raise_one(code, urgency="urgent")
    answered = raise_one(code, urgency="urgent")
    request_respond(actor=firm_admin, request=answered, response="x", now=at(DAY, 10))
    result = escalate_overdue_requests(DAY + timedelta(days=1))
    assert result == {"done": [overdue.pk]}


def test_escalations_visible_to_street_office_and_bureau(
    code, client, official, other_official, district, street_office
):
    request = raise_one(code)
    requests_escalate_now(now=at(DAY + timedelta(days=3)))
    client.force_login(official)
    page = client.get(reverse("escalations", args=[district.code]))
    assert page.status_code == 200
    assert reverse("service_request_detail", args=[request.pk]) in page.content.decode()
    client.force_login(other_official)
    assert client.get(reverse("escalations", args=[district.code])).status_code == 403


def _enter(client, compound, plain):
    client.post(reverse("resident_entry", args=[compound.pk]), {"code": plain})


@pytest.mark.parametrize(
    "data",
    [
        {"category": "repairs", "urgency": "normal", "text": ""},
        {"category": "nope", "urgency": "normal", "text": "灯坏了"},
        {"category": "repairs", "urgency": "whenever", "text": "灯坏了"},
    ],
)
def test_raise_bad_input_400(plain, compound, client, data):
    _enter(client, compound, plain)
    response = client.post(reverse("resident_request", args=[compound.pk]), data)
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_fake_image_refused(plain, compound, client):
    _enter(client, compound, plain)
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(
        reverse("resident_request", args=[compound.pk]),
        {"category": "repairs", "urgency": "normal", "text": "灯坏了", "photo": fake},
    )
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_oversized_image_refused(plain, compound, client, settings):
    settings.UPLOAD_MAX_BYTES = 10
    _enter(client, compound, plain)
    big = SimpleUploadedFile("photo.png", b"\x89PNG" + b"0" * 100, content_type="image/png")
    response = client.post(
        reverse("resident_request", args=[compound.pk]),
        {"category": "repairs", "urgency": "normal", "text": "灯坏了", "photo": big},
    )
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_firm_responds_through_the_page(code, firm_admin, client):
    request = raise_one(code)
    client.force_login(firm_admin)
    url = reverse("service_request_act", args=[request.pk, "respond"])
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "马上到"}).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.RESPONDED


def test_request_page_refused_to_strangers(code, client, other_official):
    request = raise_one(code)
    for user in (UserFactory(), other_official, CommitteeMemberFactory().user):
        client.force_login(user)
        assert client.get(reverse("service_request_detail", args=[request.pk])).status_code == 403
