"""The project's URLs plus the bare view the catalogue is compared with."""

import os

from django.http import HttpResponse
from django.urls import include, path

# As many bytes as the catalogue list page (bench/catalogue.py measures it and sets this).
BARE_SIZE = int(os.environ.get("BENCH_BARE_SIZE", "40000"))
_BODY = b"<!doctype html><html><body>" + b"x" * BARE_SIZE + b"</body></html>"


def bare(request):
    """No database, no template: the ceiling a Django view can reach on this machine."""
    return HttpResponse(_BODY)


urlpatterns = [path("bench/bare/", bare), path("", include("config.urls"))]
