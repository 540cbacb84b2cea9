import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from market.models import Committee, CommitteeMember, Event, Invitation
from market.services.committees import MemberData, committee_register


def formset_data(kind: str, members: list[dict]) -> dict:
    data = {
        "kind": kind,
        "phone": "010-69200000",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "21",
    }
    for i, member in enumerate(members):
        for key, value in member.items():
            data[f"members-{i}-{key}"] = value
    return data


def people(n: int, chair: bool = True) -> list[dict]:
    return [
        {
            "name": f"委员{i}",
            "email": f"m{i}@example.com",
            "role": "chair" if chair and i == 0 else "member",
        }
        for i in range(n)
    ]


@pytest.mark.django_db
def test_official_registers_committee_and_members_are_invited(
    client, official, compound, django_capture_on_commit_callbacks
):
    client.force_login(official)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("committee_create", args=[compound.pk]), formset_data("owners", people(5))
        )

    assert response.status_code == 302
    committee = Committee.objects.get(compound=compound)
    assert committee.members.count() == 5
    assert committee.chair.name == "委员0"
    assert committee.signer == committee.chair  # the chair signs unless another is authorised
    assert len(mail.outbox) == 5
    assert Invitation.objects.filter(kind="committee").count() == 5
    assert "/invitations/" in mail.outbox[0].body
    assert Event.objects.filter(action="committee.registered", district=compound.district).exists()


@pytest.mark.django_db
def test_committee_without_a_chair_is_refused_and_nothing_saved(
    client, official, compound, django_capture_on_commit_callbacks
):
    client.force_login(official)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("committee_create", args=[compound.pk]),
            formset_data("owners", people(5, chair=False)),
        )

    assert response.status_code == 400
    assert "委员会必须有一名主任" in response.content.decode()
    assert not Committee.objects.exists()
    assert not CommitteeMember.objects.exists()
    assert not Invitation.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_committee_without_a_chair_is_refused_in_english(client, official, compound):
    client.force_login(official)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.post(
        reverse("committee_create", args=[compound.pk]),
        formset_data("owners", people(3, chair=False)),
    )

    assert response.status_code == 400
    assert "A committee needs a chair" in response.content.decode()
    assert not Committee.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 8])
def test_management_committee_needs_an_odd_number_of_at_least_seven(official, compound, size):
    members = [MemberData(**m) for m in people(size)]

    with pytest.raises(ValidationError) as error:
        committee_register(actor=official, compound=compound, kind="management", members=members)

    assert error.value.error_list[0].code == "size"
    assert not Committee.objects.exists()


@pytest.mark.django_db
def test_two_chairs_two_signers_and_duplicate_emails_are_all_reported(official, compound):
    members = [
        MemberData(name="甲", email="a@example.com", role="chair", is_signer=True),
        MemberData(name="乙", email="a@example.com", role="chair", is_signer=True),
    ]

    with pytest.raises(ValidationError) as error:
        committee_register(actor=official, compound=compound, kind="owners", members=members)

    assert {e.code for e in error.value.error_list} == {"chairs", "signers", "duplicate_email"}


@pytest.mark.django_db
def test_a_compound_has_one_current_committee(official, compound):
    committee_register(
        actor=official,
        compound=compound,
        kind="owners",
        members=[MemberData(**m) for m in people(3)],
    )

    with pytest.raises(ValidationError) as error:
        committee_register(
            actor=official,
            compound=compound,
            kind="owners",
            members=[MemberData(**m) for m in people(3)],
        )

    assert error.value.error_list[0].code == "exists"
    assert Committee.objects.count() == 1


@pytest.mark.django_db
def test_street_official_registers_committees_only_in_their_street(
    client, district, compound, street_office
):
    from tests.factories import CompoundFactory, OfficialFactory, StreetOfficeFactory, give_totp

    post = OfficialFactory(district=district, street_office=street_office)
    give_totp(post.user)
    elsewhere = CompoundFactory(street_office=StreetOfficeFactory(district=district))
    client.force_login(post.user)

    assert client.get(reverse("committee_create", args=[compound.pk])).status_code == 200
    assert client.get(reverse("committee_create", args=[elsewhere.pk])).status_code == 403
    # Street officials do not run the district's register.
    assert client.get(reverse("compound_create", args=[district.code])).status_code == 403


@pytest.mark.django_db
def test_compound_timeline_shows_the_committee_and_invitations(client, official, compound):
    committee_register(
        actor=official,
        compound=compound,
        kind="owners",
        members=[MemberData(**m) for m in people(3)],
    )
    client.force_login(official)

    response = client.get(reverse("compound_page", args=[compound.pk]))

    labels = [event.action_label for event in response.context["events"]]
    assert "委员会已登记" in labels
    assert labels.count("已发送邀请") == 3
    assert "委员会已登记" in response.content.decode()
