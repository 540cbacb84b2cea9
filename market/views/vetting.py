"""Firm vetting (DOMAIN: Firms and vetting): a firm applies; the bureau of the district it
is registered in approves or rejects it, later suspends, reinstates or revokes it,
blacklists it and keeps its credit record. The licence scan is private."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import selectors
from ..exceptions import InvalidTransition
from ..forms import CreditEntryForm, FirmApplicationForm, VettingDecisionForm, add_service_errors
from ..middleware import MFA_REQUIRED_MESSAGE
from ..models import District, Firm, FirmStatus
from ..permissions import (
    can_apply_as_firm,
    can_resubmit_firm_application,
    can_vet_firm,
    can_vet_firms_in,
    can_view_firm_private,
    has_mfa,
    requires_mfa,
)
from ..services.credit import credit_entry_add, firm_blacklist, firm_unblacklist
from ..services.firms import (
    firm_approve,
    firm_register,
    firm_reinstate,
    firm_reject,
    firm_resubmit,
    firm_revoke,
    firm_suspend,
)
from ..uploads import sniff_kind

# --- The firm applies ---------------------------------------------------------------


@login_required
def firm_apply(request):
    if not can_apply_as_firm(request.user):
        raise PermissionDenied
    form = FirmApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            firm = firm_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Application received. The housing bureau will vet it; you will hear "
                    "by e-mail at %(email)s."
                )
                % {"email": firm.email},
            )
            return redirect(f"{reverse('my_firm')}?firm={firm.pk}")
    return render(
        request,
        "market/firm_apply.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def firm_resubmit_view(request, pk: int):
    """A rejected firm's administrator corrects the application and applies again."""
    firm = get_object_or_404(Firm.objects.select_related("registered_district"), pk=pk)
    if not can_resubmit_firm_application(request.user, firm):
        raise PermissionDenied
    my_firm_url = f"{reverse('my_firm')}?firm={firm.pk}"
    if request.method != "POST" and firm.status != FirmStatus.REJECTED:
        messages.info(request, _("Only a rejected application can be corrected and resubmitted."))
        return redirect(my_firm_url)
    form = FirmApplicationForm(
        request.POST or None,
        request.FILES or None,
        initial=FirmApplicationForm.initial_from(firm),
        licence_on_file=bool(firm.licence),
    )
    if request.method == "POST" and form.is_valid():
        try:
            firm_resubmit(actor=request.user, firm=firm, **form.cleaned_data)
        except InvalidTransition as error:
            form.add_error(None, _transition_refused(error))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Application resubmitted. The housing bureau will vet it again."),
            )
            return redirect(my_firm_url)
    return render(
        request,
        "market/firm_apply.html",
        {"form": form, "resubmitted_firm": firm},
        status=400 if request.method == "POST" else 200,
    )


# --- The bureau vets ----------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    key: str
    label: str
    service: Callable
    # The statuses it can be taken from (see FIRM_TRANSITIONS); None: any (blacklist).
    from_statuses: frozenset | None = None
    blacklisted: bool | None = None
    takes_reason: bool = True
    danger: bool = False

    def available_for(self, firm: Firm) -> bool:
        if self.from_statuses is not None:
            return firm.status in self.from_statuses
        return firm.blacklisted == self.blacklisted


DECISIONS = {
    d.key: d
    for d in [
        Decision(
            "approve",
            gettext_lazy("Approve"),
            firm_approve,
            frozenset({FirmStatus.APPLIED}),
            takes_reason=False,
        ),
        Decision(
            "reject",
            gettext_lazy("Reject"),
            firm_reject,
            frozenset({FirmStatus.APPLIED}),
            danger=True,
        ),
        Decision(
            "suspend",
            gettext_lazy("Suspend"),
            firm_suspend,
            frozenset({FirmStatus.APPROVED}),
            danger=True,
        ),
        Decision(
            "reinstate",
            gettext_lazy("Reinstate"),
            firm_reinstate,
            frozenset({FirmStatus.SUSPENDED}),
        ),
        Decision(
            "revoke",
            gettext_lazy("Revoke approval"),
            firm_revoke,
            frozenset({FirmStatus.APPROVED, FirmStatus.SUSPENDED}),
            danger=True,
        ),
        Decision(
            "blacklist",
            gettext_lazy("Blacklist"),
            firm_blacklist,
            blacklisted=False,
            danger=True,
        ),
        Decision(
            "unblacklist",
            gettext_lazy("Lift the blacklisting"),
            firm_unblacklist,
            blacklisted=True,
        ),
    ]
}


@login_required
def district_firms(request, code: str):
    district = get_object_or_404(District, code=code)
    if not can_vet_firms_in(request.user, district):
        raise PermissionDenied
    status = request.GET.get("status") or None
    if status not in FirmStatus.values:
        status = None
    counts = selectors.firm_status_counts(district=district)
    firms = selectors.firms_for_vetting(district=district, status=status)
    return render(
        request,
        "market/vetting_list.html",
        {
            "district": district,
            "status": status,
            "tabs": [(value, FirmStatus(value).label, count) for value, count in counts.items()],
            "total": sum(counts.values()),
            "page": Paginator(firms, 50).get_page(request.GET.get("page")),
        },
    )


def _vettable_firm(request, pk: int) -> Firm:
    firm = get_object_or_404(Firm, pk=pk)
    if not can_vet_firm(request.user, firm):
        raise PermissionDenied
    return firm


@login_required
def firm_vetting(request, pk: int):
    return _firm_vetting_page(request, _vettable_firm(request, pk))


def _firm_vetting_page(request, firm: Firm, *, bound: dict | None = None, status: int = 200):
    """The application, credit record, timeline and decision forms; ``bound`` holds the
    form that was just posted with its errors."""
    bound = bound or {}
    firm = selectors.firm_for_vetting(firm_id=firm.pk)
    decisions = [
        (decision, bound.get(decision.key) or VettingDecisionForm(prefix=decision.key))
        for decision in DECISIONS.values()
        if decision.available_for(firm) or decision.key in bound
    ]
    return render(
        request,
        "market/vetting_detail.html",
        {
            "firm": firm,
            "district": firm.registered_district,
            "decisions": decisions,
            "credit_form": bound.get("credit") or CreditEntryForm(prefix="credit"),
            "events": selectors.firm_timeline(firm=firm),
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_POST
@login_required
def firm_decide(request, pk: int, action: str):
    decision = DECISIONS.get(action)
    if decision is None:
        raise Http404
    firm = _vettable_firm(request, pk)
    form = VettingDecisionForm(request.POST, prefix=action)
    if form.is_valid():
        reason = {"reason": form.cleaned_data["reason"]} if decision.takes_reason else {}
        try:
            decision.service(firm=firm, actor=request.user, **reason)
        except InvalidTransition as error:
            form.add_error(None, _transition_refused(error))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(firm)s: %(decision)s — done.") % {"firm": firm, "decision": decision.label},
            )
            return redirect("firm_vetting", pk=firm.pk)
    return _firm_vetting_page(request, firm, bound={action: form}, status=400)


def _transition_refused(error: InvalidTransition) -> str:
    return _(
        "The firm is now “%(current)s”, so it cannot become “%(target)s”; someone may "
        "have decided on it meanwhile. Its current state is shown below."
    ) % {
        "current": FirmStatus(error.current).label,
        "target": FirmStatus(error.target).label,
    }


@require_POST
@login_required
def firm_credit_entry_add(request, pk: int):
    firm = _vettable_firm(request, pk)
    form = CreditEntryForm(request.POST, prefix="credit")
    if form.is_valid():
        try:
            credit_entry_add(firm=firm, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Credit entry recorded."))
            return redirect("firm_vetting", pk=firm.pk)
    return _firm_vetting_page(request, firm, bound={"credit": form}, status=400)


# --- The licence scan ---------------------------------------------------------------


def firm_licence(request, pk: int):
    """Stream the private licence scan to the firm's staff and its vetting bureau only."""
    firm = get_object_or_404(Firm, pk=pk)
    if not can_view_firm_private(request.user, firm):
        raise PermissionDenied
    # Officials see private documents only with their second factor, as on bureau pages.
    if requires_mfa(request.user) and not has_mfa(request.user):
        messages.warning(request, MFA_REQUIRED_MESSAGE)
        return redirect("mfa_activate_totp")
    if not firm.licence:
        raise Http404
    try:
        handle = firm.licence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = sniff_kind(handle.read(16))
    handle.seek(0)
    # The type comes from the content, not the stored name; anything else is a download.
    response = FileResponse(
        handle,
        content_type=kind.content_type if kind else "application/octet-stream",
        as_attachment=kind is None,
        filename=f"licence-{firm.credit_code}.{kind.extensions[0] if kind else 'bin'}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("firms/apply/", firm_apply, name="firm_apply"),
    path("firms/<int:pk>/licence/", firm_licence, name="firm_licence"),
    path("firms/<int:pk>/resubmit/", firm_resubmit_view, name="firm_resubmit"),
    path("district/<str:code>/firms/", district_firms, name="district_firms"),
    path("district/firms/<int:pk>/", firm_vetting, name="firm_vetting"),
    path("district/firms/<int:pk>/credit/", firm_credit_entry_add, name="firm_credit_entry_add"),
    path("district/firms/<int:pk>/<slug:action>/", firm_decide, name="firm_decide"),
]
