"""Background tasks of the console (django-tasks): reading and importing a compound list
can take a while for a large file, so the page polls the batch's progress instead of
waiting on one long request. Tests use the immediate backend, which runs them at once."""

from django.utils import translation
from django_tasks import task

from . import services


@task()
def compound_import_check_task(batch_id: int, language: str) -> str:
    # Row errors are stored as text, in the language of the official who uploaded.
    with translation.override(language):
        return services.compound_import_check(batch_id=batch_id).status


@task()
def compound_import_apply_task(batch_id: int, language: str) -> str:
    with translation.override(language):
        return services.compound_import_apply(batch_id=batch_id).status
