"""The daily entry point: rules move trials and contracts as the dates say; a day runs once."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.daily import daily_run
from contracts.models import (
    Contract,
    ContractStatus,
    DailyRun,
    EngagementPhase,
    Trial,
    TrialStatus,
)
from contracts.tasks import run_daily
from market.daily import daily_rule, daily_rules
from market.dates import add_months
from market.models import Event, ManagementStatus

from .conftest import TODAY, sign_both


def _states(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return [obj.status for obj in objects]


def test_rules_are_registered_in_order():
    names = [rule.name for rule in daily_rules()]
    assert names.index("contracts.end_trials") < names.index("contracts.start_trials")
    assert names.index("contracts.end_contracts") < names.index("contracts.start_contracts")
    assert {
        "contracts.remind_trials",
        "contracts.open_renewals",
        "contracts.flag_unfiled",
    } <= set(names)


def test_a_trial_through_the_days(accepted_trial, compound, django_capture_on_commit_callbacks):
    trial = accepted_trial
    daily_run(today=trial.starts_on - timedelta(days=1))
    assert _states(trial) == [TrialStatus.ACCEPTED]

    daily_run(today=trial.starts_on)
    assert _states(trial) == [TrialStatus.ACTIVE]
    compound.refresh_from_db()
    assert compound.management_status == ManagementStatus.TRIAL

    with django_capture_on_commit_callbacks(execute=True):
        daily_run(today=trial.ends_on - timedelta(days=7))
    trial.refresh_from_db()
    assert trial.reminded_on == trial.ends_on - timedelta(days=7)
    assert any("结束" in m.subject or trial.compound.name in m.subject for m in mail.outbox)

    daily_run(today=trial.ends_on)
    assert _states(trial) == [TrialStatus.ACTIVE]
    daily_run(today=trial.ends_on + timedelta(days=1))
    assert _states(trial) == [TrialStatus.ENDED]
    assert hasattr(Trial.objects.get(pk=trial.pk), "report")


def test_running_a_day_twice_changes_nothing(accepted_trial):
    first = daily_run(today=accepted_trial.starts_on)
    assert first["contracts.start_trials"] == {"done": [accepted_trial.pk]}
    events = Event.objects.count()
    runs = DailyRun.objects.count()
    second = daily_run(today=accepted_trial.starts_on)
    assert all(result is None for result in second.values())
    assert Event.objects.count() == events and DailyRun.objects.count() == runs


def test_the_record_keeps_what_was_done_and_nothing_for_an_idle_rule(accepted_trial):
    daily_run(today=accepted_trial.starts_on)
    started = DailyRun.objects.get(rule="contracts.start_trials", day=accepted_trial.starts_on)
    assert started.result == {"done": [accepted_trial.pk]}
    idle = DailyRun.objects.get(rule="contracts.end_trials", day=accepted_trial.starts_on)
    assert idle.result == {}


def test_rules_are_idempotent_even_without_the_run_record(accepted_trial):
    daily_run(today=accepted_trial.starts_on)
    DailyRun.objects.all().delete()
    events = Event.objects.count()
    daily_run(today=accepted_trial.starts_on)
    assert Event.objects.count() == events


def test_a_failing_rule_is_not_recorded_and_does_not_stop_the_others(accepted_trial):
    calls = []

    @daily_rule("tests.explodes", order=1)
    def explodes(today):
        calls.append(today)
        raise RuntimeError("boom")

    try:
        results = daily_run(today=accepted_trial.starts_on)
    finally:
        from market import daily

        daily._RULES.pop("tests.explodes")
    assert results["tests.explodes"] == {"failed": True}
    assert not DailyRun.objects.filter(rule="tests.explodes").exists()
    assert _states(accepted_trial) == [TrialStatus.ACTIVE]


def test_contract_lifecycle_through_the_days(
    draft_contract, active_trial, committee_member, firm_admin, compound
):
    contract = sign_both(draft_contract, committee_member, firm_admin)
    assert contract.status == ContractStatus.SIGNED
    assert contract.starts_on == active_trial.ends_on + timedelta(days=1)

    # The trial's last day passes; the next day the trial ends and the contract starts.
    daily_run(today=contract.starts_on)
    assert _states(active_trial, contract) == [TrialStatus.ENDED, ContractStatus.ACTIVE]
    compound.refresh_from_db()
    assert compound.management_status == ManagementStatus.CONTRACTED

    # Not filed within 15 days of signing: flagged once.
    due = contract.filing_due_on
    daily_run(today=due)
    contract.refresh_from_db()
    assert contract.filing_overdue_on is None
    daily_run(today=due + timedelta(days=1))
    contract.refresh_from_db()
    assert contract.filing_overdue_on == due + timedelta(days=1)

    # Renewal opens 6 months before the end (Beijing art. 75).
    opens = add_months(contract.ends_on, -6)
    daily_run(today=opens - timedelta(days=1))
    contract.refresh_from_db()
    assert contract.renewal_opened_on is None
    daily_run(today=opens)
    contract.refresh_from_db()
    assert contract.renewal_opened_on == opens

    # No notice, no successor: service continues as an indefinite term (art. 948).
    daily_run(today=contract.ends_on)
    assert _states(contract) == [ContractStatus.ACTIVE]
    daily_run(today=contract.ends_on + timedelta(days=1))
    assert _states(contract) == [ContractStatus.HOLDOVER]
    contract.engagement.refresh_from_db()
    assert contract.engagement.ends_on is None and contract.engagement.phase == "live"


def test_expired_contract_with_notice_ends(draft_contract, committee_member, firm_admin):
    from contracts.services.contract_terms import contract_give_notice

    contract = sign_both(draft_contract, committee_member, firm_admin)
    daily_run(today=contract.starts_on)
    contract_give_notice(
        actor=firm_admin,
        contract=contract,
        by="firm",
        reason="不再续约",
        notice_on=contract.ends_on - timedelta(days=100),
    )
    daily_run(today=contract.ends_on + timedelta(days=1))
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == ContractStatus.ENDED and contract.ended_on == contract.ends_on
    assert contract.engagement.phase == EngagementPhase.ENDED


def test_management_command_and_task(accepted_trial):
    out = StringIO()
    call_command("run_daily", "--date", accepted_trial.starts_on.isoformat(), stdout=out)
    assert "contracts.start_trials" in out.getvalue()
    assert _states(accepted_trial) == [TrialStatus.ACTIVE]
    with pytest.raises(CommandError):
        call_command("run_daily", "--date", "2026-13-01")
    # The django-tasks task runs the same entry point (the test backend runs it at once).
    result = run_daily.enqueue(day=accepted_trial.starts_on.isoformat())
    assert result.return_value["contracts.start_trials"] is None  # already ran that day


def test_days_before_anything_do_nothing(db):
    assert all(result == {"done": []} for result in daily_run(today=date(2026, 1, 1)).values())
    assert TODAY > date(2026, 1, 1)


@pytest.fixture
def registered_rule():
    """Register throw-away rules for one test; removed afterwards."""
    from market import daily

    names = []

    def register(name, function, **kwargs):
        names.append(name)
        return daily_rule(name, **kwargs)(function)

    yield register
    for name in names:
        daily._RULES.pop(name, None)


def test_a_rule_with_nothing_to_do_is_recorded_without_being_run(db, registered_rule):
    calls = []
    registered_rule(
        "tests.idle",
        lambda today: calls.append(today),
        order=1,
        candidates=lambda today: Trial.objects.filter(pk__in=[]),
    )
    results = daily_run(today=TODAY)
    assert results["tests.idle"] == {"done": []}
    assert calls == []
    assert DailyRun.objects.get(rule="tests.idle", day=TODAY).result == {}
    assert daily_run(today=TODAY)["tests.idle"] is None


def test_a_rule_with_candidates_runs_and_is_recorded_with_its_result(
    registered_rule, accepted_trial
):
    registered_rule(
        "tests.busy",
        lambda today: {"done": [accepted_trial.pk]},
        order=1,
        candidates=lambda today: Trial.objects.filter(pk=accepted_trial.pk),
    )
    assert daily_run(today=TODAY)["tests.busy"] == {"done": [accepted_trial.pk]}
    assert DailyRun.objects.get(rule="tests.busy", day=TODAY).result == {
        "done": [accepted_trial.pk]
    }


def test_a_rule_made_due_by_an_earlier_rule_the_same_day_runs(registered_rule, accepted_trial):
    """Each rule is asked just before its turn, after the earlier rules' work."""
    registered_rule(
        "tests.first_withdraws",
        lambda today: {"done": [Trial.objects.filter(pk=accepted_trial.pk).update(message="x")]},
        order=1,
    )
    calls = []
    registered_rule(
        "tests.then_sees_it",
        lambda today: calls.append(today),
        order=2,
        candidates=lambda today: Trial.objects.filter(pk=accepted_trial.pk, message="x"),
    )
    daily_run(today=TODAY)
    assert calls == [TODAY]


def test_a_rule_whose_candidates_fail_still_runs_and_reports(db, registered_rule):
    calls = []

    def broken(today):
        raise RuntimeError("bad query")

    registered_rule(
        "tests.broken_probe", lambda today: calls.append(today), order=1, candidates=broken
    )
    daily_run(today=TODAY)
    assert calls == [TODAY]


def test_a_day_with_nothing_due_costs_a_query_per_rule(db):
    """No transaction, record or candidate list per idle rule: one probe each, one read
    of the day's records and one insert of all the idle ones (it was a transaction, an
    insert and the rule's query per rule, every day)."""
    rules = daily_rules()
    probed = [rule for rule in rules if rule.candidates is not None]
    with CaptureQueriesContext(connection) as queries:
        daily_run(today=TODAY)
    statements = [q["sql"] for q in queries.captured_queries]
    records = [sql for sql in statements if 'INTO "contracts_dailyrun"' in sql]
    # One per rule that always runs (in its transaction), one for all the idle ones.
    assert len(records) == len(rules) - len(probed) + 1
    # Savepoints only for the rules that always run (the test's transaction is outside).
    savepoints = [sql for sql in statements if sql.startswith("SAVEPOINT")]
    assert len(savepoints) == len(rules) - len(probed)
    assert DailyRun.objects.filter(day=TODAY).count() == len(rules)


@pytest.mark.django_db
def test_a_days_records_are_found_by_an_index_that_starts_with_the_day():
    """``daily_run`` first reads the day's records: an index led by the rule left that
    read scanning every record of every day (9 ms a day at ten years)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, DailyRun._meta.db_table)
    once = constraints["daily_run_once_per_rule_and_day"]
    assert once["unique"] and once["columns"] == ["day", "rule"]
