import re

import pytest
from django.core import mail
from django.urls import reverse

from market.models import Invitation, Official
from tests.factories import OfficialFactory, give_totp


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


@pytest.mark.django_db
def test_the_district_home_offers_the_invitation_form_to_the_bureau(
    client, official, district, street_office, django_capture_on_commit_callbacks
):
    client.force_login(official)

    response = client.get(reverse("district_detail", args=[district.code]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "邀请政府工作人员" in text
    assert f'action="{reverse("official_invite", args=[district.code])}"' in text
    assert 'name="email"' in text
    assert f'<option value="{street_office.pk}">兴丰街道</option>' in text

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("official_invite", args=[district.code]),
            {"email": "jiedao@example.gov.cn", "street_office": street_office.pk},
        )
    assert sent.status_code == 302
    assert Invitation.objects.get().email == "jiedao@example.gov.cn"


@pytest.mark.django_db
def test_a_street_official_is_not_offered_the_invitation_form(client, street_office):
    post = OfficialFactory(district=street_office.district, street_office=street_office)
    give_totp(post.user)
    client.force_login(post.user)

    response = client.get(reverse("district_detail", args=[street_office.district.code]))

    assert response.status_code == 200
    assert "邀请政府工作人员" not in response.content.decode()
    assert reverse("official_invite", args=[street_office.district.code]) not in (
        response.content.decode()
    )
