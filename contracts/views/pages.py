"""Each party's overview: the committee's compound, the firm's trials and contracts, the
bureau's contracts to file."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from market.models import Compound, District
from market.permissions import (
    can_act_for_compound,
    can_file_contract,
    can_view_compound,
    can_view_district,
    roles_of,
)
from market.selectors import compound_timeline

from .. import selectors


@login_required
def compound_engagements(request, pk: int):
    """The compound's current trial or contract, its history, timeline and the
    committee's next step."""
    compound = get_object_or_404(Compound.objects.select_related("street_office__district"), pk=pk)
    if not can_view_compound(request.user, compound):
        raise PermissionDenied
    return render(
        request,
        "contracts/compound_engagements.html",
        {
            "compound": compound,
            **selectors.compound_overview(compound=compound),
            "events": compound_timeline(compound=compound, limit=30),
            "is_committee": can_act_for_compound(request.user, compound),
        },
    )


@login_required
def firm_engagements(request):
    memberships = roles_of(request.user).firm_memberships
    if not memberships:
        raise PermissionDenied
    chosen = request.GET.get("firm")
    firm = next((m.firm for m in memberships if str(m.firm_id) == chosen), memberships[0].firm)
    return render(
        request,
        "contracts/firm_engagements.html",
        {"firm": firm, **selectors.firm_overview(firm=firm)},
    )


@login_required
def district_contracts(request, code: str):
    district = get_object_or_404(District, code=code)
    if not can_view_district(request.user, district):
        raise PermissionDenied
    contracts = list(selectors.district_contracts(district=district))
    can_file = bool(contracts) and can_file_contract(request.user, contracts[0].compound)
    return render(
        request,
        "contracts/district_contracts.html",
        {
            "district": district,
            "to_file": [c for c in contracts if c.signed_at and not c.filed_on],
            "contracts": contracts,
            "can_file": can_file,
        },
    )
