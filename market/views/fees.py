"""Fee schedules: the bureau drafts and approves versions; the public reads the one in
force (DOMAIN: "Fee schedule (质价相符)")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import fee_selectors
from ..exceptions import InvalidTransition
from ..fee_forms import fee_schedule_forms
from ..forms import add_service_errors
from ..models import District, FeeSchedule
from ..permissions import can_edit_fee_schedule, require
from ..services.fees import (
    fee_schedule_discard,
    fee_schedule_draft_create,
    fee_schedule_draft_update,
    fee_schedule_draft_update_and_approve,
)


def _bureau_district(request, code: str) -> District:
    district = get_object_or_404(District, code=code)
    require(can_edit_fee_schedule(request.user, district))
    return district


def _bureau_schedule(request, pk: int) -> FeeSchedule:
    schedule = get_object_or_404(FeeSchedule.objects.select_related("district"), pk=pk)
    require(can_edit_fee_schedule(request.user, schedule.district))
    return schedule


def _render_list(request, district: District, *, status: int = 200):
    versions = fee_selectors.fee_schedule_versions(district=district)
    return render(
        request,
        "market/fee_schedule_list.html",
        {
            "district": district,
            "versions": versions,
            "draft": next((v.schedule for v in versions if v.state == "draft"), None),
        },
        status=status,
    )


APPROVED_IS_FINAL = gettext_lazy(
    "Version %(version)d is approved and can no longer be changed. Start a new version "
    "to change the schedule."
)


@login_required
def fee_schedule_list(request, code: str):
    return _render_list(request, _bureau_district(request, code))


@login_required
def fee_schedule_new(request, code: str):
    district = _bureau_district(request, code)
    if request.method != "POST":
        return redirect("fee_schedule_list", code=district.code)
    try:
        schedule = fee_schedule_draft_create(actor=request.user, district=district)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_list(request, district, status=400)
    messages.success(
        request,
        _("Version %(version)d is drafted. Edit it, then approve it.")
        % {"version": schedule.version},
    )
    return redirect("fee_schedule_edit", pk=schedule.pk)


def _render_approved(request, schedule: FeeSchedule):
    """An approved version reads the same to everyone; POSTing to it changes nothing."""
    status = 200
    if request.method == "POST":
        messages.error(request, APPROVED_IS_FINAL % {"version": schedule.version})
        status = 400
    schedule = fee_selectors.fee_schedule_with_grades(schedule_id=schedule.pk)
    return render(request, "market/fee_schedule_detail.html", {"schedule": schedule}, status=status)


@login_required
def fee_schedule_edit(request, pk: int):
    """A draft: edit it, save it, or save and approve it. An approved version: read only."""
    schedule = _bureau_schedule(request, pk)
    if schedule.is_approved:
        return _render_approved(request, schedule)
    data = request.POST if request.method == "POST" else None
    form, formset = fee_schedule_forms(schedule, data)
    if data is not None and form.is_valid() & formset.is_valid():
        approve = request.POST.get("action") == "approve"
        save = fee_schedule_draft_update_and_approve if approve else fee_schedule_draft_update
        try:
            save(
                actor=request.user, schedule=schedule, grades=formset.grades(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition:
            form.add_error(None, APPROVED_IS_FINAL % {"version": schedule.version})
        else:
            if not approve:
                messages.success(request, _("Draft saved."))
                return redirect("fee_schedule_edit", pk=schedule.pk)
            messages.success(
                request,
                _("Version %(version)d is approved; it takes effect on %(date)s.")
                % {"version": schedule.version, "date": form.cleaned_data["effective_from"]},
            )
            return redirect("fee_schedule_list", code=schedule.district.code)
    return render(
        request,
        "market/fee_schedule_form.html",
        {"schedule": schedule, "form": form, "formset": formset},
        status=400 if data is not None else 200,
    )


@login_required
def fee_schedule_discard_view(request, pk: int):
    schedule = _bureau_schedule(request, pk)
    if request.method != "POST":
        return redirect("fee_schedule_edit", pk=schedule.pk)
    try:
        fee_schedule_discard(actor=request.user, schedule=schedule)
    except InvalidTransition:
        messages.error(request, APPROVED_IS_FINAL % {"version": schedule.version})
        return redirect("fee_schedule_edit", pk=schedule.pk)
    messages.success(
        request, _("Draft version %(version)d discarded.") % {"version": schedule.version}
    )
    return redirect("fee_schedule_list", code=schedule.district.code)


def fee_schedule_public(request, code: str):
    """Anyone: the schedule in force in a district, and any version still to come."""
    district = get_object_or_404(District, code=code)
    return render(
        request,
        "market/fee_schedule_public.html",
        {
            "district": district,
            "schedule": fee_selectors.current_fee_schedule(district=district),
            "upcoming": fee_selectors.upcoming_fee_schedules(district=district),
        },
    )


urlpatterns = [
    path("district/<str:code>/fees/", fee_schedule_list, name="fee_schedule_list"),
    path("district/<str:code>/fees/new/", fee_schedule_new, name="fee_schedule_new"),
    path("district/fees/<int:pk>/", fee_schedule_edit, name="fee_schedule_edit"),
    path("district/fees/<int:pk>/discard/", fee_schedule_discard_view, name="fee_schedule_discard"),
    path("fees/<str:code>/", fee_schedule_public, name="fee_schedule_public"),
]
