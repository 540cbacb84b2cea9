"""Accounts through allauth: e-mail login, verification, password reset, rate limits, TOTP."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_login_by_email_lands_on_the_role_home(client, committee_member):
    response = client.post(
        reverse("account_login"), {"login": committee_member.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get(response.url, follow=True).request["PATH_INFO"] == reverse("my_compound")


@pytest.mark.django_db
def test_wrong_password_is_refused_in_chinese(client, committee_member):
    response = client.post(
        reverse("account_login"), {"login": committee_member.email, "password": "wrong-password"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "不正确" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client, committee_member):
    for _ in range(5):
        client.post(
            reverse("account_login"),
            {"login": committee_member.email, "password": "wrong-password"},
        )

    response = client.post(
        reverse("account_login"), {"login": committee_member.email, "password": PASSWORD}
    )

    assert "_auth_user_id" not in client.session  # even the right password waits
    assert response.status_code in (200, 429)


@pytest.mark.django_db
def test_sign_up_requires_email_verification(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.firm@example.com",
            "password1": "a-Long-passw0rd-物业",
            "password2": "a-Long-passw0rd-物业",
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.firm@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_password_reset_sends_a_link(client):
    user = UserFactory(email="reset.me@example.com")

    response = client.post(reverse("account_reset_password"), {"email": user.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_official_with_totp_is_asked_for_the_code_at_login(client, official):
    response = client.post(
        reverse("account_login"), {"login": official.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
