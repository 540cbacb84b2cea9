"""Resident ratings: 1–5 per scope item, one per household per month, moderation, reply."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from ratings.models import CommentStatus, Rating
from ratings.services.ratings import rating_flag, rating_moderate, rating_reply, rating_submit
from tests.factories import CommitteeMemberFactory, FirmMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL_FOUR = {"cleaning": 4, "order": 4, "water": 4}
MARCH = date(2026, 3, 20)


def test_rating_per_scope_item_averages(code):
    rating = rating_submit(
        household_code=code, scores={"cleaning": 5, "order": 4, "water": 2}, today=MARCH
    )
    assert rating.average == Decimal("3.67")
    assert rating.month == date(2026, 3, 1)
    assert rating.scores == {"cleaning": 5, "order": 4, "water": 2}


def test_one_rating_per_household_per_month(code, codes):
    rating_submit(household_code=code, scores=ALL_FOUR, today=MARCH)
    with pytest.raises(ValidationError):
        rating_submit(household_code=code, scores=ALL_FOUR, today=date(2026, 3, 31))
    # The other household, and the next month, may.
    rating_submit(household_code=codes[1][0], scores=ALL_FOUR, today=MARCH)
    rating_submit(household_code=code, scores=ALL_FOUR, today=date(2026, 4, 1))
    assert Rating.objects.count() == 3


def test_database_enforces_one_per_month(code, serving):
    rating = rating_submit(household_code=code, scores=ALL_FOUR, today=MARCH)
    with pytest.raises(IntegrityError):
        Rating.objects.create(
            compound=rating.compound,
            engagement=serving,
            firm=rating.firm,
            household_code=code,
            month=rating.month,
            scores=ALL_FOUR,
            average=4,
        )


@pytest.mark.parametrize(
    "scores",
    [
        {"cleaning": 0, "order": 4, "water": 4},
        {"cleaning": 6, "order": 4, "water": 4},
        {"cleaning": "4.5", "order": 4, "water": 4},
        {"cleaning": 4, "order": 4},
        {"cleaning": "x", "order": 4, "water": 4},
    ],
)
def test_bad_scores_refused(code, scores):
    with pytest.raises(ValidationError):
        rating_submit(household_code=code, scores=scores, today=MARCH)
    assert not Rating.objects.exists()


def _enter(client, compound, plain):
    client.post(reverse("resident_entry", args=[compound.pk]), {"code": plain})


def test_rate_through_the_page(plain, compound, client):
    _enter(client, compound, plain)
    response = client.post(
        reverse("resident_rate", args=[compound.pk]),
        {"score_cleaning": "5", "score_order": "4", "score_water": "3", "comment": "很好"},
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert rating.comment_status == CommentStatus.PUBLISHED


@pytest.mark.parametrize(
    "data",
    [
        {"score_cleaning": "9", "score_order": "4", "score_water": "3"},
        {"score_cleaning": "0", "score_order": "4", "score_water": "3"},
        {"score_order": "4", "score_water": "3"},
        {"score_cleaning": "5", "score_order": "4", "score_water": "3", "comment": "x" * 2001},
    ],
)
def test_rate_bad_input_400(plain, compound, client, data):
    _enter(client, compound, plain)
    response = client.post(reverse("resident_rate", args=[compound.pk]), data)
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_script_in_comment_is_escaped(plain, compound, client, firm):
    _enter(client, compound, plain)
    client.post(
        reverse("resident_rate", args=[compound.pk]),
        {
            "score_cleaning": "5",
            "score_order": "4",
            "score_water": "3",
            "comment": "<script>alert(1)</script>",
        },
    )
    page = client.get(reverse("notice_board", args=[compound.pk]))
    assert page.status_code == 200
    from django.template import Context, Template

    html = Template(
        "{% load ratings_tags %}{% three_rates_summary firm=firm comments=True %}"
    ).render(Context({"firm": firm}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_links_and_phone_numbers_are_held(code):
    rating = rating_submit(
        household_code=code, scores=ALL_FOUR, comment="加我 13812345678", today=MARCH
    )
    assert rating.comment_status == CommentStatus.HELD


def test_flag_then_committee_moderates(code, firm_admin, committee_member):
    rating = rating_submit(household_code=code, scores=ALL_FOUR, comment="太差了", today=MARCH)
    rating = rating_flag(actor=firm_admin, rating=rating, reason="不实")
    assert rating.comment_status == CommentStatus.HELD
    rating = rating_moderate(actor=committee_member, rating=rating, publish=False)
    assert rating.comment_status == CommentStatus.HIDDEN


def test_moderation_refused_for_others(code, firm_admin, official, other_official):
    rating = rating_submit(household_code=code, scores=ALL_FOUR, comment="x", today=MARCH)
    rating = rating_flag(actor=firm_admin, rating=rating, reason="不实")
    for user in (
        firm_admin,
        official,
        other_official,
        UserFactory(),
        CommitteeMemberFactory().user,
    ):
        with pytest.raises(PermissionDenied):
            rating_moderate(actor=user, rating=rating, publish=False)


def test_firm_replies_once(code, firm_admin):
    rating = rating_submit(household_code=code, scores=ALL_FOUR, comment="还行", today=MARCH)
    rating_reply(actor=firm_admin, rating=rating, text="谢谢")
    with pytest.raises(ValidationError):
        rating_reply(actor=firm_admin, rating=rating, text="再次")
    rating.refresh_from_db()
    assert rating.reply == "谢谢"


def test_reply_refused_for_others(code, committee_member, official, other_official, district):
    rating = rating_submit(household_code=code, scores=ALL_FOUR, comment="还行", today=MARCH)
    other_firm_staff = FirmMemberFactory(role="admin", firm__districts=[district]).user
    for user in (committee_member, official, other_official, UserFactory(), other_firm_staff):
        with pytest.raises(PermissionDenied):
            rating_reply(actor=user, rating=rating, text="x")


def test_reply_view_bad_input_and_refusal(code, firm_admin, client, committee_member):
    rating = rating_submit(household_code=code, scores=ALL_FOUR, comment="还行", today=MARCH)
    client.force_login(firm_admin)
    assert client.post(reverse("rating_reply", args=[rating.pk]), {"text": ""}).status_code == 400
    client.force_login(committee_member)
    response = client.post(reverse("rating_reply", args=[rating.pk]), {"text": "x"})
    assert response.status_code == 403
    rating.refresh_from_db()
    assert rating.reply == ""


def test_flag_view(code, firm_admin, client, official):
    rating = rating_submit(household_code=code, scores=ALL_FOUR, comment="差", today=MARCH)
    url = reverse("rating_flag", args=[rating.pk])
    client.force_login(official)
    assert client.post(url, {"reason": "不实"}).status_code == 403
    client.force_login(firm_admin)
    assert client.post(url, {"reason": ""}).status_code == 400
    rating.refresh_from_db()
    assert rating.comment_status == CommentStatus.PUBLISHED
    assert client.post(url, {"reason": "不实"}).status_code == 302
    rating.refresh_from_db()
    assert rating.comment_status == CommentStatus.HELD
