"""Document workers for a simulation: contract PDFs rendered beside it, as in production.

Generating a contract only asks for its PDF (a django-tasks task); in production the
worker beside the server renders it. With ``--document-workers N`` the simulation does the
same: with the database task backend configured (``DJANGO_TASKS_BACKEND`` under the test
settings) it starts N ``manage.py db_worker`` processes on the same database, so
WeasyPrint runs on another CPU while the district lives on. With none, tasks run as
configured (at once, in the simulating process, under the test settings). The committees
sign three days after generation either way (``moves.SIGNING_DAYS``), waiting for the PDF if
it is not there yet, so a seed replays the same history with or without workers.
"""

import contextlib
import os
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from ..models import Contract

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
POLL_SECONDS = 0.02
# How often an idle worker looks for a task. A simulated day takes about as long as one
# render (0.15–0.3 s), and the committees sign soon after: pick-up delay is spent by the
# simulation waiting (docs/performance.md, seventh pass).
WORKER_POLL_SECONDS = 0.02
WAIT_LIMIT_SECONDS = 300


def _database_url(application_name: str = "") -> str:
    """The URL of the database this process uses (the test database under pytest), with
    the connection's ``application_name`` if given (how the workers' backends are found)."""
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    query = f"?application_name={application_name}" if application_name else ""
    return f"postgres://{auth}@{host}/{db['NAME']}{query}"


@contextlib.contextmanager
def document_workers(count: int, pinning=None):
    """Run the block with ``count`` document workers (none: tasks as configured), on the
    CPUs ``pinning`` leaves to them (contracts.simulation.cpus)."""
    if count <= 0:
        yield
        return
    if connection.vendor != "postgresql":
        raise CommandError("--document-workers needs PostgreSQL (the workers share its queue)")
    if settings.TASKS["default"]["BACKEND"] != DATABASE_BACKEND:
        # Not switched here: the task libraries settle their backends when they load.
        raise CommandError(
            f"--document-workers needs the {DATABASE_BACKEND} task backend: run with "
            f"DJANGO_TASKS_BACKEND={DATABASE_BACKEND} under the test settings, or with the "
            "development or production settings."
        )
    application_name = f"wuye-documents-{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev"),
        "DATABASE_URL": _database_url(application_name),
        "DJANGO_TASKS_BACKEND": DATABASE_BACKEND,
        # The worker closes "old" connections after every poll: with the default age of
        # 0 that is a new PostgreSQL backend (a fork and its start-up) every poll, on
        # whichever CPU, the simulation's included. One connection for the whole run.
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE") or "3600",
    }
    command = [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "db_worker",
        "--queue-name=default",
        f"--interval={WORKER_POLL_SECONDS}",
        "--no-startup-delay",
        "--no-reload",
        "--verbosity=0",
    ]
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) for _ in range(count)]
    if pinning is not None:
        for worker in workers:
            pinning.pin_worker(worker.pid)
        # Their database backends with them, off the simulation's CPU.
        pinning.pin_backends(application_name=application_name, count=count)
    try:
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def document_wait(contract_id: int) -> str:
    """The contract's PDF hash, once it has been rendered (by a worker, or already)."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while True:
        digest = (
            Contract.objects.filter(pk=contract_id)
            .values_list("document_sha256", flat=True)
            .first()
        )
        if digest:
            return digest
        if time.monotonic() > deadline:
            raise RuntimeError(f"contract {contract_id}: no document after {WAIT_LIMIT_SECONDS} s")
        time.sleep(POLL_SECONDS)
