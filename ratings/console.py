"""What ratings puts in the bureau's console (issue #8): the overdue service requests
(吹哨报到) panel, the sortable table of the three rates and latest evaluation per firm,
the fee adjustments waiting for the bureau in the approvals inbox, and the three rates
per firm as a download.

market never imports ratings, so these are registered with ``market.console.registry``
from ``RatingsConfig.ready``. Every function returns the given district's data only.
"""

from dataclasses import replace
from datetime import timedelta

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.console.registry import InboxItem, Panel, dashboard_panel, export, inbox_source
from market.models import Firm
from market.permissions import can_decide_fee_adjustment, can_view_district
from market.selectors import current_fee_schedule

from . import selectors
from .selectors import SUMMARY_DAYS, FirmRatesRow
from .services.evaluations import grade_earned

OVERDUE_ROWS = 50  # the panel lists the longest overdue; the escalations page has the rest


def _moment(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def _day(value) -> str:
    return date_format(value, "Y-m-d") if value else ""


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


# --- The three rates and latest evaluation per firm, sortable ----------------------------

FIRM_RATES_PANEL = "ratings.firm_rates"
# The rates count the requests raised in the last 90 days (today included): a rolling
# window, so the table is not empty in the first days of a quarter.
FIRM_RATES_DAYS = 90


def _rate_value(name):
    return lambda row: getattr(row.rates, name)


# ``?sort=<key>`` (ascending) or ``?sort=-<key>`` (descending); anything else: by firm.
FIRM_RATES_SORTS = {
    "firm": lambda row: row.firm.name,
    "credit": lambda row: row.firm.credit_score,
    "response": _rate_value("response_rate"),
    "resolution": _rate_value("resolution_rate"),
    "satisfaction": _rate_value("satisfaction_rate"),
    "score": lambda row: row.evaluation_score,
    "grade": lambda row: row.grade,
    "compounds": lambda row: row.compounds,
}
FIRM_RATES_DEFAULT_SORT = "firm"


def firm_rates_sort_param(value) -> tuple[str, bool]:
    """(column, descending) from ``?sort=``; an unknown value falls back to the default."""
    value = value if isinstance(value, str) else ""
    key = value.removeprefix("-")
    if key not in FIRM_RATES_SORTS:
        return FIRM_RATES_DEFAULT_SORT, False
    return key, value.startswith("-")


def firm_rates_sorted(rows: list, *, key: str, descending: bool) -> list:
    """Sorted on ``key``, ties by firm name; rows with no figure ("no requests", never
    evaluated) last in either direction, as they are not 0 nor 100."""
    value = FIRM_RATES_SORTS[key]
    rows = sorted(rows, key=lambda row: (row.firm.name, row.firm.pk))
    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    return sorted(present, key=value, reverse=descending) + missing


def _grades_earned(district, rows: list[FirmRatesRow]) -> list[FirmRatesRow]:
    """The grade each firm's latest score earns under the fee schedule in force at the
    quarter's end — the rule of the evaluation itself (DOMAIN "Quarterly evaluation")."""
    schedules: dict = {}
    result = []
    for row in rows:
        grade = None
        if row.evaluation_score is not None:
            if row.evaluation_end not in schedules:
                schedule = current_fee_schedule(district=district, on=row.evaluation_end)
                schedules[row.evaluation_end] = (
                    [(g.grade, g.min_score) for g in schedule.grades.all()] if schedule else []
                )
            grade = grade_earned(row.evaluation_score, schedules[row.evaluation_end])
        result.append(replace(row, grade=grade))
    return result


def _rate_text(value, *, total: int, confirmed: int | None = None) -> str:
    # DOMAIN "Three rates": a zero denominator is "no requests", never 0% or 100%.
    if not total:
        return _("no requests")
    if confirmed == 0:
        return _("none confirmed")
    return f"{value}%"


def _evaluation_text(row) -> str:
    if row.evaluation_score is None:
        return _("Not evaluated yet")
    quarter = (row.evaluation_start.month - 1) // 3 + 1
    text = _("%(year)d Q%(quarter)d: %(score)s") % {
        "year": row.evaluation_start.year,
        "quarter": quarter,
        "score": row.evaluation_score,
    }
    if row.evaluated > 1:
        text += " " + _("(average of %(count)d compounds)") % {"count": row.evaluated}
    return text


def _grade_text(grade) -> str:
    if grade is None:
        return "—"
    if grade == 0:
        return _("Below grade 1")
    return _("Grade %(grade)d") % {"grade": grade}


def _sort_links(query, *, key: str, descending: bool) -> list[tuple[str, str]]:
    """Per column: the header's link (same page, other parameters kept) and its
    aria-sort; selecting the sorted column reverses it."""
    links = []
    for column in FIRM_RATES_SORTS:
        current = column == key
        if isinstance(query, QueryDict):
            params = query.copy()
        else:
            params = QueryDict(mutable=True)
            params.update(query)
        params["sort"] = f"-{column}" if current and not descending else column
        sort = ("descending" if descending else "ascending") if current else ""
        links.append((f"?{params.urlencode()}#panel-{slugify(FIRM_RATES_PANEL)}", sort))
    return links


@dashboard_panel(FIRM_RATES_PANEL, order=45, wants_query=True)
def firm_rates_panel(*, district, today, user, query) -> Panel | None:
    """The three rates and the latest quarterly evaluation of every firm serving the
    district's compounds, sortable on the server by ``?sort=`` (works without
    JavaScript). Only the district's requests and evaluations count."""
    if not can_view_district(user, district):
        return None
    start = today - timedelta(days=FIRM_RATES_DAYS - 1)
    key, descending = firm_rates_sort_param(query.get("sort"))
    rows = _grades_earned(
        district, selectors.firm_rates_table(district=district, start=start, end=today)
    )
    rows = firm_rates_sorted(rows, key=key, descending=descending)
    return Panel(
        title=_("Three rates and latest evaluation per firm"),
        help_text=_(
            "Rates of the service requests raised in the district's compounds in the last "
            "%(days)d days (%(start)s to %(end)s). Latest evaluation: the most recent "
            "quarter evaluated, averaged over the firm's compounds in the district. Select "
            "a column heading to sort."
        )
        % {"days": FIRM_RATES_DAYS, "start": _day(start), "end": _day(today)},
        columns=[
            _("Firm"),
            _("Credit grade"),
            _("Response rate"),
            _("Resolution rate"),
            _("Satisfaction rate"),
            _("Latest evaluation"),
            _("Grade earned"),
            _("Compounds served"),
        ],
        rows=[
            [
                row.firm.name,
                _("Blacklisted") if row.firm.blacklisted else row.firm.credit_grade,
                _rate_text(row.rates.response_rate, total=row.rates.total),
                _rate_text(row.rates.resolution_rate, total=row.rates.total),
                _rate_text(
                    row.rates.satisfaction_rate,
                    total=row.rates.total,
                    confirmed=row.rates.confirmed,
                ),
                _evaluation_text(row),
                _grade_text(row.grade),
                row.compounds,
            ]
            for row in rows
        ],
        sort_links=_sort_links(query, key=key, descending=descending),
        empty_text=_("No firm serves a compound in this district at present."),
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
