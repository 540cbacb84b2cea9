"""Government posts: bureau officials of a district and street-office officials."""

from django.db import transaction

from ..models import District, InvitationKind, Official, StreetOffice
from ..permissions import can_manage_register, require
from .events import event_record
from .invitations import invitation_create


@transaction.atomic
def official_appoint(
    *, actor, user, district: District, street_office: StreetOffice | None = None, title: str = ""
) -> Official:
    if actor is not None:
        require(can_manage_register(actor, district))
    post, _created = Official.objects.update_or_create(
        user=user,
        district=district,
        street_office=street_office,
        defaults={"title": title, "active": True},
    )
    event_record(
        actor=actor,
        action="official.appointed",
        target=post,
        district=district,
        after={"user": user.email, "street_office": str(street_office or "")},
    )
    return post


@transaction.atomic
def official_invite(
    *, actor, district: District, email: str, street_office: StreetOffice | None = None
):
    """A bureau official (or a superuser, for the first one) invites an official."""
    if actor is not None:
        require(can_manage_register(actor, district))
    return invitation_create(
        actor=actor,
        kind=InvitationKind.OFFICIAL,
        email=email,
        district=district,
        street_office=street_office,
    )
