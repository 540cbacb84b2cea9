"""Household codes: hashed, revocable, rate-limited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ratings.models import HouseholdCode
from ratings.services.codes import (
    TooManyAttempts,
    code_hash,
    household_code_check,
    household_code_reissue,
    household_code_revoke,
    household_codes_issue,
)
from tests.factories import CommitteeMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_codes_are_stored_hashed_only(codes, compound):
    stored = HouseholdCode.objects.filter(compound=compound)
    assert stored.count() == 2
    for row, plain in codes:
        assert len(plain.replace("-", "")) == 12
        assert row.code_hash == code_hash(plain) != plain
        assert plain.replace("-", "") not in row.code_hash
        assert row.hint == plain[:4]


def test_a_valid_code_opens_the_household(codes, compound):
    row, plain = codes[1]
    assert household_code_check(compound=compound, code=plain.lower(), client="1.1.1.1") == row


def test_wrong_and_revoked_codes_are_refused(code, plain, compound, committee_member):
    with pytest.raises(ValidationError):
        household_code_check(compound=compound, code="AAAA-BBBB-CCCC", client="1.1.1.1")
    household_code_revoke(actor=committee_member, code=code)
    with pytest.raises(ValidationError):
        household_code_check(compound=compound, code=plain, client="1.1.1.1")


def test_code_of_another_compound_is_refused(plain, other_compound):
    with pytest.raises(ValidationError):
        household_code_check(compound=other_compound, code=plain, client="1.1.1.1")


def test_reissue_revokes_and_gives_a_new_code(code, plain, compound, committee_member):
    new, new_plain = household_code_reissue(actor=committee_member, code=code)
    code.refresh_from_db()
    assert code.revoked_at is not None
    assert new.household == code.household and new_plain != plain
    assert household_code_check(compound=compound, code=new_plain, client="x") == new


def test_one_valid_code_per_household(codes, compound, committee_member):
    with pytest.raises(ValidationError) as refused:
        household_codes_issue(actor=committee_member, compound=compound, households=["1-1-101"])
    assert "1-1-101" in str(refused.value)


def test_twenty_wrong_codes_in_a_minute_are_throttled(plain, compound, client):
    url = reverse("resident_entry", args=[compound.pk])
    for _ in range(20):
        response = client.post(url, {"code": "WRONG-CODE-0000"}, REMOTE_ADDR="9.9.9.9")
        assert response.status_code == 400
        assert "不正确".encode() in response.content or "无效".encode() in response.content
    # Even the right code is refused now, from this client…
    response = client.post(url, {"code": plain}, REMOTE_ADDR="9.9.9.9")
    assert response.status_code == 429
    # …but not from another.
    response = client.post(url, {"code": plain}, REMOTE_ADDR="8.8.8.8")
    assert response.status_code == 302


def test_throttle_counts_only_wrong_codes(plain, compound):
    for _ in range(25):
        household_code_check(compound=compound, code=plain, client="7.7.7.7")
    for _ in range(20):
        with pytest.raises(ValidationError):
            household_code_check(compound=compound, code="NOPE", client="7.7.7.7")
    with pytest.raises(TooManyAttempts):
        household_code_check(compound=compound, code=plain, client="7.7.7.7")


def test_entry_with_the_code_opens_the_resident_page(plain, compound, client):
    response = client.post(reverse("resident_entry", args=[compound.pk]), {"code": plain})
    assert response.status_code == 302
    page = client.get(reverse("resident_home", args=[compound.pk]))
    assert page.status_code == 200 and "1-1-101" in page.content.decode()


def test_empty_code_is_a_400(compound, client):
    response = client.post(reverse("resident_entry", args=[compound.pk]), {"code": ""})
    assert response.status_code == 400


def test_resident_page_without_code_goes_to_entry(compound, client):
    response = client.get(reverse("resident_home", args=[compound.pk]))
    assert response.status_code == 302


# --- Permissions --------------------------------------------------------------------


def refused_users(firm_staff, official, other_official):
    return {
        "public member": UserFactory(),
        "firm staff": firm_staff,
        "bureau official": official,
        "official of another district": other_official,
        "committee member of another compound": CommitteeMemberFactory().user,
    }


def test_only_the_committee_issues_codes(
    serving, compound, firm_staff, official, other_official, client
):
    for label, user in refused_users(firm_staff, official, other_official).items():
        with pytest.raises(PermissionDenied):
            household_codes_issue(actor=user, compound=compound, households=["9-9-909"])
        client.force_login(user)
        url = reverse("household_codes", args=[compound.pk])
        assert client.get(url).status_code in (403, 302), label
        assert client.post(url, {"households": "9-9-909"}).status_code in (403, 302), label
    assert not HouseholdCode.objects.filter(household="9-9-909").exists()


def test_revoke_refused_for_others(code, firm_staff, official, other_official, client):
    for label, user in refused_users(firm_staff, official, other_official).items():
        client.force_login(user)
        response = client.post(reverse("household_code_revoke", args=[code.pk]))
        assert response.status_code in (403, 302), label
    code.refresh_from_db()
    assert code.revoked_at is None


def test_committee_issues_and_prints_codes(serving, compound, committee_member, client):
    client.force_login(committee_member)
    url = reverse("household_codes", args=[compound.pk])
    response = client.post(url, {"households": "2-1-201\n2-1-202\n"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "2-1-201" in content and "2-1-202" in content
    assert HouseholdCode.objects.filter(compound=compound).count() == 2


def test_issue_bad_input_400(serving, compound, committee_member, client):
    client.force_login(committee_member)
    url = reverse("household_codes", args=[compound.pk])
    assert client.post(url, {"households": "  \n "}).status_code == 400
    assert client.post(url, {"households": "x" * 51}).status_code == 400
    assert not HouseholdCode.objects.exists()


def test_revoking_ends_an_open_session(code, plain, compound, client, committee_member):
    client.post(reverse("resident_entry", args=[compound.pk]), {"code": plain})
    assert client.get(reverse("resident_home", args=[compound.pk])).status_code == 200
    household_code_revoke(actor=committee_member, code=code)
    response = client.get(reverse("resident_home", args=[compound.pk]))
    assert response.status_code == 302 and response.url.endswith(f"/r/{compound.pk}/")
