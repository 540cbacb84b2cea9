"""The bureau's page for the district's response deadlines (SLA, issue #5): change with
an event (before/after), new requests get the new hours while requests already raised
keep theirs, bad input refused whole, other roles refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from market.models import Event
from ratings.models import DistrictRatingSettings
from ratings.services.deadlines import request_deadlines_of, request_deadlines_set
from ratings.services.requests import request_raise
from tests.factories import CommitteeMemberFactory, OfficialFactory, UserFactory, give_totp

pytestmark = pytest.mark.django_db


def _url(district):
    return reverse("request_deadlines", args=[district.code])


def test_page_shows_the_defaults_and_is_linked(client, official, district):
    client.force_login(official)
    page = client.get(_url(district))
    assert page.status_code == 200
    assert 'value="2"' in page.content.decode() and 'value="24"' in page.content.decode()
    home = client.get(reverse("district_detail", args=[district.code])).content.decode()
    assert _url(district) in home


def test_change_is_saved_with_an_event(client, official, district):
    client.force_login(official)
    response = client.post(
        _url(district), {"urgent_response_hours": "4", "normal_response_hours": "48"}
    )
    assert response.status_code == 302
    assert request_deadlines_of(district) == (4, 48)
    event = Event.objects.get(action="request_deadlines.changed")
    assert event.district_id == district.pk and event.actor_id == official.pk
    assert event.before == {"urgent_response_hours": 2, "normal_response_hours": 24}
    assert event.after == {"urgent_response_hours": 4, "normal_response_hours": 48}
    page = client.get(_url(district)).content.decode()
    assert "2 / 24" in page and "4 / 48" in page
    # Saving the same hours again changes nothing and records nothing.
    request_deadlines_set(actor=official, district=district, urgent_hours=4, normal_hours=48)
    assert Event.objects.filter(action="request_deadlines.changed").count() == 1


def test_new_requests_use_the_new_hours_old_ones_keep_theirs(code, official, district):
    now = timezone.now().replace(microsecond=0)
    before = request_raise(
        household_code=code, category="repairs", urgency="normal", text="灯坏了", now=now
    )
    urgent_before = request_raise(
        household_code=code, category="lifts", urgency="urgent", text="电梯停了", now=now
    )
    request_deadlines_set(actor=official, district=district, urgent_hours=1, normal_hours=8)
    later = now + timedelta(minutes=5)
    after = request_raise(
        household_code=code, category="repairs", urgency="normal", text="又坏了", now=later
    )
    urgent_after = request_raise(
        household_code=code, category="lifts", urgency="urgent", text="又停了", now=later
    )
    before.refresh_from_db()
    urgent_before.refresh_from_db()
    assert before.respond_by == now + timedelta(hours=24)
    assert urgent_before.respond_by == now + timedelta(hours=2)
    assert after.respond_by == later + timedelta(hours=8)
    assert urgent_after.respond_by == later + timedelta(hours=1)


@pytest.mark.parametrize(
    ("urgent", "normal", "field", "message"),
    [
        ("0", "24", "urgent_response_hours", "Urgent requests need at least 1 hour."),
        ("-3", "24", "urgent_response_hours", "Urgent requests need at least 1 hour."),
        ("6", "4", "normal_response_hours", "Normal requests cannot have less time"),
        ("2", "169", "normal_response_hours", "At most 168 hours"),
        ("200", "200", "urgent_response_hours", "At most 168 hours"),
        ("1.5", "24", "urgent_response_hours", "Enter a whole number of hours."),
        ("2", "abc", "normal_response_hours", "Enter a whole number of hours."),
        ("", "24", "urgent_response_hours", None),
    ],
)
def test_bad_input_is_refused_whole(client, official, district, urgent, normal, field, message):
    client.force_login(official)
    response = client.post(
        _url(district),
        {"urgent_response_hours": urgent, "normal_response_hours": normal},
        HTTP_ACCEPT_LANGUAGE="en",  # the messages checked are the English source
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    if message:
        assert any(message in error for error in form.errors[field])
    assert not DistrictRatingSettings.objects.exists()
    assert not Event.objects.filter(action="request_deadlines.changed").exists()
    assert request_deadlines_of(district) == (2, 24)


@pytest.mark.parametrize("value", [1.5, "3", True, None])
def test_service_wants_whole_hours(official, district, value):
    with pytest.raises(ValidationError):
        request_deadlines_set(
            actor=official, district=district, urgent_hours=value, normal_hours=24
        )
    assert not DistrictRatingSettings.objects.exists()


def test_database_refuses_normal_below_urgent_or_over_a_week(district):
    for urgent, normal in ((5, 4), (2, 169)):
        with pytest.raises(IntegrityError), transaction.atomic():
            DistrictRatingSettings.objects.create(
                district=district, urgent_response_hours=urgent, normal_response_hours=normal
            )


def test_other_roles_are_refused(
    client, district, other_official, firm_admin, street_office, compound
):
    street_official = OfficialFactory(district=district, street_office=street_office).user
    give_totp(street_official)
    committee = CommitteeMemberFactory(committee__compound=compound).user
    assert client.get(_url(district)).status_code == 302  # anonymous: log in first
    for user in (street_official, other_official, firm_admin, committee, UserFactory()):
        client.force_login(user)
        assert client.get(_url(district)).status_code == 403
        response = client.post(
            _url(district), {"urgent_response_hours": "1", "normal_response_hours": "2"}
        )
        assert response.status_code == 403
        with pytest.raises(PermissionDenied):
            request_deadlines_set(actor=user, district=district, urgent_hours=1, normal_hours=2)
    assert not DistrictRatingSettings.objects.exists()
    client.force_login(street_official)
    home = client.get(reverse("district_detail", args=[district.code])).content.decode()
    assert _url(district) not in home
