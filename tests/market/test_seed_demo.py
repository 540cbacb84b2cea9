"""``manage.py seed_demo``: the 大兴区 demo district."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Revision

from market import demo_data
from market.models import (
    Committee,
    CommitteeMember,
    Compound,
    District,
    Event,
    FeeGrade,
    FeeSchedule,
    Firm,
    FirmMember,
    FirmStatus,
    ManagementStatus,
    Offer,
    OfferStatus,
    Official,
    ScopeItem,
)
from market.validators import validate_credit_code

# DOMAIN.md, Fee schedule: G1 0.50–0.80 (≥ 60) … G5 2.50–3.50 (≥ 94).
DOMAIN_GRADES = [
    (1, Decimal("0.50"), Decimal("0.80"), 60),
    (2, Decimal("0.80"), Decimal("1.20"), 70),
    (3, Decimal("1.20"), Decimal("1.80"), 80),
    (4, Decimal("1.80"), Decimal("2.50"), 88),
    (5, Decimal("2.50"), Decimal("3.50"), 94),
]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = [
        Compound,
        Committee,
        CommitteeMember,
        Firm,
        FirmMember,
        Offer,
        Revision,
        Official,
        get_user_model(),
        Event,
        FeeSchedule,
        FeeGrade,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_seeds_the_daxing_register():
    seed()
    district = District.objects.get(code="110115")
    assert district.bureau_name == "大兴区住房和城乡建设委员会"
    assert district.street_offices.count() == 8
    compounds = Compound.objects.filter(street_office__district=district)
    assert compounds.count() >= 56
    for compound in compounds:
        assert compound.management_status == ManagementStatus.SEEKING
        assert 2 <= compound.buildings <= 30
        assert 80 <= compound.owners <= 2500
        assert 1978 <= compound.year_built <= 2012
        per_household = compound.exclusive_area / compound.households
        assert Decimal(55) <= per_household <= Decimal(100), compound.name
    # Registered over the past months, some within the 30-day seeking window.
    dates = sorted(compounds.values_list("registered_on", flat=True))
    assert (dates[-1] - dates[0]).days > 90
    assert sum(1 for day in dates if (dates[-1] - day).days < 30) >= 5
    # One event per registration, written by the service.
    assert Event.objects.filter(action="compound.registered").count() == compounds.count()


@pytest.mark.django_db
def test_seeds_both_kinds_of_committee_on_about_two_thirds_of_the_compounds():
    seed()
    committees = Committee.objects.all()
    assert set(committees.values_list("kind", flat=True)) == {"owners", "management"}
    share = committees.count() / Compound.objects.count()
    assert 0.55 <= share <= 0.8
    for committee in committees.prefetch_related("members"):
        seats = list(committee.members.all())
        assert sum(1 for seat in seats if seat.role == "chair") == 1
        if committee.kind == "management":
            assert len(seats) >= 7 and len(seats) % 2 == 1
        else:
            assert len(seats) in (5, 7)
    # No invitations were e-mailed for the demo seats.
    assert not CommitteeMember.objects.filter(invitations__isnull=False).exists()
    assert (
        CommitteeMember.objects.filter(email__regex=r"^m[0-9]+_[0-9]+@demo\.wuye\.example$").count()
        == CommitteeMember.objects.count() - 2
    )


@pytest.mark.django_db
def test_seeds_vetted_firms_with_one_fallback_operator_and_valid_credit_codes():
    seed()
    firms = Firm.objects.all()
    assert firms.count() >= 12
    assert firms.filter(is_fallback_operator=True).count() == 1
    fallback = firms.get(is_fallback_operator=True)
    assert fallback.status == FirmStatus.APPROVED
    assert firms.filter(status=FirmStatus.APPROVED).count() >= 11
    assert 1 <= firms.filter(status=FirmStatus.APPLIED).count() <= 2
    for firm in firms:
        validate_credit_code(firm.credit_code)  # raises ValidationError if invalid
        assert firm.districts.filter(code="110115").exists()


@pytest.mark.django_db
def test_seeds_the_fee_schedule_of_domain_md():
    seed()
    schedule = FeeSchedule.objects.get(district__code="110115", version=1)
    assert schedule.status == "approved"
    assert schedule.enforcement == "cap"
    assert schedule.approved_at is not None
    assert str(schedule.effective_from) == "2026-01-01"
    grades = [(g.grade, g.fee_min, g.fee_max, g.min_score) for g in schedule.grades.all()]
    assert grades == DOMAIN_GRADES
    items = set(ScopeItem.values)  # 保洁 秩序维护 绿化 维修 二次供水 电梯 客服
    for grade in schedule.grades.all():
        assert grade.name
        assert {entry["item"] for entry in grade.standard} == items
        assert all(entry["standard"] for entry in grade.standard)


@pytest.mark.django_db
def test_every_demo_login_authenticates_and_holds_its_role():
    output = seed()
    users = {}
    for _label, email in demo_data.DEMO_LOGINS:
        user = authenticate(email=email, password=demo_data.DEMO_PASSWORD)
        assert user is not None, email
        assert user.emailaddress_set.filter(email=email, verified=True, primary=True).exists()
        assert email in output
        users[email.split("@")[0]] = user
    assert demo_data.DEMO_PASSWORD in output
    assert "TOTP" in output

    bureau = Official.objects.get(user=users["bureau"])
    assert bureau.is_bureau and bureau.district.code == "110115"
    street = Official.objects.get(user=users["street"])
    assert street.street_office is not None

    admin_seat = FirmMember.objects.get(user=users["firm-admin"])
    assert (admin_seat.role, admin_seat.is_signer) == ("admin", True)
    assert admin_seat.firm.status == FirmStatus.APPROVED
    assert not admin_seat.firm.is_fallback_operator
    assert FirmMember.objects.get(user=users["firm-staff"], firm=admin_seat.firm).role == "staff"
    assert FirmMember.objects.get(user=users["fallback"]).firm.is_fallback_operator

    chair = CommitteeMember.objects.get(user=users["chair"])
    member = CommitteeMember.objects.get(user=users["member"])
    assert chair.role == "chair" and chair.is_signer
    assert member.role == "member"
    assert chair.committee == member.committee
    compound = chair.committee.compound
    assert (compound.street_office.name, compound.name) == demo_data.DEMO_COMPOUND

    assert users["admin"].is_superuser and users["admin"].is_staff


@pytest.mark.django_db
def test_demo_logins_reach_their_home_page(client):
    seed()
    client.login(email="firm-admin@demo.wuye.example", password=demo_data.DEMO_PASSWORD)
    assert client.get("/my/").url == "/my/firm/"
    client.logout()
    client.login(email="chair@demo.wuye.example", password=demo_data.DEMO_PASSWORD)
    assert client.get("/my/").url == "/my/compound/"
    assert client.get("/my/compound/").status_code == 200


@pytest.mark.django_db
def test_running_twice_changes_nothing():
    seed()
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert "nothing" in output


@pytest.mark.django_db
def test_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not Compound.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_runs_without_force_when_debug_is_on(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert Compound.objects.count() == len(demo_data.COMPOUNDS)


def test_demo_data_is_consistent():
    names = [(seed.street_office, seed.name) for seed in demo_data.COMPOUNDS]
    assert len(names) == len(set(names)) >= 60
    offices = {name for name, _phone in demo_data.STREET_OFFICES}
    assert {office for office, _name in names} == offices
    assert demo_data.DEMO_COMPOUND in names
    for seed in demo_data.COMPOUNDS:
        assert seed.owners <= seed.households
        assert seed.exclusive_area == seed.exclusive_area.quantize(Decimal("0.01"))
    codes = [demo_data.credit_code(f.division, f.org_body) for f in demo_data.FIRMS]
    assert len(set(codes)) == len(codes)
    assert {email for _label, email in demo_data.DEMO_LOGINS} == {
        spec["email"] for spec in demo_data.DEMO_USERS.values()
    }


@pytest.mark.django_db
def test_seeds_published_offers_with_firm_profiles_in_the_catalogue():
    from cms.models import FirmPage, OfferPage

    seed()

    offers = Offer.objects.filter(status=OfferStatus.LIVE)
    assert offers.count() >= 10
    assert OfferPage.objects.live().count() == offers.count()
    # Every approved firm has its live profile; the two awaiting vetting have none.
    approved = Firm.objects.filter(status=FirmStatus.APPROVED)
    assert FirmPage.objects.live().filter(firm__in=approved).count() == approved.count()
    assert not FirmPage.objects.filter(firm__status=FirmStatus.APPLIED).exists()
    # Seeded offers respect the cap: every fee inside its grade's band.
    assert not offers.filter(outside_band=True).exists()
    assert offers.filter(summary__contains="专业保洁服务").exists()
