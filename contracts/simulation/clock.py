"""The simulated clock and the settings a simulation runs under.

The services take ``today`` explicitly, but a few paths read the clock themselves: the
``firm_status_changed`` receiver moves a suspended firm's sites "from today", and
``today_or`` defaults to it. During a simulation ``django.utils.timezone.localdate()``
(called without arguments) answers the simulated day, so those paths act on the same day
as everything else. Timestamps (``timezone.now()``) stay real.
"""

import contextlib
from datetime import date
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

_real_localdate = timezone.localdate


class SimulatedClock:
    def __init__(self, today: date):
        self.today = today

    def localdate(self, value=None, timezone=None):  # noqa: A002 - Django's signature
        if value is None and timezone is None:
            return self.today
        return _real_localdate(value, timezone)


@contextlib.contextmanager
def simulated_clock(today: date):
    """Patch ``timezone.localdate`` for the block; move the day with ``clock.today = …``."""
    clock = SimulatedClock(today)
    with mock.patch.object(timezone, "localdate", clock.localdate):
        yield clock


@contextlib.contextmanager
def simulation_settings():
    """E-mail goes to a no-op backend (the messages are still rendered by the services)
    and uploaded files (handover photos) to memory, so a run leaves nothing behind. On
    PostgreSQL the session commits without waiting for the WAL flush
    (``synchronous_commit = off``): a synthetic run needs no durability, and thousands of
    small transactions a simulated year otherwise wait on the disk."""
    storages = dict(settings.STORAGES)
    storages["default"] = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    with override_settings(
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}},
        STORAGES=storages,
    ):
        postgres = connection.vendor == "postgresql" and not connection.in_atomic_block
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        try:
            yield
        finally:
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("RESET synchronous_commit")
