"""Fee schedules (DOMAIN: "Fee schedule (质价相符)"): drafting, approving, immutability,
the version in force, and who may do what."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from market.exceptions import InvalidTransition
from market.fee_defaults import DEFAULT_GRADES, default_grades
from market.fee_selectors import VersionState, fee_schedule_versions, upcoming_fee_schedules
from market.models import (
    EnforcementMode,
    Event,
    FeeGrade,
    FeeSchedule,
    FeeScheduleStatus,
    ScopeItem,
)
from market.models.events import ACTION_LABELS
from market.models.fees import ENFORCEMENT_EXPLANATIONS, ApprovedFeeScheduleChanged
from market.selectors import current_fee_schedule
from market.services.fees import (
    BAND_MIN_BELOW_MAX,
    BAND_OVERLAP,
    DRAFT_EXISTS,
    EFFECTIVE_DATE_PAST,
    GRADE_MISSING,
    GRADE_TWICE,
    SCORE_ASCENDING,
    SCORE_INVALID,
    STANDARD_ITEM_UNKNOWN,
    STANDARD_REQUIRED,
    fee_grades_validate,
    fee_schedule_approve,
    fee_schedule_discard,
    fee_schedule_draft_create,
    fee_schedule_draft_update,
    fee_schedule_record_published,
)
from market.services.offers import offer_fee_check
from tests.factories import OfficialFactory, give_totp

# DOMAIN.md, Fee schedule: G1 0.50–0.80 (≥ 60) … G5 2.50–3.50 (≥ 94).
DOMAIN_BANDS = [
    (1, Decimal("0.50"), Decimal("0.80"), 60),
    (2, Decimal("0.80"), Decimal("1.20"), 70),
    (3, Decimal("1.20"), Decimal("1.80"), 80),
    (4, Decimal("1.80"), Decimal("2.50"), 88),
    (5, Decimal("2.50"), Decimal("3.50"), 94),
]


def today() -> date:
    return timezone.localdate()


def bands(schedule: FeeSchedule) -> list[tuple]:
    return [(g.grade, g.fee_min, g.fee_max, g.min_score) for g in schedule.grades.all()]


def snapshot(schedule: FeeSchedule) -> tuple:
    schedule.refresh_from_db()
    grades = [
        (g.grade, g.name, g.fee_min, g.fee_max, g.min_score, g.standard)
        for g in schedule.grades.all()
    ]
    return (schedule.status, schedule.enforcement, schedule.effective_from, schedule.note, grades)


def record_v1(district, *, days_ago: int = 30) -> FeeSchedule:
    return fee_schedule_record_published(
        district=district,
        enforcement=EnforcementMode.CAP,
        effective_from=today() - timedelta(days=days_ago),
        note="2026年版",
        grades=default_grades(),
    )


def draft_terms(schedule: FeeSchedule, **overrides) -> dict:
    terms = {
        "enforcement": schedule.enforcement,
        "effective_from": today() + timedelta(days=10),
        "note": "第二版",
        "grades": default_grades(),
    }
    terms.update(overrides)
    return terms


def post_data(schedule: FeeSchedule, *, action: str = "save", grades=None, **fields) -> dict:
    """What the edit form posts: the version's fields and one block per grade."""
    grades = default_grades() if grades is None else grades
    data = {
        "action": action,
        "enforcement": schedule.enforcement,
        "effective_from": (today() + timedelta(days=10)).isoformat(),
        "note": "第二版",
        "grades-TOTAL_FORMS": str(len(grades)),
        "grades-INITIAL_FORMS": str(len(grades)),
        "grades-MIN_NUM_FORMS": "0",
        "grades-MAX_NUM_FORMS": "5",
    }
    for index, grade in enumerate(grades):
        prefix = f"grades-{index}-"
        data[prefix + "grade"] = str(grade["grade"])
        data[prefix + "name"] = grade["name"]
        data[prefix + "fee_min"] = str(grade["fee_min"])
        data[prefix + "fee_max"] = str(grade["fee_max"])
        data[prefix + "min_score"] = str(grade["min_score"])
        for entry in grade["standard"]:
            data[prefix + "standard_" + entry["item"]] = entry["standard"]
    data.update(fields)
    return data


@pytest.fixture
def draft(district, official):
    return fee_schedule_draft_create(actor=official, district=district)


@pytest.fixture
def street_official(street_office):
    post = OfficialFactory(district=street_office.district, street_office=street_office)
    give_totp(post.user)
    return post.user


# --- Defaults ------------------------------------------------------------------------------


def test_the_defaults_are_domain_md_and_cover_every_scope_item():
    assert [(g["grade"], g["fee_min"], g["fee_max"], g["min_score"]) for g in DEFAULT_GRADES] == (
        DOMAIN_BANDS
    )
    for grade in default_grades():
        assert [entry["item"] for entry in grade["standard"]] == ScopeItem.values
        assert all(entry["standard"] for entry in grade["standard"])
    fee_grades_validate(default_grades())  # the defaults pass every rule


# --- Draft → approve -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_draft_starts_from_the_domain_defaults_and_is_approved_from_the_page(
    client, district, official
):
    client.force_login(official)

    response = client.post(reverse("fee_schedule_new", args=[district.code]))

    schedule = FeeSchedule.objects.get(district=district)
    assert response.status_code == 302
    assert response["Location"] == reverse("fee_schedule_edit", args=[schedule.pk])
    assert (schedule.version, schedule.status) == (1, FeeScheduleStatus.DRAFT)
    assert schedule.enforcement == EnforcementMode.CAP
    assert bands(schedule) == DOMAIN_BANDS
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "一级（基础服务）" in page.content.decode()

    effective = today() + timedelta(days=5)
    response = client.post(
        reverse("fee_schedule_edit", args=[schedule.pk]),
        post_data(schedule, action="approve", effective_from=effective.isoformat()),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("fee_schedule_list", args=[district.code])
    schedule.refresh_from_db()
    assert schedule.status == FeeScheduleStatus.APPROVED
    assert schedule.approved_by == official
    assert schedule.approved_at is not None
    assert schedule.effective_from == effective
    assert schedule.note == "第二版"
    # Approved today with a future date: upcoming, not yet in force.
    assert current_fee_schedule(district=district) is None
    assert current_fee_schedule(district=district, on=effective) == schedule
    assert upcoming_fee_schedules(district=district) == [schedule]


@pytest.mark.django_db
def test_a_new_draft_copies_the_latest_approved_version(district, official):
    v1 = record_v1(district)
    grades = default_grades()
    grades[4]["fee_max"] = Decimal("3.80")
    v2 = fee_schedule_draft_create(actor=official, district=district)
    fee_schedule_draft_update(
        actor=official,
        schedule=v2,
        **draft_terms(v2, enforcement=EnforcementMode.BENCHMARK, grades=grades),
    )
    fee_schedule_approve(actor=official, schedule=v2)

    v3 = fee_schedule_draft_create(actor=official, district=district)

    assert (v1.version, v2.version, v3.version) == (1, 2, 3)
    assert v3.status == FeeScheduleStatus.DRAFT
    assert v3.enforcement == EnforcementMode.BENCHMARK
    assert bands(v3)[4] == (5, Decimal("2.50"), Decimal("3.80"), 94)
    assert [g.standard for g in v3.grades.all()] == [g.standard for g in v2.grades.all()]


@pytest.mark.django_db
def test_saving_a_draft_replaces_its_terms_and_keeps_it_a_draft(client, official, draft):
    client.force_login(official)
    grades = default_grades()
    grades[0]["name"] = "一级"
    grades[0]["standard"] = [{"item": "cleaning", "standard": "每周清扫1次"}]

    response = client.post(
        reverse("fee_schedule_edit", args=[draft.pk]),
        post_data(draft, grades=grades, enforcement="benchmark"),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == FeeScheduleStatus.DRAFT
    assert draft.enforcement == EnforcementMode.BENCHMARK
    first = draft.grades.get(grade=1)
    assert first.name == "一级"
    assert first.standard == [{"item": "cleaning", "standard": "每周清扫1次"}]


@pytest.mark.django_db
def test_the_draft_can_be_discarded(client, district, official, draft):
    client.force_login(official)

    response = client.post(reverse("fee_schedule_discard", args=[draft.pk]))

    assert response.status_code == 302
    assert not FeeSchedule.objects.filter(pk=draft.pk).exists()
    assert not FeeGrade.objects.filter(schedule_id=draft.pk).exists()
    # The next draft takes the number again; only approved versions are kept.
    assert fee_schedule_draft_create(actor=official, district=district).version == 1


# --- Immutability --------------------------------------------------------------------------


@pytest.fixture
def approved(district, official, draft):
    fee_schedule_draft_update(actor=official, schedule=draft, **draft_terms(draft))
    return fee_schedule_approve(actor=official, schedule=draft)


@pytest.mark.django_db
def test_the_services_refuse_to_change_an_approved_version(official, approved):
    before = snapshot(approved)

    with pytest.raises(InvalidTransition):
        fee_schedule_draft_update(actor=official, schedule=approved, **draft_terms(approved))
    with pytest.raises(InvalidTransition):
        fee_schedule_approve(actor=official, schedule=approved)
    with pytest.raises(InvalidTransition):
        fee_schedule_discard(actor=official, schedule=approved)

    assert snapshot(approved) == before


@pytest.mark.django_db
def test_the_models_refuse_to_change_an_approved_version(approved):
    schedule = FeeSchedule.objects.get(pk=approved.pk)
    schedule.note = "改过了"
    with pytest.raises(ApprovedFeeScheduleChanged):
        schedule.save()
    with pytest.raises(ApprovedFeeScheduleChanged):
        FeeSchedule.objects.get(pk=approved.pk).delete()
    grade = approved.grades.get(grade=3)
    grade.fee_max = Decimal("9.99")
    with pytest.raises(ApprovedFeeScheduleChanged):
        grade.save()
    with pytest.raises(ApprovedFeeScheduleChanged):
        approved.grades.get(grade=3).delete()

    FeeSchedule.objects.get(pk=approved.pk).save()  # unchanged: allowed, writes nothing
    assert approved.grades.get(grade=3).fee_max == Decimal("1.80")
    assert FeeSchedule.objects.get(pk=approved.pk).note == "第二版"


@pytest.mark.django_db
def test_the_database_refuses_a_raw_update_of_an_approved_version(approved):
    # SQLite refuses UPDATE too; PostgreSQL also refuses DELETE (next test).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE market_feeschedule SET note = 'x' WHERE id = %s", [approved.pk])
    grade_id = approved.grades.get(grade=1).pk
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE market_feegrade SET fee_max = 9 WHERE id = %s", [grade_id])

    assert FeeSchedule.objects.get(pk=approved.pk).note == "第二版"
    assert FeeGrade.objects.get(pk=grade_id).fee_max == Decimal("0.80")


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite cannot refuse DELETE without breaking test flushes",
)
def test_postgresql_refuses_to_delete_an_approved_version_or_its_grades(approved):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM market_feegrade WHERE schedule_id = %s", [approved.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM market_feeschedule WHERE id = %s", [approved.pk])

    assert approved.grades.count() == 5


@pytest.mark.django_db
def test_the_database_lets_drafts_change(draft):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE market_feeschedule SET note = 'x' WHERE id = %s", [draft.pk])
        cursor.execute("UPDATE market_feegrade SET name = 'y' WHERE schedule_id = %s", [draft.pk])
    draft.refresh_from_db()
    assert draft.note == "x"


@pytest.mark.django_db
def test_an_approved_version_shows_read_only_and_refuses_posts(client, official, approved):
    client.force_login(official)
    before = snapshot(approved)
    url = reverse("fee_schedule_edit", args=[approved.pk])

    page = client.get(url)
    response = client.post(url, post_data(approved, note="改过了"))

    assert page.status_code == 200
    assert b'name="grades-0-fee_min"' not in page.content
    assert "¥0.50–0.80" in page.content.decode()
    assert response.status_code == 400
    assert snapshot(approved) == before
    discard = client.post(reverse("fee_schedule_discard", args=[approved.pk]))
    assert discard.status_code == 302
    assert FeeSchedule.objects.filter(pk=approved.pk).exists()


# --- Validation ----------------------------------------------------------------------------


def _overlapping():
    grades = default_grades()
    grades[1]["fee_min"] = Decimal("0.70")  # grade 1 runs to 0.80
    message = BAND_OVERLAP % {"grade": 2, "low": "0.70", "previous": 1, "high": "0.80"}
    return grades, {}, message


def _min_not_below_max():
    grades = default_grades()
    grades[2]["fee_min"], grades[2]["fee_max"] = Decimal("1.80"), Decimal("1.20")
    return grades, {}, BAND_MIN_BELOW_MAX % {"grade": 3, "low": "1.80", "high": "1.20"}


def _missing_grade():
    return default_grades()[:4], {}, GRADE_MISSING % {"grade": 5}


def _past_date():
    yesterday = today() - timedelta(days=1)
    message = EFFECTIVE_DATE_PAST % {"today": today().isoformat()}
    return default_grades(), {"effective_from": yesterday.isoformat()}, message


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["save", "approve"])
@pytest.mark.parametrize(
    "case", [_overlapping, _min_not_below_max, _missing_grade, _past_date], ids=lambda c: c.__name__
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    client, official, draft, action, case
):
    client.force_login(official)
    grades, fields, message = case()
    before = snapshot(draft)
    events = Event.objects.count()

    response = client.post(
        reverse("fee_schedule_edit", args=[draft.pk]),
        post_data(draft, action=action, grades=grades, **fields),
    )

    assert response.status_code == 400
    assert escape(str(message)) in response.content.decode()
    assert snapshot(draft) == before
    assert Event.objects.count() == events


@pytest.mark.django_db
def test_the_date_and_the_grades_are_checked_together(client, official, draft):
    client.force_login(official)
    grades, _fields, overlap = _overlapping()
    _grades, fields, past = _past_date()

    response = client.post(
        reverse("fee_schedule_edit", args=[draft.pk]), post_data(draft, grades=grades, **fields)
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert escape(str(overlap)) in content and escape(str(past)) in content


@pytest.mark.django_db
def test_the_service_refuses_bad_terms_without_saving(official, draft):
    before = snapshot(draft)
    grades, _fields, message = _overlapping()

    with pytest.raises(ValidationError) as refused:
        fee_schedule_draft_update(
            actor=official, schedule=draft, **draft_terms(draft, grades=grades)
        )

    assert str(message) in refused.value.message_dict["grades"]
    assert snapshot(draft) == before


@pytest.mark.django_db
def test_approving_rechecks_the_effective_date(official, draft):
    with connection.cursor() as cursor:  # a draft saved earlier, whose date has since passed
        cursor.execute(
            "UPDATE market_feeschedule SET effective_from = %s WHERE id = %s",
            [today() - timedelta(days=1), draft.pk],
        )

    with pytest.raises(ValidationError) as refused:
        fee_schedule_approve(actor=official, schedule=draft)

    assert "effective_from" in refused.value.message_dict
    draft.refresh_from_db()
    assert draft.status == FeeScheduleStatus.DRAFT


def test_grade_rules_name_each_problem():
    grades = default_grades()
    grades[3]["min_score"] = 80  # not above grade 3's 80
    grades[4]["min_score"] = 101
    grades[1]["standard"] = []
    grades[2]["standard"] = [{"item": "swimming_pool", "standard": "每日"}]
    grades.append(dict(default_grades()[0]))

    with pytest.raises(ValidationError) as refused:
        fee_grades_validate(grades)

    messages = refused.value.message_dict["grades"]
    assert str(
        SCORE_ASCENDING % {"grade": 4, "score": 80, "previous": 3, "previous_score": 80}
    ) in (messages)
    assert str(SCORE_INVALID % {"grade": 5}) in messages
    assert str(STANDARD_REQUIRED % {"grade": 2}) in messages
    assert str(STANDARD_ITEM_UNKNOWN % {"grade": 3, "item": "swimming_pool"}) in messages
    assert str(GRADE_TWICE % {"grade": 1}) in messages


def test_bands_may_touch_but_not_overlap():
    grades = fee_grades_validate(default_grades())  # G1 ends at 0.80, G2 starts at 0.80
    assert [g["fee_min"] for g in grades] == [b[1] for b in DOMAIN_BANDS]


# --- The version in force ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_version_in_force_is_the_latest_approved_whose_date_has_come(district, official):
    v1 = record_v1(district)
    v2 = fee_schedule_draft_create(actor=official, district=district)
    grades = default_grades()
    grades[0]["fee_min"], grades[0]["fee_max"] = Decimal("0.60"), Decimal("0.80")
    starts = today() + timedelta(days=10)
    fee_schedule_draft_update(
        actor=official, schedule=v2, **draft_terms(v2, effective_from=starts, grades=grades)
    )
    fee_schedule_approve(actor=official, schedule=v2)
    v3 = fee_schedule_draft_create(actor=official, district=district)  # an open draft

    assert current_fee_schedule(district=district) == v1
    assert current_fee_schedule(district=district, on=starts - timedelta(days=1)) == v1
    assert current_fee_schedule(district=district, on=starts) == v2
    assert current_fee_schedule(district=district, on=v1.effective_from - timedelta(days=1)) is None
    states = {v.schedule.version: v.state for v in fee_schedule_versions(district=district)}
    assert states == {1: VersionState.IN_FORCE, 2: VersionState.UPCOMING, 3: VersionState.DRAFT}
    later = {
        v.schedule.version: v.state for v in fee_schedule_versions(district=district, on=starts)
    }
    assert later == {1: VersionState.PAST, 2: VersionState.IN_FORCE, 3: VersionState.DRAFT}
    # Offers are checked against the version in force on the day.
    assert offer_fee_check(districts=[district], grade=1, fee=Decimal("0.55")).allowed
    assert not offer_fee_check(
        districts=[district], grade=1, fee=Decimal("0.55"), on=starts
    ).allowed

    # A version approved later for the same date replaces v2 before it starts.
    fee_schedule_draft_update(actor=official, schedule=v3, **draft_terms(v3, effective_from=starts))
    fee_schedule_approve(actor=official, schedule=v3)
    assert current_fee_schedule(district=district, on=starts) == v3
    assert upcoming_fee_schedules(district=district) == [v3]


@pytest.mark.django_db
def test_a_new_version_cannot_take_effect_before_the_latest_approved_one(district, official):
    record_v1(district)
    v2 = fee_schedule_draft_create(actor=official, district=district)
    fee_schedule_draft_update(
        actor=official, schedule=v2, **draft_terms(v2, effective_from=today() + timedelta(days=30))
    )
    fee_schedule_approve(actor=official, schedule=v2)
    v3 = fee_schedule_draft_create(actor=official, district=district)

    with pytest.raises(ValidationError) as refused:
        fee_schedule_draft_update(
            actor=official,
            schedule=v3,
            **draft_terms(v3, effective_from=today() + timedelta(days=29)),
        )
    assert "effective_from" in refused.value.message_dict


# --- One draft per district -----------------------------------------------------------------


@pytest.mark.django_db
def test_one_open_draft_per_district(client, district, other_district, official, draft):
    with pytest.raises(ValidationError) as refused:
        fee_schedule_draft_create(actor=official, district=district)
    assert refused.value.messages == [str(DRAFT_EXISTS % {"version": draft.version})]

    client.force_login(official)
    response = client.post(reverse("fee_schedule_new", args=[district.code]))
    assert response.status_code == 400
    assert escape(str(DRAFT_EXISTS % {"version": draft.version})) in response.content.decode()
    assert FeeSchedule.objects.filter(district=district).count() == 1

    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeSchedule.objects.create(district=district, version=9, effective_from=today())
    # Other districts draft on their own.
    assert fee_schedule_draft_create(actor=None, district=other_district).version == 1


# --- Permissions -----------------------------------------------------------------------------


def bureau_requests(district, schedule):
    return [
        ("get", reverse("fee_schedule_list", args=[district.code])),
        ("post", reverse("fee_schedule_new", args=[district.code])),
        ("get", reverse("fee_schedule_edit", args=[schedule.pk])),
        ("post", reverse("fee_schedule_edit", args=[schedule.pk])),
        ("post", reverse("fee_schedule_discard", args=[schedule.pk])),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["committee_member", "firm_staff", "firm_admin", "other_official", "street_official"]
)
def test_only_the_districts_bureau_reaches_the_bureau_pages(request, client, district, draft, role):
    client.force_login(request.getfixturevalue(role))
    before = snapshot(draft)

    for method, url in bureau_requests(district, draft):
        response = getattr(client, method)(url, post_data(draft) if method == "post" else None)
        assert response.status_code == 403, (role, method, url)

    assert snapshot(draft) == before
    assert FeeSchedule.objects.count() == 1


@pytest.mark.django_db
def test_the_public_is_sent_to_log_in(client, district, draft):
    for method, url in bureau_requests(district, draft):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert FeeSchedule.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_an_official_without_mfa_is_sent_to_set_up_totp(
    client, district, draft, official_without_mfa
):
    client.force_login(official_without_mfa)

    for method, url in bureau_requests(district, draft):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    assert FeeSchedule.objects.filter(pk=draft.pk, status=FeeScheduleStatus.DRAFT).exists()


@pytest.mark.django_db
def test_the_services_check_the_actor(district, other_official, draft):
    with pytest.raises(PermissionDenied):
        fee_schedule_draft_create(actor=other_official, district=district)
    with pytest.raises(PermissionDenied):
        fee_schedule_draft_update(actor=other_official, schedule=draft, **draft_terms(draft))
    with pytest.raises(PermissionDenied):
        fee_schedule_approve(actor=other_official, schedule=draft)
    with pytest.raises(PermissionDenied):
        fee_schedule_discard(actor=other_official, schedule=draft)


@pytest.mark.django_db
def test_the_district_home_links_the_bureau_to_its_fee_schedule(client, district, official):
    client.force_login(official)
    response = client.get(reverse("district_detail", args=[district.code]))
    assert reverse("fee_schedule_list", args=[district.code]) in response.content.decode()


@pytest.mark.django_db
def test_the_bureau_list_shows_each_version_and_its_state(client, district, official):
    record_v1(district)
    fee_schedule_draft_create(actor=official, district=district)
    client.force_login(official)

    response = client.get(reverse("fee_schedule_list", args=[district.code]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "badge-in_force" in content and "badge-draft" in content
    assert reverse("fee_schedule_new", args=[district.code]) not in content  # a draft is open


# --- Public page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_page_shows_the_schedule_in_force_and_the_next_one(client, district, official):
    record_v1(district)
    v2 = fee_schedule_draft_create(actor=official, district=district)
    starts = today() + timedelta(days=20)
    fee_schedule_draft_update(
        actor=official,
        schedule=v2,
        **draft_terms(v2, effective_from=starts, enforcement=EnforcementMode.BENCHMARK),
    )
    fee_schedule_approve(actor=official, schedule=v2)

    response = client.get(reverse("fee_schedule_public", args=[district.code]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "¥0.50–0.80" in content and "¥2.50–3.50" in content
    assert "≥ 94" in content
    assert "楼道、楼梯每周清扫1次" in content  # the service standard
    assert escape(str(ENFORCEMENT_EXPLANATIONS[EnforcementMode.CAP])) in content
    assert escape(str(ENFORCEMENT_EXPLANATIONS[EnforcementMode.BENCHMARK])) in content
    assert starts.isoformat() in content


@pytest.mark.django_db
def test_the_public_page_of_a_district_without_a_schedule(client, district, draft):
    response = client.get(reverse("fee_schedule_public", args=[district.code]))
    assert response.status_code == 200
    assert "¥0.50" not in response.content.decode()  # drafts are not public
    assert client.get(reverse("fee_schedule_public", args=["999999"])).status_code == 404


# --- Events ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_change_writes_a_labelled_event(district, official):
    v1 = fee_schedule_draft_create(actor=official, district=district)
    fee_schedule_draft_update(actor=official, schedule=v1, **draft_terms(v1))
    fee_schedule_approve(actor=official, schedule=v1)
    v2 = fee_schedule_draft_create(actor=official, district=district)
    fee_schedule_discard(actor=official, schedule=v2)

    events = list(Event.objects.filter(action__startswith="fee_schedule.").order_by("id"))
    assert [e.action for e in events] == [
        "fee_schedule.draft_created",
        "fee_schedule.draft_updated",
        "fee_schedule.approved",
        "fee_schedule.draft_created",
        "fee_schedule.draft_discarded",
    ]
    assert all(e.actor == official and e.district == district for e in events)
    assert all(e.action in ACTION_LABELS for e in events)
    updated = events[1]
    assert updated.before["note"] == "" and updated.after["note"] == "第二版"
    assert updated.after["grades"][0]["fee_min"] == "0.50"
    assert events[2].after["status"] == "approved"
    assert events[4].before["version"] == 2
