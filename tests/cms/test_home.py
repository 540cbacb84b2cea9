import pytest
from wagtail.models import Site

from cms.models import HomePage
from market.models import ManagementStatus
from tests.factories import CompoundFactory


@pytest.mark.django_db
def test_home_page_is_the_site_root_and_explains_the_platform(client):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)

    response = client.get("/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "物业超市" in text
    assert "浏览物业企业目录" in text  # link to the catalogue, in Chinese
    assert 'href="/catalogue/"' in text


@pytest.mark.django_db
def test_home_page_shows_coverage_figures(client, street_office):
    CompoundFactory.create_batch(3, street_office=street_office)
    CompoundFactory(street_office=street_office, management_status=ManagementStatus.FALLBACK)

    response = client.get("/")

    coverage = response.context["coverage"]
    assert (coverage.registered, coverage.served, coverage.fallback) == (4, 1, 1)
    assert "25.0%" in response.content.decode()


@pytest.mark.django_db
def test_home_page_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    response = client.get("/")

    assert "Browse the catalogue" in response.content.decode()
    assert response.context["LANGUAGE_CODE"] == "en"
