"""The contract PDF is rendered in the background after generation (a django-tasks task):
until it exists the draft cannot be signed, its page says so, and the daily run renders
any draft whose task was lost. Written once, it never changes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from contracts.daily import daily_run
from contracts.documents import sha256_hex
from contracts.models import Contract, ContractStatus, SigningParty
from contracts.services.contract_documents import TASK_GRACE, contract_document_render
from contracts.services.contracts import contract_cancel, contract_generate, contract_sign
from market.models import Event
from tests.factories import PASSWORD

from .conftest import sign_both

pytestmark = pytest.mark.django_db
# Tasks are stored, not run: as with the database backend before the worker picks them up.
QUEUED = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
)


@pytest.fixture
def pending_contract(passed_vote, committee_member):
    with QUEUED:
        return contract_generate(
            actor=committee_member,
            vote=passed_vote,
            term_years=1,
            today=passed_vote.vote_on + timedelta(days=2),
        )


def test_generation_asks_for_the_document_and_signing_waits_for_it(
    pending_contract, committee_member, firm_admin, mailoutbox, django_capture_on_commit_callbacks
):
    contract = pending_contract
    assert contract.status == ContractStatus.DRAFT
    assert contract.document_sha256 == "" and bytes(contract.document) == b""
    assert contract.generated_on == contract.vote.vote_on + timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        contract_sign(
            actor=committee_member,
            contract=contract,
            party=SigningParty.COMMITTEE,
            document_sha256="",
        )
    assert refused.value.code == "document_pending"
    assert not contract.signatures.exists()

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert contract_document_render(contract_id=contract.pk) is True
    contract.refresh_from_db()
    assert bytes(contract.document).startswith(b"%PDF")
    assert contract.document_sha256 == sha256_hex(bytes(contract.document))
    ready = Event.objects.filter(action="contract.document_ready", object_id=str(contract.pk))
    assert ready.count() == 1
    # The firm is told it can sign when the document exists, not before.
    assert len(mailoutbox) == 1 and contract.number in mailoutbox[0].subject
    assert firm_admin.email in mailoutbox[0].to
    # Once only: a second task (or the daily run) leaves the signed-for bytes alone.
    digest = contract.document_sha256
    assert contract_document_render(contract_id=contract.pk) is False
    contract.refresh_from_db()
    assert contract.document_sha256 == digest
    signed = sign_both(contract, committee_member, firm_admin)
    assert signed.status == ContractStatus.SIGNED
    assert set(signed.signatures.values_list("document_sha256", flat=True)) == {digest}


def test_the_written_document_cannot_change(pending_contract):
    contract_document_render(contract_id=pending_contract.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=pending_contract.pk).update(document=b"%PDF-forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=pending_contract.pk).update(document_sha256="0" * 64)


def test_only_a_draft_may_be_without_its_document(pending_contract):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=pending_contract.pk).update(status=ContractStatus.SIGNED)


def test_a_cancelled_draft_is_not_rendered(pending_contract, committee_member):
    contract_cancel(actor=committee_member, contract=pending_contract, reason="条款未谈妥")
    assert contract_document_render(contract_id=pending_contract.pk) is False
    assert Contract.objects.get(pk=pending_contract.pk).document_sha256 == ""


def test_the_daily_run_renders_a_draft_whose_task_was_lost(pending_contract):
    generated_on = pending_contract.generated_on
    same_day = daily_run(today=generated_on)
    assert same_day["contracts.render_documents"] == {"done": []}  # the worker's turn yet
    assert Contract.objects.get(pk=pending_contract.pk).document_sha256 == ""
    # The next day, but its task still has time (a busy worker is not overtaken)…
    Contract.objects.filter(pk=pending_contract.pk).update(created_at=timezone.now())
    assert daily_run(today=generated_on + timedelta(days=1))["contracts.render_documents"] == {
        "done": []
    }
    # …until its time is up.
    Contract.objects.filter(pk=pending_contract.pk).update(
        created_at=timezone.now() - TASK_GRACE - timedelta(seconds=1)
    )
    next_day = daily_run(today=generated_on + timedelta(days=2))
    assert next_day["contracts.render_documents"] == {"done": [pending_contract.pk]}
    assert Contract.objects.get(pk=pending_contract.pk).document_sha256 != ""


def test_the_page_says_the_document_is_being_prepared(client, pending_contract, committee_member):
    client.login(email=committee_member.email, password=PASSWORD)
    page = client.get(reverse("contract_detail", args=[pending_contract.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in html and 'name="document_sha256"' not in html
    assert reverse("contract_pdf", args=[pending_contract.pk]) not in html
    assert client.get(reverse("contract_pdf", args=[pending_contract.pk])).status_code == 404
    contract_document_render(contract_id=pending_contract.pk)
    ready = client.get(reverse("contract_detail", args=[pending_contract.pk])).content.decode()
    assert 'name="document_sha256"' in ready and 'http-equiv="refresh"' not in ready
    pdf = client.get(reverse("contract_pdf", args=[pending_contract.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_contract_queues_its_document_and_nothing_else(
    client, passed_vote, committee_member, firm_admin
):
    """Saving a contract (generated, rendered, signed by both sides) queues no Wagtail
    reference-index task, even once the back office's contract list is registered: the
    worker's queue holds the PDFs, not a reload of the contract after every change."""
    from django_tasks import default_task_backend
    from wagtail.models import ReferenceIndex

    client.get(reverse("wagtailadmin_home"))  # loads the admin's viewsets
    with QUEUED:
        default_task_backend.clear()
        contract = contract_generate(
            actor=committee_member,
            vote=passed_vote,
            term_years=1,
            today=passed_vote.vote_on + timedelta(days=2),
        )
        contract_document_render(contract_id=contract.pk)
        contract.refresh_from_db()
        sign_both(contract, committee_member, firm_admin)
        queued = [result.task.module_path for result in default_task_backend.results]
    assert queued == ["contracts.tasks.render_contract_document"]
    assert not ReferenceIndex.is_indexed(Contract)


def test_signing_and_starting_never_read_the_pdf(draft_contract, committee_member, firm_admin):
    """The PDF (≈280 kB) is read only to serve it: not by the locks and reads of the
    services that sign a contract and put it in force."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contracts.services.contracts import contract_start
    from contracts.services.trials import trial_end

    pdf_column = re.compile(r'"contracts_contract"\."document"(?!_)')
    with CaptureQueriesContext(connection) as queries:
        contract = sign_both(draft_contract, committee_member, firm_admin)
        trial_end(trial=contract.trial, today=contract.starts_on)
        contract_start(contract=contract, today=contract.starts_on)
    assert contract.status == ContractStatus.ACTIVE
    assert not [q["sql"][:120] for q in queries if pdf_column.search(q["sql"])]
    # Still there for whoever asks for it.
    assert bytes(Contract.objects.get(pk=contract.pk).document).startswith(b"%PDF")
