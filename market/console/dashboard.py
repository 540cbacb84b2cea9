"""What the district home adds for the bureau's console (issue #8): the coverage and
status charts, the seeking compounds with days left, the other apps' panels and the
console's links. ``market.views.district.district_home`` merges it into its context."""

from django.utils import timezone

from ..permissions import can_use_console
from . import registry, selectors


def console_context(request, district) -> dict:
    dashboard = selectors.district_dashboard(
        district=district, today=timezone.localdate(), user=request.user, query=request.GET
    )
    console = can_use_console(request.user, district)
    approvals_waiting = None
    if console:
        groups = selectors.approvals_inbox(district=district, user=request.user)
        approvals_waiting = sum(len(group.items) for group in groups)
    return {
        "dashboard": dashboard,
        "chart_data": selectors.chart_data(dashboard),
        "seeking_days": selectors.SEEKING_DAYS,
        "can_use_console": console,
        "approvals_waiting": approvals_waiting,
        "console_exports": registry.exports() if console else [],
    }
