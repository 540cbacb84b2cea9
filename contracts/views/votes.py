"""The owners' vote: the committee records it; the result page shows both counts and
which threshold failed."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from market.permissions import can_act_for_compound, can_view_engagement

from ..forms import VoteForm
from ..models import Contract, Trial, Vote, VoteKind, VoteStatus
from ..models.votes import NOTICE_DAYS, PUBLICATION_DAYS
from ..services.votes import vote_record
from .common import run_service


def _vote_form_page(request, *, compound, kind, firm, trial=None, contract=None):
    if not can_act_for_compound(request.user, compound):
        raise PermissionDenied
    form = VoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        vote = run_service(
            form,
            lambda: vote_record(
                actor=request.user,
                compound=compound,
                kind=kind,
                trial=trial,
                contract=contract,
                **form.cleaned_data,
            ),
        )
        if vote is not None:
            if vote.status == VoteStatus.PASSED:
                messages.success(request, _("The vote passed."))
            else:
                messages.warning(request, _("The vote did not pass."))
            return redirect("vote_detail", pk=vote.pk)
    return render(
        request,
        "contracts/vote_form.html",
        {
            "compound": compound,
            "kind": VoteKind(kind),
            "firm": firm,
            "trial": trial,
            "contract": contract,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def vote_hire(request, trial_pk: int):
    trial = get_object_or_404(
        Trial.objects.select_related("compound__street_office__district", "firm"), pk=trial_pk
    )
    return _vote_form_page(
        request, compound=trial.compound, kind=VoteKind.HIRE, firm=trial.firm, trial=trial
    )


@login_required
def vote_dismiss(request, contract_pk: int):
    contract = get_object_or_404(
        Contract.objects.select_related("compound__street_office__district", "firm"),
        pk=contract_pk,
    )
    return _vote_form_page(
        request,
        compound=contract.compound,
        kind=VoteKind.DISMISS,
        firm=contract.firm,
        contract=contract,
    )


def _percent(share) -> str:
    value = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


@login_required
def vote_detail(request, pk: int):
    vote = get_object_or_404(
        Vote.objects.select_related("compound__street_office__district", "firm", "trial"), pk=pk
    )
    if not can_view_engagement(request.user, vote.compound, vote.firm):
        raise PermissionDenied
    outcome = vote.outcome
    rows = [
        (
            _("Participation by exclusive area"),
            f"{vote.participating_area} / {vote.register_area} ㎡",
            outcome.participation_area,
            "≥ 2/3",
            outcome.participation_area_ok,
        ),
        (
            _("Participation by owners"),
            f"{vote.participating_owners} / {vote.register_owners}",
            outcome.participation_owners,
            "≥ 2/3",
            outcome.participation_owners_ok,
        ),
        (
            _("Approval by participating area"),
            f"{vote.approving_area} / {vote.participating_area} ㎡",
            outcome.approval_area,
            "> 1/2",
            outcome.approval_area_ok,
        ),
        (
            _("Approval by participating owners"),
            f"{vote.approving_owners} / {vote.participating_owners}",
            outcome.approval_owners,
            "> 1/2",
            outcome.approval_owners_ok,
        ),
    ]
    thresholds = [
        {
            "label": label,
            "counts": counts,
            "percent": _percent(share),
            "rule": rule,
            "ok": ok,
        }
        for label, counts, share, rule, ok in rows
    ]
    contract = vote.contracts.exclude(status="cancelled").first()
    return render(
        request,
        "contracts/vote_detail.html",
        {
            "vote": vote,
            "thresholds": thresholds,
            "contract": contract,
            "can_generate": vote.kind == VoteKind.HIRE
            and vote.status == VoteStatus.PASSED
            and contract is None
            and can_act_for_compound(request.user, vote.compound),
            "notice_days": NOTICE_DAYS,
            "publication_days": PUBLICATION_DAYS,
        },
    )
