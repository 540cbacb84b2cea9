"""The audit trail: every event of the district, filterable; read only (the log is
append-only, and no page offers to change it)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from ...models import Compound, Event, FeeSchedule, Firm
from .. import selectors
from ..forms import AuditFilterForm
from .common import console_district, query_without_page

PER_PAGE = 50

# Where an event's object can be opened by the bureau.
OBJECT_PAGES = {Compound: "compound_page", Firm: "firm_vetting", FeeSchedule: "fee_schedule_edit"}


def _object_url(event: Event) -> str:
    name = OBJECT_PAGES.get(event.content_type.model_class())
    if name is None:
        return ""
    try:
        return reverse(name, args=[event.object_id])
    except NoReverseMatch:
        return ""


def _changes(event: Event) -> list[tuple[str, object, object]]:
    """(field, before, after) for each value the event changed or set."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)
    ]


@login_required
@require_GET
def audit_trail(request, code: str):
    district = console_district(request, code)
    form = AuditFilterForm(request.GET or None, district=district)
    invalid = form.is_bound and not form.is_valid()
    events = selectors.audit_events(district=district, filters=form.filters())
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "event": event,
            "type_label": selectors.object_type_label(event.content_type),
            "url": _object_url(event),
            "changes": _changes(event),
        }
        for event in page
    ]
    return render(
        request,
        "market/console/audit.html",
        {
            "district": district,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
        },
        status=400 if invalid else 200,
    )
