"""The resident's page (opened from the notice board's QR code): enter the household
code once, then rate the month and raise or follow service requests. No account."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from market.forms import add_service_errors
from market.models import Compound

from ..forms import HouseholdCodeForm, RatingForm, ServiceRequestForm
from ..models import Rating, RequestStatus, ServiceRequest
from ..services.codes import (
    TooManyAttempts,
    household_code_check,
    household_code_for_session,
)
from ..services.common import month_start, scope_items_of, serving_engagement
from ..services.ratings import rating_submit, scope_choices
from ..services.requests import request_confirm, request_raise, request_reopen
from .common import client_address, run_service


def _session_key(compound: Compound) -> str:
    return f"ratings_household_{compound.pk}"


def _compound(pk: int) -> Compound:
    return get_object_or_404(Compound.objects.select_related("street_office__district"), pk=pk)


def resident_entry(request, pk: int):
    compound = _compound(pk)
    form = HouseholdCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                code = household_code_check(
                    compound=compound,
                    code=form.cleaned_data["code"],
                    client=client_address(request),
                )
            except TooManyAttempts as refusal:
                form.add_error(None, str(refusal))
                status = 429
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session.cycle_key()
                request.session[_session_key(compound)] = code.pk
                return redirect("resident_home", pk=compound.pk)
    return render(
        request, "ratings/resident_entry.html", {"compound": compound, "form": form}, status=status
    )


def _household(request, compound: Compound):
    code_id = request.session.get(_session_key(compound))
    if code_id is None:
        return None
    try:
        return household_code_for_session(compound=compound, code_id=code_id)
    except PermissionDenied:  # revoked since: enter a valid code again
        request.session.pop(_session_key(compound), None)
        return None


def _home(
    request, compound, code, *, status=200, rating_form=None, request_form=None, action_form=None
):
    try:
        engagement = serving_engagement(compound)
    except ValidationError:
        engagement = None
    items = scope_choices(scope_items_of(engagement)) if engagement else []
    month = month_start(timezone.localdate())
    rated = Rating.objects.filter(household_code=code, month=month).first()
    context = {
        "compound": compound,
        "household": code,
        "engagement": engagement,
        "rated": rated,
        "month": month,
        "rating_form": rating_form or RatingForm(items=items),
        "request_form": request_form or ServiceRequestForm(),
        "requests": ServiceRequest.objects.filter(household_code=code).order_by("-created_at"),
        "resolved_status": RequestStatus.RESOLVED,
        "action_form": action_form or forms.Form(),
    }
    return render(request, "ratings/resident_home.html", context, status=status)


def resident_home(request, pk: int):
    compound = _compound(pk)
    code = _household(request, compound)
    if code is None:
        return redirect("resident_entry", pk=compound.pk)
    return _home(request, compound, code)


@require_POST
def resident_rate(request, pk: int):
    compound = _compound(pk)
    code = _household(request, compound)
    if code is None:
        return redirect("resident_entry", pk=compound.pk)
    try:
        items = scope_choices(scope_items_of(serving_engagement(compound)))
    except ValidationError:
        items = []
    form = RatingForm(request.POST, items=items)
    if form.is_valid() and run_service(
        form,
        lambda: rating_submit(
            household_code=code, scores=form.scores(), comment=form.cleaned_data["comment"]
        ),
    ):
        messages.success(request, _("Thank you: your rating has been recorded."))
        return redirect("resident_home", pk=compound.pk)
    return _home(request, compound, code, status=400, rating_form=form)


@require_POST
def resident_request(request, pk: int):
    compound = _compound(pk)
    code = _household(request, compound)
    if code is None:
        return redirect("resident_entry", pk=compound.pk)
    form = ServiceRequestForm(request.POST, request.FILES)
    if form.is_valid() and run_service(
        form,
        lambda: request_raise(
            household_code=code,
            category=form.cleaned_data["category"],
            urgency=form.cleaned_data["urgency"],
            text=form.cleaned_data["text"],
            photo=form.cleaned_data.get("photo"),
        ),
    ):
        messages.success(request, _("Your request has been sent to the property firm."))
        return redirect("resident_home", pk=compound.pk)
    return _home(request, compound, code, status=400, request_form=form)


@require_POST
def resident_request_answer(request, pk: int, request_pk: int):
    """Confirm (satisfied / not satisfied) or reopen a resolved request."""
    compound = _compound(pk)
    code = _household(request, compound)
    if code is None:
        return redirect("resident_entry", pk=compound.pk)
    service_request = get_object_or_404(
        ServiceRequest, pk=request_pk, compound=compound, household_code=code
    )
    answer = request.POST.get("answer")
    form = forms.Form(request.POST)
    if answer in ("satisfied", "unsatisfied"):
        call = lambda: request_confirm(  # noqa: E731
            household_code=code, request=service_request, satisfied=answer == "satisfied"
        )
    elif answer == "reopen":
        call = lambda: request_reopen(household_code=code, request=service_request)  # noqa: E731
    else:
        form.add_error(None, _("Choose satisfied, not satisfied or reopen."))
        call = None
    if call is not None and run_service(form, call):
        messages.success(request, _("Thank you: your answer has been recorded."))
        return redirect("resident_home", pk=compound.pk)
    return _home(request, compound, code, status=400, action_form=form)


@require_POST
def resident_leave(request, pk: int):
    compound = _compound(pk)
    request.session.pop(_session_key(compound), None)
    return redirect("resident_entry", pk=compound.pk)
