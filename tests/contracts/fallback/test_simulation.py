"""The 3 years × 100 compounds simulation of issue #6, through ``manage.py
simulate_district``: zero invariant violations, and a history that exercised what it is
meant to (trials, contracts, fallback cases, handovers). Committed transactions, so the
on-commit receivers (a suspended firm's sites moving to fallback) run as in production.
PostgreSQL only: it is what CI and production run, and the run takes minutes."""

import json
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the long simulation runs on PostgreSQL"
    ),
    # Committed transactions; the Wagtail pages of the initial data come back after each.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run(**options) -> dict:
    out = StringIO()
    call_command("simulate_district", json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def test_three_years_of_a_hundred_compounds_keep_every_compound_served():
    report = run(years=3, compounds=100, seed=6)
    assert report["violations"] == 0, report["violation_samples"]
    assert report["rule_failures"] == 0 and report["errors"] == []
    counts = report["counts"]
    assert counts["trial.requested"] > 100 and counts["trial.accepted"] > 50
    assert counts["trial.declined"] + counts.get("trial.lapsed_request", 0) > 0
    assert counts["contract.generated"] > 20
    assert counts["contract.signed_firm"] > 20
    assert counts.get("vote.hire_failed", 0) > 0
    cases = report["fallback_cases"]
    assert cases.get("no_operator", 0) > 0 and cases.get("engagement_ended", 0) > 0
    assert report["handovers"]["opened"] > 20 and report["handovers"]["completed"] > 10
    assert 0 < report["fallback_days"] < report["compound_days"]
    assert report["coverage"] > 0.8


def test_a_violation_fails_the_command(monkeypatch):
    """The exit status reports violations: here the check is made to see one."""
    from contracts.simulation import invariant

    real = invariant.coverage_check

    def broken(*, district, day):
        check = real(district=district, day=day)
        check.unserved.append(0)
        return check

    monkeypatch.setattr("contracts.simulation.driver.coverage_check", broken)
    with pytest.raises(CommandError) as raised:
        run(years=0.05, compounds=3, seed=1)
    assert raised.value.returncode == 1
    assert "invariant violations" in str(raised.value)


def test_contract_pdfs_rendered_by_a_document_worker_beside_the_simulation():
    """``--document-workers``: the PDFs come from a ``db_worker`` process on the same
    database (the database task backend, as in production); the committees sign them two
    days later. Run as its own process: the task backend is chosen when Django loads."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from contracts.models import Contract
    from contracts.simulation.documents import _database_url

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "simulate_district"]
    options = ["--years=0.4", "--compounds=15", "--seed=2", "--json", "--document-workers=1"]
    done = subprocess.run(command + options, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["violations"] == 0 and report["document_workers"] == 1
    assert report["counts"].get("contract.signed_firm", 0) > 0
    # Every contract signed was signed on the PDF the worker rendered.
    signed = Contract.objects.filter(signed_at__isnull=False)
    assert signed.exists()
    for contract in signed:
        hashes = set(contract.signatures.values_list("document_sha256", flat=True))
        assert hashes == {contract.document_sha256} != {""}


def test_document_workers_need_the_database_task_backend():
    with pytest.raises(CommandError, match="task backend"):
        run(years=0.05, compounds=3, seed=1, document_workers=1)


def district_statistics(*columns: str) -> tuple:
    """The districts' table's counters in pg_stat_user_tables, flushed first (they are
    otherwise reported once a second or so)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM pg_stat_user_tables "
            "WHERE relname = 'market_district'"
        )
        return cursor.fetchone()


def test_tables_autovacuum_would_analyse_are_analysed():
    """What autovacuum does in a normally run database (it is off on the CI machine): a
    table changed by more than 10 % + 50 rows since its last ANALYZE is analysed."""
    from contracts.simulation.statistics import statistics_refresh
    from tests.factories import DistrictFactory

    statistics_refresh()
    DistrictFactory.create_batch(120)
    district_statistics("n_mod_since_analyze")
    assert "public.market_district" in statistics_refresh()
    assert district_statistics("n_mod_since_analyze") == (0,)
    assert "public.market_district" not in statistics_refresh()


def test_tables_autovacuum_would_vacuum_are_vacuumed():
    """Autovacuum's other half: a table with more dead row versions than 50 + 20 % of its
    rows (each UPDATE leaves one) is vacuumed, and then left alone."""
    from contracts.simulation.statistics import dead_rows_vacuum
    from market.models import District
    from tests.factories import DistrictFactory

    DistrictFactory.create_batch(120)
    district_statistics("n_dead_tup")
    dead_rows_vacuum()
    District.objects.update(name="改名")  # 120 dead versions
    district_statistics("n_dead_tup")
    assert "public.market_district" in dead_rows_vacuum()
    assert district_statistics("n_dead_tup", "n_ins_since_vacuum") == (0, 0)
    assert "public.market_district" not in dead_rows_vacuum()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_pin_cpu_keeps_the_simulation_and_its_backend_on_one_cpu_and_restores():
    from contracts.simulation.cpus import cpu_pinning, local_backend_pid

    backend = local_backend_pid()
    assert backend is not None  # the test database is on this machine
    before = os.sched_getaffinity(0), os.sched_getaffinity(backend)
    with cpu_pinning(True) as pinning:
        assert os.sched_getaffinity(0) == {pinning.cpu} == os.sched_getaffinity(backend)
        assert pinning.others and pinning.cpu not in pinning.others
    assert (os.sched_getaffinity(0), os.sched_getaffinity(backend)) == before
    with cpu_pinning(False) as pinning:
        assert pinning.cpu is None and os.sched_getaffinity(0) == before[0]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_a_pinned_run_reports_its_cpu_and_the_same_history():
    unpinned = run(years=0.1, compounds=6, seed=3)
    pinned = run(years=0.1, compounds=6, seed=3, pin_cpu=True)
    assert unpinned["pinned_cpu"] is None and pinned["pinned_cpu"] is not None
    assert pinned["violations"] == 0
    assert pinned["counts"] == unpinned["counts"]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_a_document_worker_keeps_one_connection_on_the_workers_cpu(settings):
    """The worker's backend is opened once, not after every poll (a new process each
    time, on any CPU), and runs on the workers' CPU, beside the worker."""
    import time

    from contracts.simulation.cpus import cpu_pinning
    from contracts.simulation.documents import document_workers

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def worker_backends() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                [f"wuye-documents-{os.getpid()}"],
            )
            return {pid for (pid,) in cursor.fetchall()}

    with cpu_pinning(True) as pinning, document_workers(1, pinning):
        first = worker_backends()
        assert len(first) == 1
        time.sleep(1)  # ≈50 polls
        assert worker_backends() == first
        assert os.sched_getaffinity(next(iter(first))) == pinning.others


def test_committees_sign_on_the_trials_last_day_and_the_contract_starts_the_next():
    """Three days after the owners' vote (three days before the trial's last day): as
    late as the contract can be signed to start the day after the trial, so that the
    document worker has the longest time to render it (docs/performance.md, eighth
    pass)."""
    from datetime import timedelta

    from contracts.models import Contract

    report = run(years=0.5, compounds=12, seed=3)
    assert report["violations"] == 0 and report["errors"] == []
    signed = Contract.objects.filter(signed_on__isnull=False, trial__isnull=False)
    assert signed.exists()
    for contract in signed.select_related("trial"):
        assert contract.signed_on == contract.trial.ends_on
        assert contract.starts_on == contract.trial.ends_on + timedelta(days=1)
