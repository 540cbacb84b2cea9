from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.exceptions import InvalidTransition
from market.forms import add_service_errors


def run_service(form, call):
    """Call the service; on refusal put its messages on ``form`` and return None."""
    try:
        return call()
    except ValidationError as error:
        add_service_errors(form, error)
    except InvalidTransition:
        form.add_error(None, _("This can no longer be done: it has changed in the meantime."))
    return None


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"
