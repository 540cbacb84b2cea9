"""Invitations by e-mail link: created by officials and firm admins, accepted once,
before they expire."""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Invitation, InvitationKind, Official
from ..permissions import forget_roles
from .events import event_record

INVITATION_UNKNOWN = _("This invitation link is not valid. Check that you copied the whole link.")
INVITATION_EXPIRED = _(
    "This invitation expired on %(date)s. Ask whoever invited you to send a new one."
)
INVITATION_USED = _(
    "This invitation has already been used. Log in with the account it created, "
    "or ask for a new invitation."
)
INVITATION_REVOKED = _("This invitation was withdrawn. Ask whoever invited you for a new one.")
INVITATION_OTHER_ACCOUNT = _(
    "This invitation is for %(email)s, but you are logged in as %(current)s. "
    "Log out first, then open the link again."
)
INVITATION_SEAT_TAKEN = _("This committee seat already belongs to another account.")
PASSWORDS_DIFFER = _("The two passwords do not match.")


class InvitationError(Exception):
    """The link cannot be used; ``gone`` marks links that existed but can no longer be used."""

    def __init__(self, message, *, gone: bool):
        self.message, self.gone = message, gone
        super().__init__(str(message))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("invitation_accept", args=[token])


def invitation_create(
    *,
    actor,
    kind: str,
    email: str,
    firm=None,
    firm_role: str = "",
    committee_member=None,
    district=None,
    street_office=None,
    valid_days: int | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its link after commit. Returns it with the raw
    token (which is not stored). Callers check permission; this only records."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    days = valid_days if valid_days is not None else settings.INVITATION_VALID_DAYS
    invitation = Invitation.objects.create(
        kind=kind,
        email=email.strip().lower(),
        token_hash=_hash(token),
        firm=firm,
        firm_role=firm_role,
        committee_member=committee_member,
        district=district,
        street_office=street_office,
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    event_record(
        actor=actor,
        action="invitation.created",
        target=invitation,
        district=_district_of(invitation),
        compound=_compound_of(invitation),
        after={
            "kind": kind,
            "email": invitation.email,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    url = invitation_url(token)
    transaction.on_commit(lambda: _send_invitation(invitation, url))
    return invitation, token


def _district_of(invitation: Invitation):
    if invitation.kind == InvitationKind.COMMITTEE:
        return invitation.committee_member.committee.compound.street_office.district
    return invitation.district


def _compound_of(invitation: Invitation):
    if invitation.kind == InvitationKind.COMMITTEE:
        return invitation.committee_member.committee.compound
    return None


def _send_invitation(invitation: Invitation, url: str) -> None:
    context = {
        "invitation": invitation,
        "url": url,
        "expires_on": timezone.localtime(invitation.expires_at),
    }
    send_mail(
        subject=render_to_string("market/emails/invitation_subject.txt", context).strip(),
        message=render_to_string("market/emails/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_from_token(token: str) -> Invitation:
    """The invitation behind a link, if it can still be used; else ``InvitationError``."""
    try:
        invitation = Invitation.objects.select_related(
            "firm", "committee_member__committee__compound", "district", "street_office"
        ).get(token_hash=_hash(token))
    except Invitation.DoesNotExist:
        raise InvitationError(INVITATION_UNKNOWN, gone=False) from None
    _check_usable(invitation)
    return invitation


def _check_usable(invitation: Invitation) -> None:
    if invitation.revoked_at:
        raise InvitationError(INVITATION_REVOKED, gone=True)
    if invitation.accepted_at:
        raise InvitationError(INVITATION_USED, gone=True)
    if invitation.expires_at <= timezone.now():
        expired_on = timezone.localtime(invitation.expires_at).date().isoformat()
        raise InvitationError(INVITATION_EXPIRED % {"date": expired_on}, gone=True)


def invitation_existing_user(invitation: Invitation):
    return get_user_model().objects.filter(email__iexact=invitation.email).first()


def validate_new_password(*, email: str, full_name: str, password1: str, password2: str) -> None:
    if password1 != password2:
        raise ValidationError({"password2": PASSWORDS_DIFFER})
    user = get_user_model()(email=email, full_name=full_name)
    try:
        password_validation.validate_password(password1, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None


@transaction.atomic
def invitation_accept(
    *, token: str, user=None, full_name: str = "", password1: str = "", password2: str = ""
):
    """Use an invitation once. With ``user`` (logged in), attach the role to that account;
    without, create the account with the password given. Returns the user."""
    try:
        invitation = Invitation.objects.select_for_update().get(token_hash=_hash(token))
    except Invitation.DoesNotExist:
        raise InvitationError(INVITATION_UNKNOWN, gone=False) from None
    _check_usable(invitation)  # re-checked under the row lock: a link works once

    if user is not None:
        if user.email.lower() != invitation.email:
            raise InvitationError(
                INVITATION_OTHER_ACCOUNT % {"email": invitation.email, "current": user.email},
                gone=False,
            )
    else:
        if invitation_existing_user(invitation) is not None:
            raise InvitationError(INVITATION_USED, gone=True)
        validate_new_password(
            email=invitation.email, full_name=full_name, password1=password1, password2=password2
        )
        user = get_user_model().objects.create_user(
            email=invitation.email, password=password1, full_name=full_name.strip()
        )
        # The link reached this mailbox, so the address is verified.
        EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)

    _attach_role(invitation, user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    event_record(
        actor=user,
        action="invitation.accepted",
        target=invitation,
        district=_district_of(invitation),
        compound=_compound_of(invitation),
        after={"user": user.email},
    )
    forget_roles(user)
    return user


def _attach_role(invitation: Invitation, user) -> None:
    if invitation.kind == InvitationKind.FIRM:
        from .firms import firm_add_member

        if not invitation.firm.members.active().filter(user=user).exists():
            firm_add_member(
                firm=invitation.firm, user=user, role=invitation.firm_role or "staff", actor=user
            )
    elif invitation.kind == InvitationKind.COMMITTEE:
        seat = invitation.committee_member
        if seat.user_id and seat.user_id != user.pk:
            raise InvitationError(INVITATION_SEAT_TAKEN, gone=True)
        seat.user = user
        seat.save(update_fields=["user"])
    else:
        Official.objects.update_or_create(
            user=user,
            district=invitation.district,
            street_office=invitation.street_office,
            defaults={"active": True},
        )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at or locked.revoked_at:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    event_record(
        actor=actor,
        action="invitation.revoked",
        target=locked,
        district=_district_of(locked),
        compound=_compound_of(locked),
    )
    return locked
