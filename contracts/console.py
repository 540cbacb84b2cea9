"""What the contracts app puts in the bureau's console (issue #8): dashboard panels on
trials, contracts, fallback and handovers, the contracts download, and the contracts
waiting to be filed in the approvals inbox.

market never imports contracts, so these are registered with ``market.console.registry``
from ``ContractsConfig.ready`` (the invoices and arrears come from
``contracts.payments.console``). Every function returns the given district's data only.

Fallback extensions are not an inbox source: the bureau extends a term directly, with a
reason (``fallback_extend``, Beijing art. 77); nobody requests one, so nothing waits.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.console.registry import InboxItem, Panel, dashboard_panel, export, inbox_source
from market.permissions import can_file_contract, can_manage_fallback, can_view_district

from . import selectors
from .models import AmendmentStatus
from .models.contracts import FILING_DAYS
from .services.contracts import RENEWAL_MONTHS

TRIALS_ENDING_DAYS = 30


def _day(value) -> str:
    return date_format(value, "Y-m-d") if value else ""


def _link(url: str, text) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


def _compound(compound) -> str:
    return _link(reverse("compound_page", args=[compound.pk]), compound.name)


def _contract(contract) -> str:
    return _link(reverse("contract_detail", args=[contract.pk]), contract.number)


# --- Dashboard panels ------------------------------------------------------------------


@dashboard_panel("contracts.trials_ending", order=20)
def trials_ending_panel(*, district, today, user) -> Panel | None:
    if not can_view_district(user, district):
        return None
    trials = selectors.trials_ending_between(
        district, today, today + timedelta(days=TRIALS_ENDING_DAYS)
    )
    return Panel(
        title=_("Trials ending in the next %(days)d days") % {"days": TRIALS_ENDING_DAYS},
        columns=[_("Compound"), _("Firm"), _("Ends on"), _("Days left")],
        rows=[
            [
                _link(reverse("trial_detail", args=[t.pk]), t.compound.name),
                t.firm.name,
                _day(t.ends_on),
                (t.ends_on - today).days,
            ]
            for t in trials
        ],
        empty_text=_("No trial ends in the next %(days)d days.") % {"days": TRIALS_ENDING_DAYS},
    )


@dashboard_panel("contracts.to_renew", order=30)
def contracts_to_renew_panel(*, district, today, user) -> Panel | None:
    if not can_view_district(user, district):
        return None
    contracts = selectors.contracts_to_renew(district, today)
    return Panel(
        title=_("Contracts to renew (ending within %(months)d months)")
        % {"months": RENEWAL_MONTHS},
        columns=[
            _("Contract"),
            _("Compound"),
            _("Firm"),
            _("Ends on"),
            _("Days left"),
            _("Notice of ending"),
        ],
        rows=[
            [
                _contract(c),
                _compound(c.compound),
                c.firm.name,
                _day(c.ends_on),
                (c.ends_on - today).days,
                c.get_notice_by_display() if c.notice_by else "",
            ]
            for c in contracts
        ],
        link_url=reverse("district_contracts", args=[district.code]),
        link_label=_("All contracts of the district"),
        empty_text=_("No contract ends within %(months)d months.") % {"months": RENEWAL_MONTHS},
    )


@dashboard_panel("contracts.filing_overdue", order=35)
def contracts_filing_overdue_panel(*, district, today, user) -> Panel | None:
    if not can_view_district(user, district):
        return None
    contracts = selectors.contracts_filing_overdue(district, today)
    rows = []
    for c in contracts:
        rows.append(
            [
                _contract(c),
                _compound(c.compound),
                c.firm.name,
                _day(c.signed_on),
                _day(c.filing_due_on),
                (today - c.filing_due_on).days,
            ]
        )
    return Panel(
        title=_("Contracts not filed within %(days)d days") % {"days": FILING_DAYS},
        columns=[
            _("Contract"),
            _("Compound"),
            _("Firm"),
            _("Signed on"),
            _("Due for filing by"),
            _("Days overdue"),
        ],
        rows=rows,
        link_url=reverse("district_contracts", args=[district.code]),
        link_label=_("Contracts to file"),
        empty_text=_("Every signed contract was filed in time."),
    )


@dashboard_panel("contracts.fallback_cases", order=40)
def fallback_cases_panel(*, district, today, user) -> Panel | None:
    if not can_manage_fallback(user, district):
        return None
    cases = selectors.open_fallback_cases(district)
    return Panel(
        title=_("Open fallback cases"),
        columns=[
            _("Compound"),
            _("Fallback operator"),
            _("Trigger"),
            _("Serves from"),
            _("Term ends on"),
            _("Days left"),
        ],
        rows=[
            [
                _compound(case.compound),
                case.operator.name,
                case.get_trigger_display(),
                _day(case.opened_on),
                _day(case.planned_end_on),
                (case.planned_end_on - today).days,
            ]
            for case in cases
        ],
        link_url=reverse("district_fallback", args=[district.code]),
        link_label=_("Fallback and handovers"),
        empty_text=_("No compound is in fallback."),
    )


@dashboard_panel("contracts.handovers_past_deadline", order=45)
def handovers_past_deadline_panel(*, district, today, user) -> Panel | None:
    if not can_manage_fallback(user, district):
        return None
    handovers = selectors.handovers_past_deadline(district, today)
    return Panel(
        title=_("Handovers past their deadline"),
        columns=[
            _("Compound"),
            _("Outgoing"),
            _("Incoming"),
            _("Due on"),
            _("Days overdue"),
            _("Status"),
        ],
        rows=[
            [
                _link(reverse("handover_detail", args=[h.pk]), h.compound.name),
                h.outgoing_firm.name,
                h.incoming_firm.name,
                _day(h.due_on),
                (today - h.due_on).days,
                h.get_status_display(),
            ]
            for h in handovers
        ],
        link_url=reverse("district_fallback", args=[district.code]),
        link_label=_("Fallback and handovers"),
        empty_text=_("No handover is past its deadline."),
    )


# --- Exports ---------------------------------------------------------------------------


def _fee_in_force(contract, today):
    """The contract's fee, or the latest approved amendment in effect by ``today``."""
    amendments = [
        a
        for a in contract.amendments.all()
        if a.status == AmendmentStatus.APPROVED and a.effective_on <= today
    ]
    return max(amendments, key=lambda a: (a.effective_on, a.pk)).fee if amendments else contract.fee


@export("contracts", label=gettext_lazy("Contracts"), order=30)
def contracts_export(*, district):
    """Every contract of the district except drafts cancelled before signing."""
    today = timezone.localdate()
    header = [
        _("Contract number"),
        _("Compound"),
        _("Street office"),
        _("Firm"),
        _("Unified social credit code"),
        _("Service grade"),
        _("Fee (¥/㎡·month)"),
        _("Fee in force today (¥/㎡·month)"),
        _("Floor area (㎡)"),
        _("Monthly total (¥)"),
        _("Term (years)"),
        _("Starts on"),
        _("Ends on"),
        _("Status"),
        _("Signed on"),
        _("Filed on"),
    ]
    contracts = (
        selectors.district_contracts(district=district)
        .select_related("compound__street_office")
        .prefetch_related("amendments")
        .order_by("compound__name", "starts_on", "number")
    )

    def rows():
        for c in contracts:
            yield [
                c.number,
                c.compound.name,
                c.compound.street_office.name,
                c.firm.name,
                c.firm.credit_code,
                c.grade,
                c.fee,
                _fee_in_force(c, today),
                c.area,
                c.monthly_amount,
                c.term_years,
                c.starts_on,
                c.ends_on,
                c.get_status_display(),
                c.signed_on,
                c.filed_on,
            ]

    return header, rows()


# --- Approvals inbox -------------------------------------------------------------------


@inbox_source("contracts.awaiting_filing", label=gettext_lazy("Contracts to file"), order=40)
def contracts_awaiting_filing(*, district, user) -> list[InboxItem]:
    """Signed contracts the bureau has to mark filed (Beijing art. 63); the contract
    page files it through ``contract_file``."""
    waiting = selectors.contracts_awaiting_filing(district)
    contracts = [c for c in waiting if can_file_contract(user, c.compound)]
    items = []
    for c in contracts:
        if c.filing_overdue_on:
            detail = _("%(firm)s · filing overdue since %(date)s")
        else:
            detail = _("%(firm)s · to be filed by %(date)s")
        items.append(
            InboxItem(
                title=f"{c.number} · {c.compound.name}",
                url=reverse("contract_detail", args=[c.pk]),
                waiting_since=c.signed_on,
                detail=detail % {"firm": c.firm.name, "date": _day(c.filing_due_on)},
            )
        )
    return items
