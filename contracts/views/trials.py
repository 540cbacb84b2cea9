"""Trials: the committee requests one from an offer's page; the firm accepts or declines;
the committee may withdraw before it starts."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from market.models import Compound, Offer
from market.permissions import (
    can_act_for_compound,
    can_act_for_firm,
    can_view_engagement,
    roles_of,
)

from ..forms import OptionalReasonForm, ReasonForm, TrialRequestForm
from ..models import Trial, TrialStatus, VoteStatus
from ..services.trial_terms import offer_trial_problems, scope_labels
from ..services.trials import (
    trial_accept,
    trial_decline,
    trial_request,
    trial_withdraw,
)
from .common import post_action, run_service
from .timeline import events_of


def _compounds_acting_for(user) -> list[Compound]:
    compounds = [seat.committee.compound for seat in roles_of(user).committee_seats]
    return [c for c in compounds if can_act_for_compound(user, c)]


@login_required
def trial_request_view(request, offer_id: int):
    """``trial_request``: the catalogue's “申请试用” button links here with the offer id."""
    offer = get_object_or_404(Offer.objects.select_related("firm"), pk=offer_id)
    compounds = _compounds_acting_for(request.user)
    if not compounds:
        raise PermissionDenied
    chosen = request.POST.get("compound") or request.GET.get("compound")
    compound = next((c for c in compounds if str(c.pk) == chosen), compounds[0])
    compound = Compound.objects.select_related("street_office__district").get(pk=compound.pk)
    form = TrialRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        trial = run_service(
            form,
            lambda: trial_request(
                actor=request.user, compound=compound, offer=offer, **form.cleaned_data
            ),
        )
        if trial is not None:
            messages.success(
                request,
                _("Trial requested. %(firm)s has been notified.") % {"firm": offer.firm.name},
            )
            return redirect("trial_detail", pk=trial.pk)
    return render(
        request,
        "contracts/trial_request.html",
        {
            "offer": offer,
            "compound": compound,
            "compounds": compounds,
            "problems": offer_trial_problems(offer=offer, compound=compound),
            "scope_labels": scope_labels(offer.scope_items),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _trial_page(request, trial: Trial, *, status=200, **forms_):
    user = request.user
    is_firm = can_act_for_firm(user, trial.firm)
    is_committee = can_act_for_compound(user, trial.compound)
    context = {
        "trial": trial,
        "scope_labels": scope_labels(trial.terms.get("scope_items")),
        "report": getattr(trial, "report", None),
        "votes": trial.votes.all(),
        "events": events_of(trial),
        "can_answer": is_firm and trial.status == TrialStatus.REQUESTED,
        "can_withdraw": is_committee
        and trial.status in (TrialStatus.REQUESTED, TrialStatus.ACCEPTED),
        "can_vote": is_committee
        and trial.status in (TrialStatus.ACTIVE, TrialStatus.ENDED)
        and not trial.votes.filter(status=VoteStatus.PASSED).exists(),
        "action_form": forms_.get("action_form") or forms.Form(),
        "decline_form": forms_.get("decline_form") or ReasonForm(),
        "withdraw_form": forms_.get("withdraw_form") or OptionalReasonForm(),
    }
    return render(request, "contracts/trial_detail.html", context, status=status)


def _visible_trial(request, pk: int) -> Trial:
    trial = get_object_or_404(
        Trial.objects.select_related(
            "compound__street_office__district", "firm", "offer", "committee"
        ),
        pk=pk,
    )
    if not can_view_engagement(request.user, trial.compound, trial.firm):
        raise PermissionDenied
    return trial


@login_required
def trial_detail(request, pk: int):
    return _trial_page(request, _visible_trial(request, pk))


@login_required
@require_POST
def trial_accept_view(request, pk: int):
    trial = _visible_trial(request, pk)
    if not can_act_for_firm(request.user, trial.firm):
        raise PermissionDenied
    return post_action(
        request,
        forms.Form(request.POST),
        lambda data: trial_accept(actor=request.user, trial=trial),
        done=redirect("trial_detail", pk=trial.pk),
        failed=lambda form: _trial_page(request, trial, status=400, action_form=form),
        message=_("Trial accepted; the committee has been notified."),
    )


@login_required
@require_POST
def trial_decline_view(request, pk: int):
    trial = _visible_trial(request, pk)
    if not can_act_for_firm(request.user, trial.firm):
        raise PermissionDenied
    return post_action(
        request,
        ReasonForm(request.POST),
        lambda data: trial_decline(actor=request.user, trial=trial, **data),
        done=redirect("trial_detail", pk=trial.pk),
        failed=lambda form: _trial_page(request, trial, status=400, decline_form=form),
        message=_("Trial declined; the committee has been told why."),
    )


@login_required
@require_POST
def trial_withdraw_view(request, pk: int):
    trial = _visible_trial(request, pk)
    if not can_act_for_compound(request.user, trial.compound):
        raise PermissionDenied
    return post_action(
        request,
        OptionalReasonForm(request.POST),
        lambda data: trial_withdraw(actor=request.user, trial=trial, **data),
        done=redirect("trial_detail", pk=trial.pk),
        failed=lambda form: _trial_page(request, trial, status=400, withdraw_form=form),
        message=_("Trial request withdrawn."),
    )
