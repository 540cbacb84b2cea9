"""Contracts: generate from a passed vote, read, sign (after re-entering the password),
give notice, file (bureau), and check a copy against the signed original."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from market.permissions import (
    can_act_for_compound,
    can_act_for_firm,
    can_file_contract,
    can_sign_for_compound,
    can_view_engagement,
)

from ..documents import sha256_hex
from ..forms import ContractGenerateForm, FileForm, ReasonForm, SignForm, VerifyForm
from ..models import (
    Contract,
    ContractSignature,
    ContractStatus,
    NoticeBy,
    SigningParty,
    Vote,
    VoteStatus,
)
from ..selectors import contracts_with_signatures
from ..services.contract_terms import contract_file, contract_give_notice
from ..services.contracts import contract_cancel, contract_generate, contract_sign
from ..services.trial_terms import scope_labels
from .common import client_ip, post_action, run_service
from .timeline import events_of

MAX_VERIFY_BYTES = 20 * 1024 * 1024


@login_required
def contract_generate_view(request, vote_pk: int):
    vote = get_object_or_404(
        Vote.objects.select_related("compound__street_office__district", "firm", "trial"),
        pk=vote_pk,
    )
    if not can_act_for_compound(request.user, vote.compound):
        raise PermissionDenied
    form = ContractGenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contract = run_service(
            form, lambda: contract_generate(actor=request.user, vote=vote, **form.cleaned_data)
        )
        if contract is not None:
            messages.success(request, _("Contract generated. Both parties can now sign it."))
            return redirect("contract_detail", pk=contract.pk)
    return render(
        request,
        "contracts/contract_generate.html",
        {
            "vote": vote,
            "trial": vote.trial,
            "scope_labels": scope_labels(vote.trial.terms.get("scope_items")),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _visible_contract(request, pk: int) -> Contract:
    contract = get_object_or_404(contracts_with_signatures(), pk=pk)
    if not can_view_engagement(request.user, contract.compound, contract.firm):
        raise PermissionDenied
    return contract


def _party_to_sign(user, contract: Contract) -> str | None:
    """The party this user may still sign for, if any."""
    if contract.status != ContractStatus.DRAFT:
        return None
    if can_sign_for_compound(user, contract.compound) and not contract.signature_of(
        SigningParty.COMMITTEE
    ):
        return SigningParty.COMMITTEE
    if can_act_for_firm(user, contract.firm) and not contract.signature_of(SigningParty.FIRM):
        return SigningParty.FIRM
    return None


def _notice_by(user, contract: Contract) -> str | None:
    """Which notice this user may give now (arts. 946–948), if any."""
    if contract.terminates_on is not None:
        return None
    if contract.status == ContractStatus.HOLDOVER and (
        can_act_for_compound(user, contract.compound) or can_act_for_firm(user, contract.firm)
    ):
        return NoticeBy.EITHER
    if contract.status != ContractStatus.ACTIVE:
        return None
    if (
        can_act_for_compound(user, contract.compound)
        and contract.dismissal_votes.filter(status=VoteStatus.PASSED).exists()
    ):
        return NoticeBy.OWNERS
    if can_act_for_firm(user, contract.firm):
        return NoticeBy.FIRM
    return None


def _contract_page(request, contract: Contract, *, status=200, **forms_):
    user = request.user
    is_committee = can_act_for_compound(user, contract.compound)
    context = {
        "contract": contract,
        "scope_labels": scope_labels(contract.scope_items),
        "committee_signature": contract.signature_of(SigningParty.COMMITTEE),
        "firm_signature": contract.signature_of(SigningParty.FIRM),
        "party_to_sign": _party_to_sign(user, contract),
        "sign_form": forms_.get("sign_form")
        or SignForm(initial={"document_sha256": contract.document_sha256}),
        "notice_by": _notice_by(user, contract),
        "notice_form": forms_.get("notice_form") or ReasonForm(),
        "can_cancel": is_committee and contract.status == ContractStatus.DRAFT,
        "cancel_form": forms_.get("cancel_form") or ReasonForm(),
        "can_call_dismissal": is_committee
        and contract.status in (ContractStatus.ACTIVE, ContractStatus.HOLDOVER)
        and contract.terminates_on is None,
        "can_file": can_file_contract(user, contract.compound)
        and contract.signed_at is not None
        and contract.filed_on is None,
        "file_form": forms_.get("file_form") or FileForm(),
        "events": events_of(contract),
    }
    return render(request, "contracts/contract_detail.html", context, status=status)


@login_required
def contract_detail(request, pk: int):
    return _contract_page(request, _visible_contract(request, pk))


@login_required
def contract_pdf_view(request, pk: int):
    contract = _visible_contract(request, pk)
    if not contract.document_sha256:
        raise Http404(_("The contract document is still being prepared."))
    response = HttpResponse(bytes(contract.document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.number}.pdf"'
    return response


@login_required
@require_POST
def contract_sign_view(request, pk: int):
    contract = _visible_contract(request, pk)
    if not (
        can_sign_for_compound(request.user, contract.compound)
        or can_act_for_firm(request.user, contract.firm)
    ):
        raise PermissionDenied
    return _sign_after_reauthentication(request, contract)


@reauthentication_required
def _sign_after_reauthentication(request, contract: Contract):
    """Each signer re-enters their password first (allauth re-authentication: a recent
    login is not enough); allauth then replays this request."""
    party = _party_to_sign(request.user, contract)
    form = SignForm(request.POST)
    if party is None:
        form.add_error(None, _("There is nothing left for you to sign on this contract."))
        return _contract_page(request, contract, status=400, sign_form=form)
    return post_action(
        request,
        form,
        lambda data: contract_sign(
            actor=request.user,
            contract=contract,
            party=party,
            document_sha256=data["document_sha256"],
            ip_address=client_ip(request),
        ),
        done=redirect("contract_detail", pk=contract.pk),
        failed=lambda form: _contract_page(request, contract, status=400, sign_form=form),
        message=_("You have signed the contract."),
    )


@login_required
@require_POST
def contract_notice_view(request, pk: int):
    contract = _visible_contract(request, pk)
    by = _notice_by(request.user, contract)
    if by is None:
        if not (
            can_act_for_compound(request.user, contract.compound)
            or can_act_for_firm(request.user, contract.firm)
        ):
            raise PermissionDenied
        form = ReasonForm(request.POST)
        form.add_error(None, _("No notice of ending can be given on this contract now."))
        return _contract_page(request, contract, status=400, notice_form=form)
    return post_action(
        request,
        ReasonForm(request.POST),
        lambda data: contract_give_notice(
            actor=request.user, contract=contract, by=by, reason=data["reason"]
        ),
        done=redirect("contract_detail", pk=contract.pk),
        failed=lambda form: _contract_page(request, contract, status=400, notice_form=form),
        message=_("Notice given; the other party has been informed."),
    )


@login_required
@require_POST
def contract_cancel_view(request, pk: int):
    contract = _visible_contract(request, pk)
    if not can_act_for_compound(request.user, contract.compound):
        raise PermissionDenied
    return post_action(
        request,
        ReasonForm(request.POST),
        lambda data: contract_cancel(actor=request.user, contract=contract, reason=data["reason"]),
        done=redirect("contract_detail", pk=contract.pk),
        failed=lambda form: _contract_page(request, contract, status=400, cancel_form=form),
        message=_("The draft was cancelled; you can generate it again."),
    )


@login_required
@require_POST
def contract_file_view(request, pk: int):
    """The bureau marks a contract filed (under /district/, so officials need TOTP)."""
    contract = _visible_contract(request, pk)
    if not can_file_contract(request.user, contract.compound):
        raise PermissionDenied
    if request.POST.get("back") == "district":
        done = redirect("district_contracts", code=contract.compound.street_office.district.code)
    else:
        done = redirect("contract_detail", pk=contract.pk)
    return post_action(
        request,
        FileForm(request.POST),
        lambda data: contract_file(
            actor=request.user, contract=contract, filed_on=data["filed_on"]
        ),
        done=done,
        failed=lambda form: _contract_page(request, contract, status=400, file_form=form),
        message=_("Contract %(number)s marked filed.") % {"number": contract.number},
    )


def contract_verify(request):
    """Anyone holding a copy can check it: upload the PDF or enter its SHA-256."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("document")
        if upload is not None:
            if upload.size > MAX_VERIFY_BYTES:
                form.add_error("document", _("That file is too large to be a contract."))
            else:
                digest = sha256_hex(upload.read())
        else:
            digest = form.cleaned_data["sha256"]
        if form.is_valid():
            contract = (
                Contract.objects.filter(document_sha256=digest, signed_at__isnull=False)
                .select_related("compound", "firm")
                .first()
            )
            signatures = ContractSignature.objects.filter(contract=contract) if contract else []
            result = {"digest": digest, "contract": contract, "signatures": signatures}
    return render(
        request,
        "contracts/verify.html",
        {"form": form, "result": result},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )
