"""Catalogue counts kept in the cache under the catalogue's version (market.catalogue):
a repeated search skips its count query, and any change to what the catalogue lists —
an offer published or withdrawn, a firm suspended — is counted again at once."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from market.services.firms import firm_suspend
from tests.factories import FirmFactory, OfferFactory, OfficialFactory

URL = "/catalogue/"


@pytest.fixture
def counts_cached(settings):
    settings.CATALOGUE_COUNT_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def _count(client, **query) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, query)
    assert response.status_code == 200
    return response.context["page_obj"].paginator.count, len(queries)


@pytest.mark.django_db
def test_a_repeated_search_is_counted_once(client, district, counts_cached):
    firm = FirmFactory(districts=[district])
    OfferFactory.create_batch(3, firm=firm, summary="专业保洁服务", districts=[district])
    _count(client, q="绿化")  # the process's other caches (places, page URLs) warm up
    first, first_queries = _count(client, q="保洁")
    again, again_queries = _count(client, q="保洁")
    assert first == again == 3
    assert again_queries == first_queries - 1
    # Other filters are other counts.
    assert _count(client, q="保洁", grade="5")[0] == 0


@pytest.mark.django_db
def test_a_change_to_the_catalogue_is_counted_at_once(
    client, district, counts_cached, django_capture_on_commit_callbacks
):
    firm = FirmFactory(districts=[district])
    other = FirmFactory(districts=[district])
    OfferFactory.create_batch(2, firm=firm, summary="专业保洁服务", districts=[district])
    OfferFactory(firm=other, summary="保洁", districts=[district])
    assert _count(client, q="保洁")[0] == 3
    with django_capture_on_commit_callbacks(execute=True):
        OfferFactory(firm=firm, summary="保洁与绿化", districts=[district])
    assert _count(client, q="保洁")[0] == 4
    official = OfficialFactory(district=district).user
    with django_capture_on_commit_callbacks(execute=True):
        firm_suspend(actor=official, firm=firm, reason="安全事故")
    # Suspended firms vanish from the catalogue at once (DOMAIN "Firms and vetting").
    assert _count(client, q="保洁")[0] == 1
    assert _count(client)[0] == 1
