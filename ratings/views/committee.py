"""The committee's pages: household codes (issue, print, revoke, re-issue), comment
moderation and the monthly inspection."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from market.models import Compound
from market.permissions import can_manage_household_codes, require

from ..forms import InspectionForm, IssueCodesForm
from ..models import CommentStatus, HouseholdCode, Inspection, Rating
from ..services.codes import (
    household_code_reissue,
    household_code_revoke,
    household_codes_issue,
    households_parse,
)
from ..services.inspections import inspection_checklist, inspection_record
from ..services.ratings import rating_moderate
from .common import run_service


def _compound(request, pk: int) -> Compound:
    compound = get_object_or_404(Compound.objects.select_related("street_office__district"), pk=pk)
    require(can_manage_household_codes(request.user, compound))
    return compound


def _codes_page(request, compound, form, *, status=200):
    codes = HouseholdCode.objects.filter(compound=compound).order_by("household", "-created_at")
    return render(
        request,
        "ratings/household_codes.html",
        {"compound": compound, "form": form, "codes": codes, "action_form": forms.Form()},
        status=status,
    )


def _sheet(request, compound, issued):
    return render(request, "ratings/code_sheet.html", {"compound": compound, "issued": issued})


@login_required
def household_codes(request, pk: int):
    compound = _compound(request, pk)
    form = IssueCodesForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            issued = run_service(
                form,
                lambda: household_codes_issue(
                    actor=request.user,
                    compound=compound,
                    households=households_parse(form.cleaned_data["households"]),
                ),
            )
            if issued:
                return _sheet(request, compound, issued)
        return _codes_page(request, compound, form, status=400)
    return _codes_page(request, compound, form)


def _code(request, pk: int) -> HouseholdCode:
    code = get_object_or_404(
        HouseholdCode.objects.select_related("compound__street_office__district"), pk=pk
    )
    require(can_manage_household_codes(request.user, code.compound))
    return code


@login_required
@require_POST
def household_code_revoke_view(request, pk: int):
    code = _code(request, pk)
    try:
        household_code_revoke(actor=request.user, code=code)
    except ValidationError as error:
        form = IssueCodesForm()
        form.add_error(None, error)
        return _codes_page(request, code.compound, form, status=400)
    messages.success(
        request, _("The code of %(household)s was revoked.") % {"household": code.household}
    )
    return redirect("household_codes", pk=code.compound_id)


@login_required
@require_POST
def household_code_reissue_view(request, pk: int):
    code = _code(request, pk)
    issued = household_code_reissue(actor=request.user, code=code)
    return _sheet(request, code.compound, [issued])


@login_required
def moderation(request, pk: int):
    compound = _compound(request, pk)
    held = Rating.objects.filter(compound=compound, comment_status=CommentStatus.HELD)
    return render(
        request,
        "ratings/moderation.html",
        {"compound": compound, "held": held, "action_form": forms.Form()},
    )


@login_required
@require_POST
def rating_moderate_view(request, pk: int):
    rating = get_object_or_404(Rating.objects.select_related("compound__street_office"), pk=pk)
    require(can_manage_household_codes(request.user, rating.compound))
    decision = request.POST.get("decision")
    if decision not in ("publish", "hide"):
        return render(
            request,
            "ratings/moderation.html",
            {
                "compound": rating.compound,
                "held": Rating.objects.filter(
                    compound=rating.compound, comment_status=CommentStatus.HELD
                ),
                "error": _("Choose publish or hide."),
            },
            status=400,
        )
    form = forms.Form(request.POST)
    if run_service(
        form,
        lambda: rating_moderate(actor=request.user, rating=rating, publish=decision == "publish"),
    ):
        messages.success(request, _("Moderation recorded."))
    else:
        messages.error(request, _("This comment has already been moderated."))
    return redirect("rating_moderation", pk=rating.compound_id)


@login_required
def inspection_new(request, pk: int):
    compound = _compound(request, pk)
    try:
        engagement, grade, standard = inspection_checklist(compound=compound)
    except ValidationError as error:
        return render(
            request,
            "ratings/inspection_form.html",
            {"compound": compound, "problem": error.messages[0]},
            status=400 if request.method == "POST" else 200,
        )
    form = InspectionForm(request.POST or None, request.FILES or None, standard=standard)
    if request.method == "POST":
        if form.is_valid() and run_service(
            form,
            lambda: inspection_record(
                actor=request.user,
                compound=compound,
                results=form.results(),
                notes=form.notes(),
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
            ),
        ):
            messages.success(request, _("Inspection recorded."))
            return redirect("inspection_new", pk=compound.pk)
    inspections = Inspection.objects.filter(compound=compound).prefetch_related("photos")[:12]
    return render(
        request,
        "ratings/inspection_form.html",
        {
            "compound": compound,
            "engagement": engagement,
            "grade": grade,
            "form": form,
            "inspections": inspections,
        },
        status=400 if request.method == "POST" else 200,
    )
