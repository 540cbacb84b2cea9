"""Import of the bureau's list of unmanaged compounds: upload → check of every row
(background task, progress polled) → confirm → import (background task), all or nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ...models import CompoundImport, CompoundImportStatus
from ...models.console import COMPOUND_IMPORT_VALID_HOURS
from .. import selectors, services
from ..forms import CompoundImportForm
from ..import_rows import COLUMNS, template_header
from ..tabular import FORMATS, download, table_response, workbook_with_notes
from ..tasks import compound_import_apply_task, compound_import_check_task
from .common import console_district, query_without_page

PREVIEW_PER_PAGE = 100
PREVIEW_FILTERS = ("errors", "new", "existing", "all")


def _render_home(request, district, form, *, status=200):
    return render(
        request,
        "market/console/import_home.html",
        {
            "district": district,
            "form": form,
            "imports": selectors.compound_imports_of(user=request.user, district=district),
            "columns": COLUMNS,
            "formats": FORMATS,
        },
        status=status,
    )


@login_required
def import_home(request, code: str):
    district = console_district(request, code)
    if request.method != "POST":
        return _render_home(request, district, CompoundImportForm())
    form = CompoundImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_home(request, district, form, status=400)
    batch = services.compound_import_start(
        actor=request.user,
        district=district,
        file_name=form.cleaned_data["file"].name,
        file_kind=form.file_kind,
        data=form.file_data,
    )
    # The batch row is committed (no transaction is open here), so a worker finds it.
    compound_import_check_task.enqueue(batch.pk, translation.get_language())
    return redirect("console_import_batch", code=district.code, pk=batch.pk)


def _own_batch(request, district, pk: int) -> CompoundImport:
    """An upload is seen by the official who made it, in its district, and nobody else."""
    batch = get_object_or_404(CompoundImport.objects.defer("source"), pk=pk, district=district)
    if batch.owner_id != request.user.pk:
        raise Http404
    return batch


@login_required
@require_GET
def import_batch(request, code: str, pk: int):
    district = console_district(request, code)
    batch = _own_batch(request, district, pk)
    shown = request.GET.get("show")
    if shown not in PREVIEW_FILTERS:
        shown = "errors" if batch.error_rows else "all"
    rows = batch.rows or []
    selected = {
        "errors": [row for row in rows if row["errors"]],
        "new": [row for row in rows if not row["errors"] and not row["existing"]],
        "existing": [row for row in rows if row["existing"]],
        "all": rows,
    }[shown]
    page = Paginator(selected, PREVIEW_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "market/console/import_batch.html",
        {
            "district": district,
            "batch": batch,
            "page": page,
            "shown": shown,
            "query": query_without_page(request),
            "columns": COLUMNS,
            "can_confirm": batch.status == CompoundImportStatus.READY
            and batch.new_rows
            and not batch.is_expired,
            "valid_hours": COMPOUND_IMPORT_VALID_HOURS,
        },
    )


@login_required
@require_GET
def import_progress(request, code: str, pk: int):
    """Polled by the batch page while the file is read or imported."""
    district = console_district(request, code)
    batch = _own_batch(request, district, pk)
    return JsonResponse(
        {
            "status": batch.status,
            "label": batch.get_status_display(),
            "working": batch.is_working,
            "processed": batch.processed_rows,
            "total": batch.total_rows,
            "percent": batch.progress_percent,
            "url": reverse("console_import_batch", args=[district.code, batch.pk]),
        }
    )


@login_required
@require_POST
def import_confirm(request, code: str, pk: int):
    district = console_district(request, code)
    batch = _own_batch(request, district, pk)
    try:
        batch = services.compound_import_confirm(actor=request.user, batch=batch)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("console_import_batch", code=district.code, pk=batch.pk)
    # The batch page shows the progress, then the outcome.
    compound_import_apply_task.enqueue(batch.pk, translation.get_language())
    return redirect("console_import_batch", code=district.code, pk=batch.pk)


@login_required
@require_GET
def import_template(request, code: str, kind: str):
    """An empty list to fill in: the header row (and, in .xlsx, a sheet of notes)."""
    district = console_district(request, code)
    if kind not in FORMATS:
        raise Http404
    stem = _("compound-list-template")
    if kind == "csv":
        return table_response(file_stem=stem, kind="csv", header=template_header(), rows=[])
    notes = [
        _("One compound per row, below the header row. Keep the header as it is."),
        _("Street office: the name of a street office of %(district)s, as on the register.")
        % {"district": district},
        _(
            "Buildings, owners, households and year built are whole numbers; the exclusive "
            "area is in square metres, up to 2 decimals."
        ),
        _(
            "Committee type: owners' committee (业委会), property management committee "
            "(物管会), or leave it empty if the compound has none."
        ),
        _(
            "A compound already on the register with the same figures is skipped, so a "
            "file can be imported again safely."
        ),
    ]
    content = workbook_with_notes(
        header=template_header(),
        notes=notes,
        sheet_title=_("Compounds"),
        notes_title=_("Notes"),
    )
    return download(content, file_stem=stem, kind="xlsx")
