import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from market.models import FirmMember, Invitation
from market.services.committees import committee_member_invite
from market.services.invitations import invitation_create
from tests.factories import PASSWORD, CommitteeMemberFactory

NEW_PASSWORD = "枣园小区-2026-secure"


def link_from_mail(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", message.body).group(1)


@pytest.fixture
def seat(compound):
    return CommitteeMemberFactory(
        committee__compound=compound,
        user=None,
        name="李桂兰",
        email="li@example.com",
        role="member",
    )


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a service and the e-mails it sends after commit."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


@pytest.fixture
def invitation_link(seat, send):
    send(committee_member_invite, actor=None, seat=seat)
    return link_from_mail(mail.outbox[-1])


def accept(client, link, password=NEW_PASSWORD, password2=None):
    return client.post(
        link, {"full_name": "李桂兰", "password1": password, "password2": password2 or password}
    )


@pytest.mark.django_db
def test_following_an_invitation_creates_a_verified_account_with_the_seat(
    client, seat, invitation_link
):
    page = client.get(invitation_link)
    assert page.status_code == 200
    assert "枣园小区" in page.content.decode()

    response = accept(client, invitation_link)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    user = get_user_model().objects.get(email="li@example.com")
    assert user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    seat.refresh_from_db()
    assert seat.user == user


@pytest.mark.django_db
def test_a_used_invitation_is_refused(client, invitation_link):
    accept(client, invitation_link)

    again = client.get(invitation_link)
    post_again = accept(client, invitation_link)

    assert again.status_code == 410
    assert "已被使用" in again.content.decode()
    assert post_again.status_code == 410
    assert get_user_model().objects.filter(email="li@example.com").count() == 1


@pytest.mark.django_db
def test_an_expired_invitation_is_refused_and_nothing_saved(client, seat, invitation_link):
    Invitation.objects.update(
        created_at=timezone.now() - timedelta(days=10),
        expires_at=timezone.now() - timedelta(days=3),
    )

    page = client.get(invitation_link)
    post = accept(client, invitation_link)

    assert page.status_code == 410
    assert "过期" in page.content.decode()
    assert post.status_code == 410
    assert not get_user_model().objects.filter(email="li@example.com").exists()
    seat.refresh_from_db()
    assert seat.user is None


@pytest.mark.django_db
def test_expired_invitation_message_in_english(client, invitation_link):
    Invitation.objects.update(
        created_at=timezone.now() - timedelta(days=10),
        expires_at=timezone.now() - timedelta(days=3),
    )
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get(invitation_link)

    assert page.status_code == 410
    assert "This invitation expired on" in page.content.decode()


@pytest.mark.django_db
def test_an_unknown_link_is_a_404_with_a_message(client):
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert "邀请链接无效" in response.content.decode()


@pytest.mark.django_db
def test_re_sending_an_invitation_retires_the_old_link(client, seat, invitation_link, send):
    send(committee_member_invite, actor=None, seat=seat)

    assert client.get(invitation_link).status_code == 410
    assert client.get(link_from_mail(mail.outbox[-1])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password1", "password2", "field"),
    [("short", "short", "password1"), (NEW_PASSWORD, NEW_PASSWORD + "x", "password2")],
)
def test_bad_passwords_are_refused_and_nothing_saved(
    client, seat, invitation_link, password1, password2, field
):
    response = accept(client, invitation_link, password1, password2)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not get_user_model().objects.filter(email="li@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.django_db
def test_only_the_token_hash_is_stored(seat, invitation_link):
    token = invitation_link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=token).exists()


@pytest.mark.django_db
def test_firm_admin_invites_staff_who_join_the_firm(
    client, firm_admin, django_capture_on_commit_callbacks
):
    firm = FirmMember.objects.get(user=firm_admin).firm
    client.force_login(firm_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("firm_staff_invite", args=[firm.pk]),
            {"email": "new.staff@example.com", "role": "staff"},
        )
    assert response.status_code == 302
    link = link_from_mail(mail.outbox[-1])
    client.logout()
    accept(client, link)

    member = FirmMember.objects.get(user__email="new.staff@example.com")
    assert (member.firm, member.role) == (firm, "staff")


@pytest.mark.django_db
def test_firm_staff_cannot_invite(client, firm_staff):
    firm = FirmMember.objects.get(user=firm_staff).firm
    client.force_login(firm_staff)

    response = client.post(
        reverse("firm_staff_invite", args=[firm.pk]), {"email": "x@example.com", "role": "admin"}
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_firm_admin_cannot_invite_into_another_firm(client, firm_admin, firm_staff):
    other_firm = FirmMember.objects.get(user=firm_staff).firm
    client.force_login(firm_admin)

    response = client.post(
        reverse("firm_staff_invite", args=[other_firm.pk]),
        {"email": "x@example.com", "role": "staff"},
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_existing_account_accepts_after_logging_in(client, firm_staff, firm_admin, send):
    firm = FirmMember.objects.get(user=firm_admin).firm
    send(
        invitation_create,
        actor=firm_admin,
        kind="firm",
        email=firm_staff.email,
        firm=firm,
        firm_role="staff",
    )
    link = link_from_mail(mail.outbox[-1])

    page = client.get(link)
    assert "登录" in page.content.decode()
    client.login(email=firm_staff.email, password=PASSWORD)
    response = client.post(link)

    assert response.status_code == 302
    assert FirmMember.objects.filter(user=firm_staff, firm=firm).exists()


@pytest.mark.django_db
def test_an_invitation_for_someone_else_is_refused(client, firm_admin, firm_staff, send):
    firm = FirmMember.objects.get(user=firm_admin).firm
    send(
        invitation_create,
        actor=firm_admin,
        kind="firm",
        email="someone@example.com",
        firm=firm,
        firm_role="staff",
    )
    client.force_login(firm_staff)

    response = client.post(link_from_mail(mail.outbox[-1]))

    assert response.status_code == 404
    assert Invitation.objects.get().accepted_at is None
