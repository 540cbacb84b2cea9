"""The 3 years × 100 compounds simulation of issue #6, through ``manage.py
simulate_district``: zero invariant violations, and a history that exercised what it is
meant to (trials, contracts, fallback cases, handovers). Committed transactions, so the
on-commit receivers (a suspended firm's sites moving to fallback) run as in production.
PostgreSQL only: it is what CI and production run, and the run takes minutes."""

import json
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
