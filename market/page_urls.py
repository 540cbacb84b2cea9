"""Public URLs of Wagtail pages without asking the cache backend on every request.

``{% pageurl %}`` looks up Wagtail's site root paths once per request, in the default
cache (the database, in production): a query per request. Sites almost never change,
so each process keeps them for a minute, and forgets them at once when it saves a Site.
Within that minute a page's URL is a function of its ``url_path`` alone (moving or
renaming a page changes its ``url_path``), so ``url_of_path`` keeps the URLs it made.
"""

import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, Site


class _SiteRootPaths:
    """What Page.get_url_parts(request=...) keeps Wagtail's site root paths on (its
    "cache object", normally the request)."""

    SECONDS = 60

    # URLs made, by url_path: bounded so that a crawl of every page cannot grow it
    # without end.
    URLS_KEPT = 10_000

    def __init__(self):
        self.fetched_at = time.monotonic()
        self.single_site = Site.objects.count() <= 1
        self.urls: dict[str, str] = {}


_site_root_paths: _SiteRootPaths | None = None


@receiver([post_save, post_delete], sender=Site)
def _forget_site_root_paths(**kwargs) -> None:
    global _site_root_paths
    _site_root_paths = None


def _current() -> _SiteRootPaths:
    global _site_root_paths
    if _site_root_paths is None or (
        time.monotonic() - _site_root_paths.fetched_at > _SiteRootPaths.SECONDS
    ):
        _site_root_paths = _SiteRootPaths()
    return _site_root_paths


def page_url(page) -> str:
    """The page's public URL, relative when there is one site (as ``{% pageurl %}``
    gives it), or "" if it is not routable."""
    site_root_paths = _current()
    parts = page.get_url_parts(request=site_root_paths)
    if parts is None or parts[2] is None:
        return ""
    _site_id, root_url, page_path = parts
    return page_path if site_root_paths.single_site else root_url + page_path


def url_of_path(url_path: str) -> str:
    """``page_url`` of the page whose ``url_path`` this is, without loading the page:
    the catalogue links twenty firm pages per request (docs/performance.md). For pages
    that keep Wagtail's own URL routing (``get_url_parts`` not overridden)."""
    site_root_paths = _current()
    url = site_root_paths.urls.get(url_path)
    if url is None:
        if len(site_root_paths.urls) >= _SiteRootPaths.URLS_KEPT:
            site_root_paths.urls.clear()
        # An unsaved stand-in: Wagtail's get_url_parts reads url_path and nothing else.
        url = site_root_paths.urls[url_path] = page_url(Page(url_path=url_path))
    return url
