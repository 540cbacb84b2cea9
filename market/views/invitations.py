from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ..forms import SetPasswordForInvitationForm, add_service_errors
from ..services.invitations import (
    InvitationError,
    invitation_accept,
    invitation_existing_user,
    invitation_from_token,
)


@never_cache
def invitation_accept_view(request, token: str):
    """Follow an invitation link: set a password (new account) or confirm (existing one)."""
    try:
        invitation = invitation_from_token(token)
    except InvitationError as error:
        return _refused(request, error)
    user = request.user if request.user.is_authenticated else None
    existing = invitation_existing_user(invitation)
    form = SetPasswordForInvitationForm(request.POST or None) if user is None else None
    if request.method == "POST":
        if user is None and existing is None and not form.is_valid():
            return _page(request, invitation, form, existing, status=400)
        try:
            invitation_accept(token=token, user=user, **(form.cleaned_data if form else {}))
        except InvitationError as error:
            return _refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
            return _page(request, invitation, form, existing, status=400)
        if user is not None:
            messages.success(request, _("Invitation accepted."))
            return redirect("my_home")
        messages.success(
            request,
            _("Your password is set. Log in with your e-mail address and the new password."),
        )
        login_url = reverse("account_login") + "?" + urlencode({"next": reverse("my_home")})
        return redirect(login_url)
    return _page(request, invitation, form, existing)


def _page(request, invitation, form, existing, status=200):
    return render(
        request,
        "market/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "existing_account": existing,
            "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
        },
        status=status,
    )


def _refused(request, error: InvitationError):
    return render(
        request,
        "market/invitation_refused.html",
        {"message": error.message},
        status=410 if error.gone else 404,
    )
