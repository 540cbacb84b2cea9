"""Public URLs of Wagtail pages without asking the cache backend on every request.

``{% pageurl %}`` looks up Wagtail's site root paths once per request, in the default
cache (the database, in production): a query per request. Sites almost never change,
so each process keeps them for a minute, and forgets them at once when it saves a Site.
"""

import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Site


class _SiteRootPaths:
    """What Page.get_url_parts(request=...) keeps Wagtail's site root paths on (its
    "cache object", normally the request)."""

    SECONDS = 60

    def __init__(self):
        self.fetched_at = time.monotonic()
        self.single_site = Site.objects.count() <= 1


_site_root_paths: _SiteRootPaths | None = None


@receiver([post_save, post_delete], sender=Site)
def _forget_site_root_paths(**kwargs) -> None:
    global _site_root_paths
    _site_root_paths = None


def page_url(page) -> str:
    """The page's public URL, relative when there is one site (as ``{% pageurl %}``
    gives it), or "" if it is not routable."""
    global _site_root_paths
    if _site_root_paths is None or (
        time.monotonic() - _site_root_paths.fetched_at > _SiteRootPaths.SECONDS
    ):
        _site_root_paths = _SiteRootPaths()
    parts = page.get_url_parts(request=_site_root_paths)
    if parts is None or parts[2] is None:
        return ""
    _site_id, root_url, page_path = parts
    return page_path if _site_root_paths.single_site else root_url + page_path
