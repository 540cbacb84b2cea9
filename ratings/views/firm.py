"""The firm's side: its service requests (respond, work, resolve) and replies to
ratings. The request page is also seen by the committee and overseeing officials."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import Contract
from market.models.events import Event
from market.permissions import (
    can_act_for_firm,
    can_answer_for_firm,
    can_manage_household_codes,
    can_oversee_compound,
    roles_of,
)

from ..forms import ReasonForm, TextForm
from ..models import Evaluation, Rating, RequestStatus, ServiceRequest
from ..services.evaluations import fee_raise_apply
from ..services.ratings import rating_flag, rating_reply
from ..services.requests import request_resolve, request_respond, request_start_work
from .common import run_service


@login_required
def firm_requests(request):
    firm_ids = roles_of(request.user).firm_ids
    if not firm_ids:
        raise PermissionDenied
    requests = (
        ServiceRequest.objects.filter(firm_id__in=firm_ids)
        .select_related("compound")
        .order_by("status", "respond_by")
    )
    ratings = Rating.objects.filter(firm_id__in=firm_ids).select_related("compound")[:50]
    evaluations = Evaluation.objects.filter(firm_id__in=firm_ids).select_related(
        "compound", "engagement__contract"
    )[:50]
    return render(
        request,
        "ratings/firm_requests.html",
        {
            "requests": requests,
            "evaluations": evaluations,
            "ratings": ratings,
            "reply_form": TextForm(),
            "flag_form": ReasonForm(),
        },
    )


def _visible(request, pk: int) -> ServiceRequest:
    service_request = get_object_or_404(
        ServiceRequest.objects.select_related("compound__street_office__district", "firm"), pk=pk
    )
    user = request.user
    if not (
        can_answer_for_firm(user, service_request.firm)
        or can_manage_household_codes(user, service_request.compound)
        or can_oversee_compound(user, service_request.compound)
    ):
        raise PermissionDenied
    return service_request


def _page(request, service_request, *, status=200, form=None):
    from django.contrib.contenttypes.models import ContentType

    events = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(ServiceRequest),
        object_id=str(service_request.pk),
    ).order_by("created_at", "pk")
    return render(
        request,
        "ratings/request_detail.html",
        {
            "item": service_request,
            "events": events,
            "can_answer": can_answer_for_firm(request.user, service_request.firm),
            "form": form or TextForm(),
            "statuses": RequestStatus,
        },
        status=status,
    )


@login_required
def request_detail(request, pk: int):
    return _page(request, _visible(request, pk))


@login_required
@require_POST
def request_act(request, pk: int, step: str):
    service_request = _visible(request, pk)
    if not can_answer_for_firm(request.user, service_request.firm):
        raise PermissionDenied
    form = TextForm(request.POST)
    if step == "work":
        form = TextForm({"text": "-"})
        form.is_valid()
        call = lambda: request_start_work(actor=request.user, request=service_request)  # noqa: E731
    elif form.is_valid() and step == "respond":
        call = lambda: request_respond(  # noqa: E731
            actor=request.user, request=service_request, response=form.cleaned_data["text"]
        )
    elif form.is_valid() and step == "resolve":
        call = lambda: request_resolve(  # noqa: E731
            actor=request.user, request=service_request, resolution=form.cleaned_data["text"]
        )
    else:
        call = None
    if call is not None and run_service(form, call):
        messages.success(request, _("Recorded; the resident can follow it on their page."))
        return redirect("service_request_detail", pk=service_request.pk)
    return _page(request, service_request, status=400, form=form)


def _rating(request, pk: int) -> Rating:
    return get_object_or_404(
        Rating.objects.select_related("compound__street_office__district", "firm"), pk=pk
    )


@login_required
@require_POST
def rating_reply_view(request, pk: int):
    rating = _rating(request, pk)
    if not can_answer_for_firm(request.user, rating.firm):
        raise PermissionDenied
    form = TextForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: rating_reply(actor=request.user, rating=rating, text=form.cleaned_data["text"]),
    ):
        messages.success(request, _("Your reply is published."))
        return redirect("firm_requests")
    return _firm_page_with_errors(request, form)


@login_required
@require_POST
def rating_flag_view(request, pk: int):
    rating = _rating(request, pk)
    if not (
        can_answer_for_firm(request.user, rating.firm)
        or can_manage_household_codes(request.user, rating.compound)
    ):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: rating_flag(actor=request.user, rating=rating, reason=form.cleaned_data["reason"]),
    ):
        messages.success(request, _("The comment is held until the committee reviews it."))
        if can_answer_for_firm(request.user, rating.firm):
            return redirect("firm_requests")
        return redirect("rating_moderation", pk=rating.compound_id)
    return _firm_page_with_errors(request, form)


def _firm_page_with_errors(request, form):
    return render(request, "ratings/form_errors.html", {"form": form}, status=400)


@login_required
@require_POST
def fee_raise_apply_view(request, pk: int):
    """A firm above its contracted grade two quarters running applies for a raise."""
    contract = get_object_or_404(
        Contract.objects.select_related("compound__street_office__district", "firm"), pk=pk
    )
    if not can_act_for_firm(request.user, contract.firm):
        raise PermissionDenied
    form = forms.Form(request.POST)
    if run_service(form, lambda: fee_raise_apply(actor=request.user, contract=contract)):
        messages.success(request, _("Your application has been sent to the bureau."))
        return redirect("firm_requests")
    return _firm_page_with_errors(request, form)
