"""Downloads of the district's lists (CSV and .xlsx), from the export registry."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import registry
from ..tabular import FORMATS, table_response
from .common import console_district


@login_required
@require_GET
def export_list(request, code: str):
    district = console_district(request, code)
    return render(
        request,
        "market/console/exports.html",
        {"district": district, "exports": registry.exports(), "formats": FORMATS},
    )


@login_required
@require_GET
def export_download(request, code: str, name: str, kind: str):
    district = console_district(request, code)
    entry = registry.export_named(name)
    if entry is None or kind not in FORMATS:
        raise Http404
    header, rows = entry.function(district=district)
    stem = f"{district.code}-{entry.name}-{timezone.localdate():%Y%m%d}"
    return table_response(
        file_stem=stem, kind=kind, header=header, rows=rows, sheet_title=str(entry.label)
    )
