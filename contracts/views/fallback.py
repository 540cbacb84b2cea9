"""Fallback and handover pages (issue #6): the bureau's list of open fallback cases and
overdue handovers, its designation and extension forms; the handover checklist for both
firms and the committee."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from market.models import Compound, District
from market.permissions import (
    can_manage_fallback,
    can_view_compound,
    can_view_handover,
    handover_side_of,
    roles_of,
)

from .. import selectors
from ..fallback_forms import (
    CompoundPickForm,
    DesignationEndForm,
    DesignationForm,
    ExtensionForm,
    FallbackOrderForm,
    HandoverConfirmAllForm,
    HandoverConfirmForm,
    HandoverEnforceForm,
    HandoverRefuseForm,
    WarningForm,
)
from ..models import (
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
    FallbackDesignation,
    Handover,
    HandoverItemKind,
    WrittenWarning,
)
from ..services.fallback import (
    LOW_SCORE,
    designation_active,
    fallback_designate,
    fallback_designation_end,
    fallback_extend,
    fallback_order,
    fallback_order_quarter_scores,
    written_warning_record,
)
from ..services.handover import (
    handover_confirm,
    handover_confirm_remaining,
    handover_enforce,
    handover_refuse,
)
from ..services.succession import handover_holding
from .common import post_action


def _district_for_bureau(request, code: str) -> District:
    district = get_object_or_404(District, code=code)
    if not can_manage_fallback(request.user, district):
        raise PermissionDenied
    return district


def _district_page(
    request, district, *, designate_form=None, end_form=None, pick_form=None, status=200
):
    today = timezone.localdate()
    cases = list(selectors.open_fallback_cases(district))
    for case in cases:
        case.days_left = (case.planned_end_on - today).days
    return render(
        request,
        "contracts/fallback/district.html",
        {
            "district": district,
            "designation": designation_active(district),
            "designate_form": designate_form or DesignationForm(district=district),
            "end_form": end_form or DesignationEndForm(),
            "cases": cases,
            "overdue": selectors.handovers_past_deadline(district, today),
            "seeking": selectors.compounds_seeking_provider(district),
            "pick_form": pick_form or CompoundPickForm(district=district, prefix="pick"),
            "warnings": WrittenWarning.objects.filter(compound__street_office__district=district)
            .select_related("compound", "firm")
            .order_by("-issued_on", "-id")[:20],
            "today": today,
        },
        status=status,
    )


@login_required
def district_fallback(request, code: str):
    district = _district_for_bureau(request, code)
    # The compound picker (GET) leads to the warning and order forms of that compound.
    if "pick-compound" not in request.GET:
        return _district_page(request, district)
    pick = CompoundPickForm(request.GET, district=district, prefix="pick")
    if pick.is_valid():
        return redirect("fallback_compound", pk=pick.cleaned_data["compound"].pk)
    return _district_page(request, district, pick_form=pick, status=400)


# --- Written warnings and the bureau's fallback order (trigger 4) -----------------------


def _compound_for_bureau(request, pk: int) -> Compound:
    compound = get_object_or_404(Compound.objects.select_related("street_office__district"), pk=pk)
    if not can_manage_fallback(request.user, compound.street_office.district):
        raise PermissionDenied
    return compound


def _compound_page(request, compound, *, warning_form=None, order_form=None, status=200):
    live = compound.engagements.filter(phase=EngagementPhase.LIVE).select_related("firm").first()
    by_market = live is not None and live.kind != EngagementKind.FALLBACK
    # The last two quarters are what the order rests on: the official sees why.
    scores = (
        fallback_order_quarter_scores(compound=compound, firm=live.firm)[-2:] if by_market else []
    )
    return render(
        request,
        "contracts/fallback/order.html",
        {
            "compound": compound,
            "district": compound.street_office.district,
            "live": live,
            "by_market": by_market,
            "scores": scores,
            "scores_low": len(scores) == 2 and all(score < LOW_SCORE for score in scores),
            "low_score": LOW_SCORE,
            "warnings": compound.written_warnings.select_related("firm", "issued_by"),
            "open_case": compound.fallback_cases.filter(status=FallbackCaseStatus.OPEN)
            .select_related("operator")
            .first(),
            "warning_form": warning_form or WarningForm(),
            "order_form": order_form or FallbackOrderForm(compound=compound),
        },
        status=status,
    )


@login_required
def fallback_compound(request, pk: int):
    return _compound_page(request, _compound_for_bureau(request, pk))


@login_required
@require_POST
def written_warning_view(request, pk: int):
    compound = _compound_for_bureau(request, pk)
    return post_action(
        request,
        WarningForm(request.POST),
        lambda data: written_warning_record(
            actor=request.user, compound=compound, text=data["text"]
        ),
        done=redirect("fallback_compound", pk=compound.pk),
        failed=lambda form: _compound_page(request, compound, warning_form=form, status=400),
        message=_("The written warning is recorded and sent to the firm."),
    )


@login_required
@require_POST
def fallback_order_view(request, pk: int):
    compound = _compound_for_bureau(request, pk)
    return post_action(
        request,
        FallbackOrderForm(request.POST, compound=compound),
        lambda data: fallback_order(
            actor=request.user, compound=compound, warning=data["warning"], reason=data["reason"]
        ),
        done=redirect("fallback_compound", pk=compound.pk),
        failed=lambda form: _compound_page(request, compound, order_form=form, status=400),
        message=_("Fallback is ordered: the fallback operator serves the compound from today."),
    )


@login_required
@require_POST
def fallback_designate_view(request, code: str):
    district = _district_for_bureau(request, code)
    return post_action(
        request,
        DesignationForm(request.POST, district=district),
        lambda data: fallback_designate(
            actor=request.user,
            district=district,
            firm=data["firm"],
            fee=data["fee"],
            reason=data["reason"],
        ),
        done=redirect("district_fallback", code=district.code),
        failed=lambda form: _district_page(request, district, designate_form=form, status=400),
    )


@login_required
@require_POST
def fallback_designation_end_view(request, code: str, pk: int):
    district = _district_for_bureau(request, code)
    designation = get_object_or_404(FallbackDesignation, pk=pk, district=district)
    return post_action(
        request,
        DesignationEndForm(request.POST),
        lambda data: fallback_designation_end(
            actor=request.user, designation=designation, reason=data["reason"]
        ),
        done=redirect("district_fallback", code=district.code),
        failed=lambda form: _district_page(request, district, end_form=form, status=400),
    )


@login_required
def fallback_extend_view(request, pk: int):
    case = get_object_or_404(
        FallbackCase.objects.select_related("district", "compound", "operator"), pk=pk
    )
    if not can_manage_fallback(request.user, case.district):
        raise PermissionDenied

    def page(form, status=200):
        context = {"case": case, "form": form}
        return render(request, "contracts/fallback/extend.html", context, status=status)

    if request.method != "POST":
        return page(ExtensionForm())
    return post_action(
        request,
        ExtensionForm(request.POST or None),
        lambda data: fallback_extend(
            actor=request.user, case=case, until=data["until"], reason=data["reason"]
        ),
        done=redirect("district_fallback", code=case.district.code),
        failed=lambda form: page(form, status=400),
    )


def _handover_page(
    request,
    handover,
    *,
    confirm_form=None,
    confirm_all_form=None,
    refuse_form=None,
    enforce_form=None,
    status=200,
):
    side = handover_side_of(request.user, handover)
    items = list(handover.items.prefetch_related("photos"))
    open_for_side = [i for i in items if side and getattr(i, f"{side}_confirmed_on") is None]
    return render(
        request,
        "contracts/fallback/handover.html",
        {
            "handover": handover,
            "items": items,
            "side": side,
            "confirm_form": confirm_form or HandoverConfirmForm(),
            "confirm_all_form": confirm_all_form or HandoverConfirmAllForm(side=side),
            "open_for_side": open_for_side,
            "refuse_form": refuse_form or HandoverRefuseForm(),
            "enforce_form": enforce_form or HandoverEnforceForm(),
            "can_enforce": can_manage_fallback(
                request.user, handover.compound.street_office.district
            ),
            "outgoing_serving": handover_holding(handover.outgoing_engagement) is not None,
            "facilities": HandoverItemKind.FACILITIES,
            "fees": HandoverItemKind.FEES,
        },
        status=status,
    )


def _handover_for(request, pk: int) -> Handover:
    handover = get_object_or_404(
        Handover.objects.select_related(
            "compound__street_office", "outgoing_firm", "incoming_firm"
        ),
        pk=pk,
    )
    if not can_view_handover(request.user, handover):
        raise PermissionDenied
    return handover


@login_required
def handover_detail(request, pk: int):
    return _handover_page(request, _handover_for(request, pk))


@login_required
@require_POST
def handover_confirm_view(request, pk: int):
    handover = _handover_for(request, pk)
    if handover_side_of(request.user, handover) is None:
        raise PermissionDenied
    return post_action(
        request,
        HandoverConfirmForm(request.POST, request.FILES),
        lambda data: handover_confirm(
            actor=request.user,
            handover=handover,
            kind=data["kind"],
            note=data["note"],
            photos=request.FILES.getlist("photos"),
            refund_amount=data.get("refund_amount"),  # asked of the outgoing side only
        ),
        done=redirect("handover_detail", pk=handover.pk),
        failed=lambda form: _handover_page(request, handover, confirm_form=form, status=400),
    )


@login_required
@require_POST
def handover_confirm_all_view(request, pk: int):
    """A firm confirms, in one submission, every item its side has not confirmed yet:
    all of them or none (the service checks each as for a single item)."""
    handover = _handover_for(request, pk)
    side = handover_side_of(request.user, handover)
    if side is None:
        raise PermissionDenied
    form = HandoverConfirmAllForm(request.POST, side=side)

    def confirm(data):
        return handover_confirm_remaining(
            actor=request.user,
            handover=handover,
            photos=request.FILES.getlist("all-photos"),
            refund_amount=data.get("refund_amount"),  # asked of the outgoing side only
        )

    return post_action(
        request,
        form,
        confirm,
        done=redirect("handover_detail", pk=handover.pk),
        failed=lambda form: _handover_page(request, handover, confirm_all_form=form, status=400),
    )


@login_required
@require_POST
def handover_refuse_view(request, pk: int):
    handover = _handover_for(request, pk)
    if handover_side_of(request.user, handover) != "outgoing":
        raise PermissionDenied
    return post_action(
        request,
        HandoverRefuseForm(request.POST),
        lambda data: handover_refuse(actor=request.user, handover=handover, reason=data["reason"]),
        done=redirect("handover_detail", pk=handover.pk),
        failed=lambda form: _handover_page(request, handover, refuse_form=form, status=400),
    )


@login_required
@require_POST
def handover_enforce_view(request, pk: int):
    """The bureau enforces the takeover after a refusal or a missed deadline."""
    handover = _handover_for(request, pk)
    if not can_manage_fallback(request.user, handover.compound.street_office.district):
        raise PermissionDenied
    return post_action(
        request,
        HandoverEnforceForm(request.POST),
        lambda data: handover_enforce(actor=request.user, handover=handover, reason=data["reason"]),
        done=redirect("handover_detail", pk=handover.pk),
        failed=lambda form: _handover_page(request, handover, enforce_form=form, status=400),
        message=_("The incoming operator serves the compound from today."),
    )


@login_required
def compound_handovers(request, pk: int):
    """The committee's view: fallback cases and handovers of its compound."""
    compound = get_object_or_404(Compound.objects.select_related("street_office__district"), pk=pk)
    if not can_view_compound(request.user, compound):
        raise PermissionDenied
    return render(
        request,
        "contracts/fallback/compound.html",
        {
            "compound": compound,
            "cases": compound.fallback_cases.select_related("operator", "outgoing_firm"),
            "handovers": selectors.compound_handovers(compound),
        },
    )


@login_required
def firm_handovers(request):
    """A firm's handovers, outgoing and incoming."""
    firm_ids = roles_of(request.user).firm_ids
    if not firm_ids:
        raise PermissionDenied
    handovers = (
        Handover.objects.filter(Q(outgoing_firm_id__in=firm_ids) | Q(incoming_firm_id__in=firm_ids))
        .select_related("compound", "outgoing_firm", "incoming_firm")
        .order_by("-opened_on")
    )
    return render(request, "contracts/fallback/firm.html", {"handovers": handovers})
