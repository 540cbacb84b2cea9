"""What the contracts views share: running a service and turning its refusals into form
errors, and the client's address for signatures."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.exceptions import InvalidTransition
from market.forms import add_service_errors

from ..models import ContractStatus, EngagementPhase, TrialStatus, VoteStatus

_STATUS_LABELS = {
    "trial": (gettext_lazy("trial"), TrialStatus),
    "contract": (gettext_lazy("contract"), ContractStatus),
    "vote": (gettext_lazy("vote"), VoteStatus),
    "engagement": (gettext_lazy("engagement"), EngagementPhase),
}


def transition_message(error: InvalidTransition) -> str:
    thing, choices = _STATUS_LABELS.get(error.model, (error.model, None))
    try:
        status = choices(error.current).label if choices else error.current
    except ValueError:
        status = error.current
    return _("This can no longer be done: the %(thing)s is now “%(status)s”.") % {
        "thing": thing,
        "status": status,
    }


def run_service(form, call):
    """Call the service; on refusal put its messages on ``form`` and return None."""
    try:
        return call()
    except ValidationError as error:
        add_service_errors(form, error)
    except InvalidTransition as error:
        form.add_error(None, transition_message(error))
    return None


def post_action(request, form, call, *, done, failed, message=""):
    """One POST action on a page: once ``form`` is valid, ``call(form.cleaned_data)`` runs the
    service. Success: ``message`` is flashed and ``done`` (a redirect) returned. A bad form or
    a refused service: ``failed(form)``, the page again with the errors (status 400)."""
    if form.is_valid() and run_service(form, lambda: call(form.cleaned_data)) is not None:
        if message:
            messages.success(request, message)
        return done
    return failed(form)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
