"""Who can reach what. Every role that must be refused is tried."""

import json
import re

import pytest
from django.urls import reverse

from tests.factories import CompoundFactory, StreetOfficeFactory


def admin_menu(response) -> dict[str, str]:
    """The Wagtail sidebar's menu items (rendered client-side from JSON): label → url."""
    props = re.search(
        r'<script id="wagtail-sidebar-props"[^>]*>(.*?)</script>', response.content.decode(), re.S
    ).group(1)
    items = {}

    def walk(node):
        if isinstance(node, dict):
            if "label" in node and "url" in node:
                items[node["label"]] = node["url"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(props))
    return items


@pytest.mark.django_db
def test_committee_member_sees_own_compound_not_another(
    client, committee_member, compound, other_compound
):
    client.force_login(committee_member)

    own = client.get(reverse("compound_page", args=[compound.pk]))
    other = client.get(reverse("compound_page", args=[other_compound.pk]))

    assert own.status_code == 200
    assert compound.name in own.content.decode()
    assert other.status_code == 403
    assert other_compound.name not in other.content.decode()


@pytest.mark.django_db
def test_committee_member_lands_on_my_compound(client, committee_member, compound):
    client.force_login(committee_member)

    response = client.get(reverse("my_home"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("my_compound")
    assert "我的小区" in response.content.decode()
    assert compound.name in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["district_home", "my_compound"])
def test_firm_staff_cannot_reach_bureau_or_committee_pages(client, firm_staff, url_name):
    client.force_login(firm_staff)

    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.django_db
def test_firm_staff_cannot_open_a_compound_or_register_one(client, firm_staff, compound, district):
    client.force_login(firm_staff)

    assert client.get(reverse("compound_page", args=[compound.pk])).status_code == 403
    assert client.get(reverse("compound_create", args=[district.code])).status_code == 403
    assert client.get(reverse("committee_create", args=[compound.pk])).status_code == 403


@pytest.mark.django_db
def test_firm_staff_land_on_my_firm(client, firm_staff):
    client.force_login(firm_staff)

    response = client.get(reverse("my_home"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("my_firm")
    assert "我的企业" in response.content.decode()


@pytest.mark.django_db
def test_official_sees_own_district_only(client, official, district, other_district, compound):
    foreign = CompoundFactory(
        street_office=StreetOfficeFactory(district=other_district), name="通州某小区"
    )
    client.force_login(official)

    home = client.get(reverse("district_home"))
    assert home.status_code == 200
    assert compound.name in home.content.decode()
    assert foreign.name not in home.content.decode()

    assert client.get(reverse("district_detail", args=[other_district.code])).status_code == 403
    assert client.get(reverse("compound_page", args=[foreign.pk])).status_code == 403
    assert client.get(reverse("compound_create", args=[other_district.code])).status_code == 403
    assert client.get(reverse("committee_create", args=[foreign.pk])).status_code == 403


@pytest.mark.django_db
def test_official_of_district_two_cannot_see_district_one(
    client, other_official, district, compound
):
    client.force_login(other_official)

    assert client.get(reverse("district_detail", args=[district.code])).status_code == 403
    assert client.get(reverse("compound_page", args=[compound.pk])).status_code == 403
    assert compound.name not in client.get(reverse("district_home")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/district/", "/admin/", "/district/110115/compounds/new/"])
def test_official_without_mfa_is_sent_to_set_it_up(client, official_without_mfa, path):
    client.force_login(official_without_mfa)

    response = client.get(path, follow=True)

    first_hop = response.redirect_chain[0][0]
    assert first_hop == reverse("mfa_activate_totp")
    # allauth asks for the password again before TOTP set-up; the warning is shown there.
    assert "身份验证器" in response.content.decode()


@pytest.mark.django_db
def test_official_with_mfa_reaches_bureau_pages_and_admin(client, official):
    client.force_login(official)

    assert client.get("/district/").status_code == 200
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert admin_menu(admin)["我的辖区"] == "/district/"  # the role's own admin menu entry


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/my/", "/my/compound/", "/my/firm/", "/district/", "/compounds/1/"]
)
def test_anonymous_users_get_the_login_page(client, path):
    response = client.get(path, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert response.request["PATH_INFO"] == reverse("account_login")


@pytest.mark.django_db
def test_anonymous_admin_redirects_to_the_site_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_committee_members_cannot_reach_the_admin(client, committee_member):
    client.force_login(committee_member)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert not response.url.startswith("/admin/")


@pytest.mark.django_db
def test_firm_staff_see_only_their_menu_in_the_admin(client, firm_staff):
    client.force_login(firm_staff)

    response = client.get("/admin/")

    menu = admin_menu(response)
    assert response.status_code == 200
    assert menu["我的企业"] == "/my/firm/"
    assert "我的辖区" not in menu
    assert not any(url.startswith(("/admin/users/", "/admin/settings/")) for url in menu.values())
