"""Registering a compound's representative body and inviting its members."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Committee, CommitteeMember, CommitteeRole, Compound, InvitationKind
from ..models.compounds import CommitteeKind
from ..permissions import can_manage_committee, can_register_committee, require
from .compounds import lock_compound
from .events import event_record
from .invitations import invitation_create

COMMITTEE_NEEDS_MEMBERS = _("A committee needs at least one member.")
COMMITTEE_NEEDS_CHAIR = _("A committee needs a chair: mark exactly one member as chair.")
COMMITTEE_ONE_CHAIR = _("A committee has exactly one chair; %(count)d members are marked chair.")
COMMITTEE_ONE_SIGNER = _("Only one member can be the authorised signer.")
COMMITTEE_DUPLICATE_EMAIL = _(
    "Each member needs their own e-mail address; %(email)s appears twice."
)
MANAGEMENT_COMMITTEE_SIZE = _(
    "A property management committee (物管会) needs an odd number of at least 7 members; "
    "this one has %(count)d."
)
COMPOUND_HAS_COMMITTEE = _(
    "%(compound)s already has a current committee. Dissolve it before registering a new one."
)


@dataclass(frozen=True)
class MemberData:
    name: str
    email: str
    role: str = CommitteeRole.MEMBER
    phone: str = ""
    is_signer: bool = False
    is_treasurer: bool = False


def committee_members_validate(*, kind: str, members: list[MemberData]) -> None:
    """The rules a committee's membership must meet; forms and the service share them."""
    errors = []
    if not members:
        raise ValidationError(COMMITTEE_NEEDS_MEMBERS, code="no_members")
    chairs = sum(1 for m in members if m.role == CommitteeRole.CHAIR)
    if chairs == 0:
        errors.append(ValidationError(COMMITTEE_NEEDS_CHAIR, code="no_chair"))
    elif chairs > 1:
        errors.append(ValidationError(COMMITTEE_ONE_CHAIR, code="chairs", params={"count": chairs}))
    if sum(1 for m in members if m.is_signer) > 1:
        errors.append(ValidationError(COMMITTEE_ONE_SIGNER, code="signers"))
    seen = set()
    for member in members:
        email = member.email.strip().lower()
        if email in seen:
            errors.append(
                ValidationError(
                    COMMITTEE_DUPLICATE_EMAIL, code="duplicate_email", params={"email": email}
                )
            )
        seen.add(email)
    # A 物管会 has at least 7 members, an odd number (DOMAIN: People).
    if kind == CommitteeKind.MANAGEMENT and (len(members) < 7 or len(members) % 2 == 0):
        errors.append(
            ValidationError(MANAGEMENT_COMMITTEE_SIZE, code="size", params={"count": len(members)})
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def committee_register(
    *,
    actor,
    compound: Compound,
    kind: str,
    members: list[MemberData],
    phone: str = "",
    formed_on=None,
    invite: bool = True,
) -> Committee:
    """Register the compound's committee with its members and (by default) e-mail each
    member an invitation. The chair signs unless another member is authorised."""
    if actor is not None:
        require(can_register_committee(actor, compound))
    compound = lock_compound(compound.pk)
    if compound.committees.filter(dissolved_on__isnull=True).exists():
        raise ValidationError(
            COMPOUND_HAS_COMMITTEE, code="exists", params={"compound": compound.name}
        )
    committee_members_validate(kind=kind, members=members)
    committee = Committee.objects.create(
        compound=compound,
        kind=kind,
        phone=phone,
        formed_on=formed_on or timezone.localdate(),
    )
    has_signer = any(m.is_signer for m in members)
    seats = []
    for member in members:
        seats.append(
            CommitteeMember.objects.create(
                committee=committee,
                name=member.name.strip(),
                email=member.email.strip().lower(),
                phone=member.phone,
                role=member.role,
                is_treasurer=member.is_treasurer,
                is_signer=member.is_signer
                or (not has_signer and member.role == CommitteeRole.CHAIR),
            )
        )
    event_record(
        actor=actor,
        action="committee.registered",
        target=committee,
        district=compound.street_office.district,
        after={
            "compound": compound.name,
            "kind": kind,
            "members": [{"name": s.name, "role": s.role, "signer": s.is_signer} for s in seats],
        },
    )
    if invite:
        for seat in seats:
            committee_member_invite(actor=actor, seat=seat)
    return committee


def committee_member_invite(*, actor, seat: CommitteeMember):
    """(Re-)send a seat's invitation; earlier unused links for the seat stop working."""
    if actor is not None:
        require(can_manage_committee(actor, seat.committee))
    seat.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return invitation_create(
        actor=actor, kind=InvitationKind.COMMITTEE, email=seat.email, committee_member=seat
    )
