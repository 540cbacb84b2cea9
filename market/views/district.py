"""The bureau's pages for its district: the compound register and committees."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import selectors
from ..console.dashboard import console_context
from ..forms import (
    CommitteeForm,
    CommitteeMemberFormSet,
    CompoundForm,
    OfficialInviteForm,
    add_service_errors,
)
from ..models import CommitteeMember, Compound, District, FirmStatus, ManagementStatus
from ..permissions import (
    can_edit_fee_schedule,
    can_manage_committee,
    can_manage_register,
    can_register_committee,
    can_vet_firms_in,
    can_view_district,
    roles_of,
)
from ..services.committees import committee_member_invite, committee_register
from ..services.compounds import compound_register
from ..services.officials import official_invite


def _official_district(request, code: str | None = None) -> District:
    """The district this official works on; officials see only their own district."""
    if code is None:
        district_ids = sorted(roles_of(request.user).district_ids)
        if district_ids:
            return District.objects.get(pk=district_ids[0])
        if request.user.is_superuser and District.objects.exists():
            return District.objects.first()
        raise PermissionDenied
    district = get_object_or_404(District, code=code)
    if not can_view_district(request.user, district):
        raise PermissionDenied
    return district


@login_required
def district_home(request, code: str | None = None):
    district = _official_district(request, code)
    status = request.GET.get("status") or None
    if status not in ManagementStatus.values:
        status = None
    compounds = selectors.compounds_in_district(district=district, status=status)
    page = Paginator(compounds, 50).get_page(request.GET.get("page"))
    can_register = can_manage_register(request.user, district)
    return render(
        request,
        "market/district_home.html",
        {
            "district": district,
            "coverage": selectors.coverage_summary(district=district),
            "page": page,
            "status": status,
            "statuses": ManagementStatus.choices,
            "can_register": can_register,
            # Posts to official_invite_view, which shows any errors on its own page.
            "invite_form": OfficialInviteForm(district=district) if can_register else None,
            "can_edit_fees": can_edit_fee_schedule(request.user, district),
            "can_vet_firms": can_vet_firms_in(request.user, district),
            "firm_applications_waiting": selectors.firm_status_counts(district=district)[
                FirmStatus.APPLIED
            ],
            # The bureau's console (issue #8): charts, seeking compounds, links.
            **console_context(request, district),
        },
    )


@login_required
def compound_create(request, code: str):
    district = _official_district(request, code)
    if not can_manage_register(request.user, district):
        raise PermissionDenied
    form = CompoundForm(request.POST or None, district=district)
    if request.method == "POST":
        if form.is_valid():
            try:
                compound = compound_register(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s is on the register.") % {"name": compound.name}
                )
                return redirect("compound_page", pk=compound.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "market/compound_form.html", {"district": district, "form": form}, status=status
    )


@login_required
def committee_create(request, pk: int):
    compound = get_object_or_404(Compound.objects.select_related("street_office__district"), pk=pk)
    if not can_register_committee(request.user, compound):
        raise PermissionDenied
    form = CommitteeForm(request.POST or None)
    formset = CommitteeMemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and form.is_valid():
        formset.kind = form.cleaned_data["kind"]
        if formset.is_valid():
            try:
                committee_register(
                    actor=request.user,
                    compound=compound,
                    members=formset.members(),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Committee registered; each member has been sent an invitation by e-mail."),
                )
                return redirect("compound_page", pk=compound.pk)
    elif request.method == "POST":
        formset.is_valid()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "market/committee_form.html",
        {"compound": compound, "form": form, "formset": formset},
        status=status,
    )


@login_required
def committee_member_reinvite(request, pk: int):
    seat = get_object_or_404(CommitteeMember.objects.select_related("committee__compound"), pk=pk)
    if request.method != "POST":
        return redirect("compound_page", pk=seat.committee.compound_id)
    if not can_manage_committee(request.user, seat.committee):
        raise PermissionDenied
    committee_member_invite(actor=request.user, seat=seat)
    messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": seat.email})
    return redirect("compound_page", pk=seat.committee.compound_id)


@login_required
def official_invite_view(request, code: str):
    """A bureau official invites a colleague or a street-office official."""
    district = _official_district(request, code)
    if not can_manage_register(request.user, district):
        raise PermissionDenied
    form = OfficialInviteForm(request.POST or None, district=district)
    if request.method == "POST" and form.is_valid():
        official_invite(actor=request.user, district=district, **form.cleaned_data)
        messages.success(
            request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
        return redirect("district_detail", code=district.code)
    return render(
        request,
        "market/official_invite.html",
        {"district": district, "form": form},
        status=400 if request.method == "POST" else 200,
    )
