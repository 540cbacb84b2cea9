"""Background tasks (django-tasks). A scheduler enqueues ``run_daily`` once a day."""

from datetime import date

from django.utils import timezone
from django_tasks import task

from .daily import daily_run


@task()
def run_daily(day: str | None = None) -> dict:
    """The same entry point as ``manage.py run_daily``; ``day`` is YYYY-MM-DD (default:
    today in Asia/Shanghai)."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    return daily_run(today=today)


@task()
def render_contract_document(contract_id: int) -> bool:
    """Render a generated contract's PDF (``contract_document_render``)."""
    from .services.contract_documents import contract_document_render

    return contract_document_render(contract_id=contract_id)
