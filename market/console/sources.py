"""What market itself puts in the console: its waiting approvals (firm applications,
fee schedule drafts), its downloads (compounds, firms) and its daily rules. Registered
from ``MarketConfig.ready``; other apps register theirs the same way (``registry``)."""

from datetime import date, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..daily import daily_rule
from ..models import (
    Committee,
    Compound,
    FeeSchedule,
    FeeScheduleStatus,
    Firm,
    FirmStatus,
    ManagementStatus,
)
from ..permissions import can_edit_fee_schedule, can_vet_firms_in
from .import_rows import template_header
from .registry import InboxItem, export, inbox_source
from .selectors import SEEKING_DAYS
from .services import compound_imports_purge, compound_imports_to_purge, coverage_snapshot_take

# --- Approvals inbox -------------------------------------------------------------------


@inbox_source("market.firm_applications", label=gettext_lazy("Firm applications"), order=10)
def firm_applications(*, district, user) -> list[InboxItem]:
    """Firms registered in the district waiting for vetting (DOMAIN "Firms and vetting");
    the vetting page approves or rejects them."""
    if not can_vet_firms_in(user, district):
        return []
    firms = Firm.objects.filter(registered_district=district, status=FirmStatus.APPLIED)
    return [
        InboxItem(
            title=firm.name,
            url=reverse("firm_vetting", args=[firm.pk]),
            waiting_since=firm.created_at,
            detail=_("Unified social credit code %(code)s") % {"code": firm.credit_code},
        )
        for firm in firms.order_by("created_at", "pk")
    ]


@inbox_source("market.fee_schedule_drafts", label=gettext_lazy("Fee schedule drafts"), order=30)
def fee_schedule_drafts(*, district, user) -> list[InboxItem]:
    """The district's draft fee schedule version, which its page saves and approves."""
    if not can_edit_fee_schedule(user, district):
        return []
    drafts = FeeSchedule.objects.filter(district=district, status=FeeScheduleStatus.DRAFT)
    return [
        InboxItem(
            title=_("Fee schedule version %(version)d") % {"version": schedule.version},
            url=reverse("fee_schedule_edit", args=[schedule.pk]),
            waiting_since=None,
            detail=_("Effective from %(date)s") % {"date": schedule.effective_from.isoformat()},
        )
        for schedule in drafts.order_by("version")
    ]


# --- Exports ---------------------------------------------------------------------------


@export("compounds", label=gettext_lazy("Compounds"), order=10)
def compounds_export(*, district):
    """The district's register; the first columns are the import template's, so an
    exported file can be edited and imported again (existing rows are skipped)."""
    today = timezone.localdate()
    current = dict(
        Committee.objects.filter(
            compound__street_office__district=district, dissolved_on__isnull=True
        ).values_list("compound_id", "kind")
    )
    kinds = dict(Committee.Kind.choices)
    header = [
        *template_header(),
        _("Management status"),
        _("Registered on"),
        _("Days left to find an operator"),
    ]
    compounds = (
        Compound.objects.filter(street_office__district=district)
        .select_related("street_office")
        .order_by("street_office__name", "name")
    )

    def rows():
        for compound in compounds.iterator(chunk_size=1000):
            seeking = compound.management_status == ManagementStatus.SEEKING
            deadline = compound.registered_on + timedelta(days=SEEKING_DAYS)
            yield [
                compound.name,
                compound.street_office.name,
                compound.address,
                compound.buildings,
                compound.owners,
                compound.exclusive_area,
                compound.households,
                compound.year_built,
                str(kinds.get(current.get(compound.pk), "")),
                compound.get_management_status_display(),
                compound.registered_on,
                (deadline - today).days if seeking else None,
            ]

    return header, rows()


@export("firms", label=gettext_lazy("Firms with credit"), order=20)
def firms_export(*, district):
    """Firms the bureau vets (registered in the district, any status) and the listed
    firms serving it. The three rates (DOMAIN "Ratings") are filled once ratings exist
    (issue #5); until then their columns are empty."""
    header = [
        _("Firm"),
        _("Unified social credit code"),
        _("Vetting status"),
        _("Registered in district"),
        _("Districts served"),
        _("Credit score"),
        _("Credit grade"),
        _("Blacklisted"),
        _("State fallback operator"),
        _("Response rate"),
        _("Resolution rate"),
        _("Satisfaction rate"),
        _("Phone"),
    ]
    firms = (
        Firm.objects.filter(
            Q(registered_district=district)
            | Q(districts=district, status=FirmStatus.APPROVED, blacklisted=False)
        )
        .distinct()
        .select_related("registered_district")
        .prefetch_related("districts")
        .order_by("name", "pk")
    )
    yes, no = _("Yes"), _("No")

    def rows():
        for firm in firms:
            yield [
                firm.name,
                firm.credit_code,
                firm.get_status_display(),
                str(firm.registered_district or ""),
                "、".join(str(d) for d in firm.districts.all()),
                firm.credit_score,
                firm.credit_grade,
                yes if firm.blacklisted else no,
                yes if firm.is_fallback_operator else no,
                None,  # response rate: issue #5
                None,  # resolution rate: issue #5
                None,  # satisfaction rate: issue #5
                firm.phone,
            ]

    return header, rows()


# Contracts and invoices/arrears exports come from the contracts app (issues #4, #7),
# registered with ``market.console.registry.export`` from its AppConfig.ready.


# --- Daily rules -----------------------------------------------------------------------


@daily_rule("market.coverage_snapshot", order=900)
def coverage_snapshot(today: date) -> dict:
    """Runs after the other apps' rules (lower orders) have moved the day's statuses."""
    return {"done": coverage_snapshot_take(today=today)}


def _imports_to_purge(today: date):
    return compound_imports_to_purge(now=timezone.now())


# With a probe: on most days nothing has expired, and the rule is then recorded with the
# other idle ones instead of a transaction of its own (docs/performance.md, tenth pass).
@daily_rule("market.compound_imports_purge", order=910, candidates=_imports_to_purge)
def compound_imports_purge_rule(today: date) -> dict:
    return {"done": compound_imports_purge()}
