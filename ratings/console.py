"""What ratings puts in the bureau's console (issue #8): the overdue service requests
(吹哨报到) panel, the fee adjustments waiting for the bureau in the approvals inbox, and
the three rates per firm as a download.

market never imports ratings, so these are registered with ``market.console.registry``
from ``RatingsConfig.ready``. Every function returns the given district's data only.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.console.registry import InboxItem, Panel, dashboard_panel, export, inbox_source
from market.models import Firm
from market.permissions import can_decide_fee_adjustment, can_view_district

from . import selectors
from .selectors import SUMMARY_DAYS

OVERDUE_ROWS = 50  # the panel lists the longest overdue; the escalations page has the rest


def _moment(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


@dashboard_panel("ratings.overdue_requests", order=50)
def overdue_requests_panel(*, district, today, user) -> Panel | None:
    """Requests past their response deadline without a first response; the daily rule
    escalates them to the street office and the bureau (DOMAIN "Service requests")."""
    if not can_view_district(user, district):
        return None
    now = timezone.now()
    requests = selectors.requests_seen_by(
        selectors.overdue_requests(now=now, district=district), user=user, district=district
    ).select_related("compound", "firm")
    total = requests.count()
    rows = [
        [
            format_html(
                '<a href="{}">{}</a>',
                reverse("service_request_detail", args=[r.pk]),
                r.compound.name,
            ),
            r.firm.name,
            r.get_category_display(),
            _moment(r.respond_by),
            int((now - r.respond_by) / timedelta(hours=1)),
            _("Escalated") if r.escalated_at else _("Not yet"),
        ]
        for r in requests.order_by("respond_by", "pk")[:OVERDUE_ROWS]
    ]
    return Panel(
        title=_("Overdue service requests (吹哨)"),
        columns=[
            _("Compound"),
            _("Firm"),
            _("Category"),
            _("Respond by"),
            _("Hours overdue"),
            _("Escalation"),
        ],
        rows=rows,
        footer=[_("Total"), "", "", "", "", total] if total else [],
        link_url=reverse("escalations", args=[district.code]),
        link_label=_("Escalated requests"),
        empty_text=_("No service request is overdue."),
    )


@inbox_source("ratings.fee_adjustments", label=gettext_lazy("Fee adjustments to decide"), order=60)
def fee_adjustments_waiting(*, district, user) -> list[InboxItem]:
    """Fee changes proposed after a quarterly evaluation or applied for by the firm; the
    bureau approves or rejects them on the fee adjustments page (``fee_adjustment_decide``)."""
    url = reverse("fee_adjustments", args=[district.code])
    return [
        InboxItem(
            title=f"{a.contract.number} · {a.contract.compound.name}",
            url=url,
            waiting_since=a.proposed_at,
            detail=_("%(firm)s · %(kind)s · ¥%(current)s → ¥%(proposed)s per ㎡·month")
            % {
                "firm": a.contract.firm.name,
                "kind": a.get_kind_display(),
                "current": a.current_fee,
                "proposed": a.proposed_fee,
            },
        )
        for a in selectors.fee_adjustments_awaiting_bureau(district=district)
        if can_decide_fee_adjustment(user, a.contract.compound)
    ]


def _percent(value):
    return "" if value is None else value


@export("three-rates", label=gettext_lazy("Three rates per firm"), order=50)
def three_rates_export(*, district):
    """The last 12 months of requests raised in the district's compounds, per firm."""
    end = timezone.localdate()
    start = end - timedelta(days=SUMMARY_DAYS - 1)
    rates = selectors.three_rates_by_firm(district=district, start=start, end=end)
    firms = Firm.objects.in_bulk([firm_id for firm_id, _rates in rates])
    header = [
        _("Firm"),
        _("Unified social credit code"),
        _("Requests"),
        _("Response rate (%)"),
        _("Resolution rate (%)"),
        _("Satisfaction rate (%)"),
        _("From"),
        _("To"),
    ]
    rows = sorted(
        (
            [
                firms[firm_id].name,
                firms[firm_id].credit_code,
                r.total,
                _percent(r.response_rate),
                _percent(r.resolution_rate),
                _percent(r.satisfaction_rate),
                start,
                end,
            ]
            for firm_id, r in rates
        ),
        key=lambda row: row[0],
    )
    return header, rows
