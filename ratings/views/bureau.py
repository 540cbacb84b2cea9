"""The street office's and bureau's pages (under /district/: TOTP): escalated requests
(吹哨报到) and fee changes awaiting a decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from market.models import District
from market.permissions import can_decide_fee_adjustment, can_view_district, roles_of

from .. import selectors
from ..forms import DecisionForm
from ..models import AdjustmentStatus, FeeAdjustment
from ..services.evaluations import fee_adjustment_decide
from .common import run_service


def _district(request, code: str) -> District:
    district = get_object_or_404(District, code=code)
    if not can_view_district(request.user, district):
        raise PermissionDenied
    return district


@login_required
def escalations(request, code: str):
    """Escalated requests: the whole district for its bureau, the street's own for a
    street office."""
    district = _district(request, code)
    requests = selectors.escalated_requests(district=district, user=request.user).select_related(
        "compound__street_office", "firm"
    )
    return render(
        request,
        "ratings/escalations.html",
        {"district": district, "requests": requests.order_by("-escalated_at")[:200]},
    )


def _adjustments_page(request, district, *, status=200, form=None, failed=None):
    adjustments = FeeAdjustment.objects.filter(
        contract__compound__street_office__district=district
    ).select_related("contract__compound", "contract__firm", "evaluation", "amendment")
    return render(
        request,
        "ratings/fee_adjustments.html",
        {
            "district": district,
            "adjustments": adjustments[:200],
            "form": form or DecisionForm(),
            "blank_form": DecisionForm(),
            "failed": failed,
            "proposed": AdjustmentStatus.PROPOSED,
            "can_decide": district.pk in roles_of(request.user).bureau_district_ids
            or request.user.is_superuser,
        },
        status=status,
    )


@login_required
def fee_adjustments(request, code: str):
    return _adjustments_page(request, _district(request, code))


@login_required
@require_POST
def fee_adjustment_decide_view(request, pk: int):
    adjustment = get_object_or_404(
        FeeAdjustment.objects.select_related("contract__compound__street_office__district"),
        pk=pk,
    )
    compound = adjustment.contract.compound
    if not can_decide_fee_adjustment(request.user, compound):
        raise PermissionDenied
    district = compound.street_office.district
    form = DecisionForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: fee_adjustment_decide(
            actor=request.user,
            adjustment=adjustment,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        ),
    ):
        messages.success(request, _("Decision recorded."))
        return redirect("fee_adjustments", code=district.code)
    return _adjustments_page(request, district, status=400, form=form, failed=adjustment.pk)
