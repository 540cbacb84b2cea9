from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .permissions import has_mfa, requires_mfa

# Pages that are bureau pages or the back office: an official needs TOTP to reach them.
PROTECTED_PREFIXES = ("/admin/", "/district/")

MFA_REQUIRED_MESSAGE = _(
    "Officials must protect their account with an authenticator app before using "
    "bureau pages. Set it up now; it takes a minute."
)


class RequireMFAForOfficialsMiddleware:
    """Sends a bureau or street official without TOTP to set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path.startswith(PROTECTED_PREFIXES)
            and requires_mfa(user)
            and not has_mfa(user)
        ):
            messages.warning(request, MFA_REQUIRED_MESSAGE)
            return redirect("mfa_activate_totp")
        return self.get_response(request)
