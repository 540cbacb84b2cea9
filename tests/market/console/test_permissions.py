"""Who may use the bureau's console (issue #8): the district's bureau officials only. The
public is sent to log in; committee members, firm staff, street officials and officials
of another district are refused (403); a district-2 official sees none of district 1's
data anywhere in the console or its downloads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from market.models import CompoundImport
from market.services.compounds import compound_register
from tests.factories import FirmFactory, OfficialFactory, StreetOfficeFactory, give_totp

from .conftest import compound_row, csv_bytes, read_csv


def console_urls(code: str) -> list[str]:
    return [
        reverse("console_audit", args=[code]),
        reverse("console_approvals", args=[code]),
        reverse("console_import", args=[code]),
        reverse("console_import_template", args=[code, "xlsx"]),
        reverse("console_import_template", args=[code, "csv"]),
        reverse("console_exports", args=[code]),
        reverse("console_export", args=[code, "compounds", "csv"]),
        reverse("console_export", args=[code, "compounds", "xlsx"]),
        reverse("console_export", args=[code, "firms", "csv"]),
        reverse("console_export", args=[code, "firms", "xlsx"]),
    ]


@pytest.mark.django_db
def test_the_bureau_official_opens_every_console_page(official_client, district):
    for url in console_urls(district.code):
        assert official_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_the_public_is_sent_to_log_in(client, district):
    for url in console_urls(district.code):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


@pytest.fixture
def street_official(district):
    office = StreetOfficeFactory(district=district, name="观音寺街道")
    post = OfficialFactory(district=district, street_office=office)
    give_totp(post.user)
    return post.user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["committee_member", "firm_staff", "firm_admin", "other_official", "street_official"]
)
def test_everyone_else_is_refused(client, district, request, who):
    client.force_login(request.getfixturevalue(who))

    for url in console_urls(district.code):
        assert client.get(url).status_code == 403, url
    upload = client.post(
        reverse("console_import", args=[district.code]),
        {"file": SimpleUploadedFile("a.csv", csv_bytes([compound_row(1)]))},
    )
    assert upload.status_code == 403
    assert not CompoundImport.objects.exists()


@pytest.mark.django_db
def test_an_official_without_totp_is_sent_to_set_it_up(client, district, official_without_mfa):
    client.force_login(official_without_mfa)

    response = client.get(reverse("console_audit", args=[district.code]))

    assert response.status_code == 302
    assert "totp" in response.url


@pytest.mark.django_db
def test_a_district_2_official_sees_none_of_district_1s_data(
    client, district, other_district, street_office, official, other_official
):
    """District 1 has a compound (with its events), a firm application, an import; the
    district-2 official goes through every console page and download of district 2."""
    compound_register(
        actor=official,
        street_office=street_office,
        name="大兴秘密小区",
        address="大兴某路",
        buildings=1,
        owners=5,
        exclusive_area=500,
        households=5,
        year_built=2001,
    )
    FirmFactory(
        name="大兴秘密物业", registered_district=district, districts=[district], status="applied"
    )
    client.force_login(official)
    client.post(
        reverse("console_import", args=[district.code]),
        {"file": SimpleUploadedFile("a.csv", csv_bytes([compound_row(1)]))},
    )
    district_1_import = CompoundImport.objects.get()
    StreetOfficeFactory(district=other_district, name="永顺镇")

    client.force_login(other_official)
    seen = ""
    for url in [
        *console_urls(other_district.code),
        reverse("district_detail", args=[other_district.code]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content
        if url.endswith(".xlsx"):
            continue  # the same rows as the .csv, checked there
        seen += (
            "\n".join(",".join(r) for r in read_csv(content))
            if url.endswith(".csv")
            else content.decode()
        )
    for secret in ("大兴秘密小区", "大兴秘密物业", "导入小区1", "a.csv", "兴丰街道"):
        assert secret not in seen, secret
    # District 1's pages and its import stay closed to them.
    assert client.get(reverse("console_audit", args=[district.code])).status_code == 403
    assert (
        client.get(
            reverse("console_import_batch", args=[district.code, district_1_import.pk])
        ).status_code
        == 403
    )
    assert (
        client.get(
            reverse("console_import_batch", args=[other_district.code, district_1_import.pk])
        ).status_code
        == 404
    )
