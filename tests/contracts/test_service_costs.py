"""What each lifecycle service costs in queries. The district simulation runs them for
every compound, so one query more here is thousands more there. The ceilings are the
counts measured when they were set (SAVEPOINT/RELEASE of the service's own transaction
included); raise one only for a reason."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from contracts.models import Contract, SigningParty, Trial, Vote
from contracts.services.common import lock_row
from contracts.services.contracts import contract_sign, contract_start
from contracts.services.trials import trial_accept, trial_end, trial_start
from market.models import Compound, Event

from .conftest import TODAY, record_hire_vote, request_trial, sign_both


@pytest.fixture(autouse=True)
def _content_types_cached(db):
    # The event log looks each content type up once per process; count the service's own.
    for model in (Trial, Vote, Contract, Compound):
        ContentType.objects.get_for_model(model)


def test_trial_request(committee_member, compound, offer, django_assert_max_num_queries):
    request_trial(committee_member, compound, offer)  # the actor's roles, read once
    Trial.objects.all().delete()
    with django_assert_max_num_queries(12):
        request_trial(committee_member, compound, offer)
    assert Event.objects.filter(action="trial.requested").count() == 2


def test_trial_accept(requested_trial, firm_admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        trial = trial_accept(actor=firm_admin, trial=requested_trial, today=TODAY)
    assert trial.engagement is not None


def test_trial_start(accepted_trial, django_assert_max_num_queries):
    with django_assert_max_num_queries(18):
        trial_start(trial=accepted_trial, today=accepted_trial.starts_on)
    assert Event.objects.filter(action="trial.started").exists()


def test_trial_end(active_trial, django_assert_max_num_queries):
    with django_assert_max_num_queries(18):
        trial_end(trial=active_trial, today=active_trial.ends_on + timedelta(days=1))
    assert Event.objects.filter(action="trial.ended").exists()


def test_the_trial_report_is_written_once_with_its_figures(active_trial):
    """The ratings app fills the report before it is saved: one INSERT, no UPDATE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        trial_end(trial=active_trial, today=active_trial.ends_on + timedelta(days=1))
    writes = [
        q["sql"].split(" ")[0]
        for q in queries
        if '"contracts_trialreport"' in q["sql"].split(" WHERE ")[0]
        and not q["sql"].startswith("SELECT")
    ]
    assert writes == ["INSERT"]
    report = Trial.objects.get(pk=active_trial.pk).report
    assert report.requests_total == 0  # its figures: tests/ratings/test_pages.py


def test_vote_record(active_trial, committee_member, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        record_hire_vote(committee_member, active_trial)
    assert Event.objects.filter(action="vote.recorded").exists()


def test_contract_sign_first_and_second(
    draft_contract, committee_member, firm_admin, django_assert_max_num_queries
):
    day = draft_contract.starts_on - timedelta(days=1)
    with django_assert_max_num_queries(10):
        contract_sign(
            actor=committee_member,
            contract=draft_contract,
            party=SigningParty.COMMITTEE,
            document_sha256=draft_contract.document_sha256,
            today=day,
        )
    with django_assert_max_num_queries(19):
        contract = contract_sign(
            actor=firm_admin,
            contract=draft_contract,
            party=SigningParty.FIRM,
            document_sha256=draft_contract.document_sha256,
            today=day,
        )
    assert contract.status == "signed"
    assert Event.objects.filter(action="contract.concluded").exists()


def test_contract_start(
    draft_contract, committee_member, firm_admin, django_assert_max_num_queries
):
    contract = sign_both(draft_contract, committee_member, firm_admin)
    trial_end(trial=contract.trial, today=contract.starts_on)  # the trial firm steps aside
    with django_assert_max_num_queries(20):
        contract_start(contract=contract, today=contract.starts_on)
    assert Event.objects.filter(action="contract.started").exists()


def test_trial_and_contract_services_do_not_read_the_committee(
    draft_contract, committee_member, firm_admin, mailoutbox, django_capture_on_commit_callbacks
):
    """Their notices go to the committee's members, found by the committee's id: the
    locks do not join the committee's row (one join fewer on every trial and contract)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as queries:
            contract = sign_both(draft_contract, committee_member, firm_admin)
            trial_end(trial=contract.trial, today=contract.starts_on)
            contract_start(contract=contract, today=contract.starts_on)
    assert not [q["sql"][:100] for q in queries if 'FROM "market_committee"' in q["sql"]]
    assert not [q["sql"][:100] for q in queries if 'JOIN "market_committee"' in q["sql"]]
    assert any(committee_member.email in message.to for message in mailoutbox)


def test_a_contracts_lock_reads_it_as_its_manager_does_without_the_pdf(draft_contract):
    """Services lock contracts with ``lock_row`` (compiled once: market.prepared); the PDF
    Contract.objects defers stays unread, and the related rows asked for come with it."""
    with transaction.atomic():
        locked = lock_row(draft_contract, related=("firm",))
    assert "document" in locked.get_deferred_fields()
    assert locked.number == draft_contract.number
    assert Contract.firm.is_cached(locked)
