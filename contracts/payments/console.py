"""What payments put in the bureau's console (issue #8): the arrears per compound on the
dashboard (with a chart), and the invoices and arrears downloads. Registered with
``market.console.registry`` from ``PaymentsConfig.ready`` (market never imports it).

Oversight only: arrears never stop service (Civil Code art. 944)."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.console.registry import Panel, dashboard_panel, export
from market.permissions import can_view_arrears

from . import selectors
from .models import Invoice

# The chart shows the compounds owing most; the table lists them all.
CHART_COMPOUNDS = 15


def _month(value) -> str:
    return date_format(value, "Y-m") if value else ""


def _moment(value) -> str | None:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else None


@dashboard_panel("payments.arrears", order=50)
def arrears_panel(*, district, today, user) -> Panel | None:
    if not can_view_arrears(user, district):
        return None
    arrears = selectors.district_arrears(district=district)
    total = sum((a.amount for a in arrears), Decimal("0"))
    rows = [
        [
            format_html(
                '<a href="{}">{}</a>', reverse("compound_page", args=[a.compound.pk]), a.compound
            ),
            a.compound.street_office.name,
            a.open_invoices,
            a.amount,
            _month(a.oldest_month),
        ]
        for a in arrears
    ]
    shown = arrears[:CHART_COMPOUNDS]
    return Panel(
        title=_("Arrears per compound"),
        columns=[
            _("Compound"),
            _("Street office"),
            _("Open invoices"),
            _("Amount owed (¥)"),
            _("Oldest month"),
        ],
        rows=rows,
        footer=[_("Total"), "", sum(a.open_invoices for a in arrears), total, ""]
        if arrears
        else [],
        link_url=reverse("district_arrears", args=[district.code]),
        link_label=_("Arrears of the district"),
        empty_text=_("No compound has an unpaid invoice."),
        chart={
            "type": "bar",
            "labels": [a.compound.name for a in shown],
            "values": [float(a.amount) for a in shown],
            "series_name": str(_("Amount owed (¥)")),
            "unit": "¥",
        }
        if arrears
        else None,
    )


@export("invoices", label=gettext_lazy("Invoices"), order=40)
def invoices_export(*, district):
    """Every invoice of the district's engagements, newest month first."""
    header = [
        _("Invoice number"),
        _("Month"),
        _("Compound"),
        _("Street office"),
        _("Firm"),
        _("Engagement"),
        _("Served from"),
        _("Served to"),
        _("Amount (¥)"),
        _("Refunded (¥)"),
        _("Status"),
        _("Issued on"),
        _("Paid at"),
    ]
    invoices = (
        Invoice.objects.filter(engagement__compound__street_office__district=district)
        .select_related("engagement__compound__street_office", "engagement__firm")
        .order_by("-period_start", "engagement__compound__name", "pk")
    )

    def rows():
        for invoice in invoices.iterator(chunk_size=1000):
            engagement = invoice.engagement
            yield [
                invoice.number,
                _month(invoice.period_start),
                engagement.compound.name,
                engagement.compound.street_office.name,
                engagement.firm.name,
                engagement.get_kind_display(),
                invoice.served_from,
                invoice.served_to,
                invoice.amount,
                invoice.refunded_amount,
                invoice.get_status_display(),
                invoice.issued_on,
                _moment(invoice.paid_at),
            ]

    return header, rows()


@export("arrears", label=gettext_lazy("Arrears per compound"), order=45)
def arrears_export(*, district):
    header = [
        _("Compound"),
        _("Street office"),
        _("Open invoices"),
        _("Amount owed (¥)"),
        _("Oldest month"),
    ]
    rows = [
        [
            a.compound.name,
            a.compound.street_office.name,
            a.open_invoices,
            a.amount,
            _month(a.oldest_month),
        ]
        for a in selectors.district_arrears(district=district)
    ]
    return header, rows
