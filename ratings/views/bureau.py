"""The street office's and bureau's pages (under /district/: TOTP): escalated requests
(吹哨报到), fee changes awaiting a decision and the district's response deadlines (SLA)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from market.models import District
from market.permissions import (
    can_decide_fee_adjustment,
    can_set_request_deadlines,
    can_view_district,
    require,
    roles_of,
)

from .. import selectors
from ..forms import DecisionForm, RequestDeadlinesForm
from ..models import DEFAULT_NORMAL_HOURS, DEFAULT_URGENT_HOURS, AdjustmentStatus, FeeAdjustment
from ..services.deadlines import request_deadlines_of, request_deadlines_set
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


@login_required
def request_deadlines(request, code: str):
    """View and change the district's response deadlines (SLA); the bureau only."""
    district = get_object_or_404(District, code=code)
    require(can_set_request_deadlines(request.user, district))
    urgent, normal = request_deadlines_of(district)
    form = RequestDeadlinesForm(
        request.POST or None,
        initial={"urgent_response_hours": urgent, "normal_response_hours": normal},
    )
    if request.method == "POST":
        if form.is_valid() and run_service(
            form,
            lambda: request_deadlines_set(
                actor=request.user,
                district=district,
                urgent_hours=form.cleaned_data["urgent_response_hours"],
                normal_hours=form.cleaned_data["normal_response_hours"],
            ),
        ):
            messages.success(request, _("Response deadlines saved for new requests."))
            return redirect("request_deadlines", code=district.code)
    return render(
        request,
        "ratings/request_deadlines.html",
        {
            "district": district,
            "form": form,
            "urgent": urgent,
            "normal": normal,
            "default_urgent": DEFAULT_URGENT_HOURS,
            "default_normal": DEFAULT_NORMAL_HOURS,
            "changes": selectors.request_deadline_changes(district=district),
        },
        status=400 if request.method == "POST" else 200,
    )
