"""gunicorn reads this file from the directory it starts in (docs/deploy.md:
``gunicorn config.wsgi ...`` from the project root); command-line options still apply."""

import gc
from importlib import import_module


def post_worker_init(worker):
    """Once the worker has loaded Django, Wagtail and the URLconf, hide those long-lived
    objects from the garbage collector: otherwise every full collection walks some
    200,000 of them, a pause of 0.1–0.2 s every few hundred requests
    (docs/performance.md)."""
    from django.conf import settings

    import_module(settings.ROOT_URLCONF)
    gc.freeze()
