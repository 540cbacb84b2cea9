"""Each role's home: my compound (committee), my firm (firm staff), my district (officials)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import selectors
from ..forms import StaffInviteForm, add_service_errors
from ..models import Compound, Firm
from ..permissions import (
    can_manage_firm_staff,
    can_resubmit_firm_application,
    can_view_compound,
    roles_of,
)
from ..services.firms import firm_staff_invite


@login_required
def my_home(request):
    """Send each person to the home of their role."""
    roles = roles_of(request.user)
    if roles.is_official or request.user.is_superuser:
        return redirect("district_home")
    if roles.is_firm_staff:
        return redirect("my_firm")
    if roles.is_committee_member:
        return redirect("my_compound")
    return render(request, "market/my_home.html")


@login_required
def my_compound(request):
    compounds = selectors.compounds_of_committee_member(user=request.user)
    if not compounds:
        raise PermissionDenied
    if len(compounds) == 1:
        return compound_page(request, compounds[0].pk)
    return render(request, "market/my_compounds.html", {"compounds": compounds})


@login_required
def compound_page(request, pk: int):
    """A compound's private page: register data, committee, status and timeline."""
    compound = get_object_or_404(Compound.objects.select_related("street_office__district"), pk=pk)
    if not can_view_compound(request.user, compound):
        raise PermissionDenied
    compound = selectors.compound_with_committee(compound_id=pk)
    committee = next((c for c in compound.committees.all() if c.dissolved_on is None), None)
    return render(
        request,
        "market/compound_page.html",
        {
            "compound": compound,
            "committee": committee,
            "members": [m for m in committee.members.all() if m.left_on is None]
            if committee
            else [],
            "events": selectors.compound_timeline(compound=compound, limit=20),
            "is_my_compound": compound.pk in roles_of(request.user).compound_ids,
        },
    )


@login_required
def my_firm(request):
    memberships = roles_of(request.user).firm_memberships
    if not memberships:
        raise PermissionDenied
    # Someone on the staff of several firms (e.g. after applying for a new one) picks one.
    chosen = request.GET.get("firm")
    firm = next((m.firm for m in memberships if str(m.firm_id) == chosen), memberships[0].firm)
    return _firm_page(request, firm, StaffInviteForm())


@login_required
def firm_staff_invite_view(request, pk: int):
    firm = get_object_or_404(Firm, pk=pk)
    if not can_manage_firm_staff(request.user, firm):
        raise PermissionDenied
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            firm_staff_invite(actor=request.user, firm=firm, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("my_firm")
    return _firm_page(request, firm, form, status=400 if request.method == "POST" else 200)


def _firm_page(request, firm, invite_form, status=200):
    return render(
        request,
        "market/my_firm.html",
        {
            "firm": firm,
            "members": firm.members.active().select_related("user"),
            "pending_invitations": firm.invitations.filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            ),
            "can_invite": can_manage_firm_staff(request.user, firm),
            "can_resubmit": can_resubmit_firm_application(request.user, firm),
            "other_firms": [
                m.firm for m in roles_of(request.user).firm_memberships if m.firm_id != firm.pk
            ],
            "invite_form": invite_form,
        },
        status=status,
    )
