"""The contract PDF: rendered once, in the background, just after the contract is
generated, then never again; both parties sign exactly those bytes (their SHA-256).

Rendering takes WeasyPrint 0.15–0.7 s (docs/performance.md), so generation only asks for
it (a django-tasks task, run by the worker beside the server; at once where tasks run
immediately, as in the tests). Until the PDF exists the draft cannot be signed, and the
contract page says it is being prepared. The daily run renders any draft still waiting
from an earlier day, so a lost task costs a day at most, never the contract.
"""

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django_tasks import TaskResultStatus

from market.services.events import event_record

from ..documents import contract_pdf, sha256_hex
from ..models import Contract, ContractStatus
from .common import absolute_url, email_after_commit, firm_emails

logger = logging.getLogger(__name__)


def contract_document_request(*, contract: Contract) -> None:
    """Ask for ``contract``'s PDF. Call inside the transaction that generated it: with the
    database task backend the task becomes visible to the worker when it commits. Where
    tasks run at once (the tests, a simulation without document workers) the PDF exists
    on return, and ``contract`` carries it."""
    from ..tasks import render_contract_document  # the tasks module imports the rules

    result = render_contract_document.enqueue(contract_id=contract.pk)
    if result.status == TaskResultStatus.SUCCESSFUL:
        contract.refresh_from_db(fields=["document", "document_sha256"])


def contract_document_render(*, contract_id: int) -> bool:
    """Render and store the PDF of a draft that has none yet. Idempotent: False when it
    already has one, or is no longer a draft (a cancelled draft needs none)."""
    contract = (
        Contract.objects.select_related("compound", "firm").defer("document").get(pk=contract_id)
    )
    if contract.document_sha256 or contract.status != ContractStatus.DRAFT:
        return False
    # Rendered before taking the row lock: signing and cancelling are not held up for the
    # time WeasyPrint takes. Two renders at once store only the first.
    from .contracts import document_context

    document = contract_pdf(document_context(contract, generated_on=contract.generated_on))
    return _store(contract_id=contract_id, document=document)


@transaction.atomic
def _store(*, contract_id: int, document: bytes) -> bool:
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("compound__street_office", "firm")
        .defer("document")
        .get(pk=contract_id)
    )
    if locked.document_sha256 or locked.status != ContractStatus.DRAFT:
        return False
    locked.document, locked.document_sha256 = document, sha256_hex(document)
    locked.save(update_fields=["document", "document_sha256"])
    event_record(
        actor=None,
        action="contract.document_ready",
        target=locked,
        compound=locked.compound,
        after={"sha256": locked.document_sha256, "bytes": len(document)},
    )
    email_after_commit(
        recipients=firm_emails(locked.firm),
        subject=_t("Contract %(number)s with %(compound)s is ready to sign")
        % {"number": locked.number, "compound": locked.compound.name},
        body=_t("Read the contract and sign it after re-entering your password."),
        url=absolute_url("contract_detail", locked.pk),
    )
    return True


# How long the background task has before the daily run renders a document itself.
TASK_GRACE = timedelta(minutes=10)


def contracts_awaiting_document(*, before: date):
    """Drafts generated before ``before`` whose PDF is still missing although their task
    has had ``TASK_GRACE`` (a worker that is merely busy is not overtaken)."""
    return (
        Contract.objects.filter(
            status=ContractStatus.DRAFT,
            document_sha256="",
            generated_on__lt=before,
            created_at__lt=timezone.now() - TASK_GRACE,
        )
        .defer("document")
        .order_by("pk")
    )
