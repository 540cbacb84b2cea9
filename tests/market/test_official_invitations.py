import re

import pytest
from django.core import mail
from django.urls import reverse

from market.models import Invitation, Official


@pytest.mark.django_db
def test_bureau_official_invites_a_street_official(
    client, official, district, street_office, django_capture_on_commit_callbacks
):
    client.force_login(official)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("official_invite", args=[district.code]),
            {"email": "jiedao@example.gov.cn", "street_office": street_office.pk},
        )
    assert response.status_code == 302
    link = re.search(r"(/invitations/[^\s]+/)", mail.outbox[-1].body).group(1)
    client.logout()
    client.post(
        link,
        {"full_name": "赵街道", "password1": "jiedao-安全-2026", "password2": "jiedao-安全-2026"},
    )

    post = Official.objects.get(user__email="jiedao@example.gov.cn")
    assert (post.district, post.street_office) == (district, street_office)


@pytest.mark.django_db
def test_bad_email_is_refused_with_a_message(client, official, district):
    client.force_login(official)

    response = client.post(
        reverse("official_invite", args=[district.code]), {"email": "not-an-email"}
    )

    assert response.status_code == 400
    assert "输入一个有效的 Email 地址。" in response.content.decode()  # Django's own message
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_only_the_districts_bureau_may_invite_officials(
    client, district, other_official, firm_admin, committee_member
):
    for user in (other_official, firm_admin, committee_member):
        client.force_login(user)
        response = client.post(
            reverse("official_invite", args=[district.code]), {"email": "x@example.gov.cn"}
        )
        assert response.status_code == 403
    assert not Invitation.objects.exists()
