"""Firms: registering, the vetting status, and their staff."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..exceptions import InvalidTransition
from ..models import Firm, FirmMember, FirmRole, FirmStatus, InvitationKind
from ..permissions import can_manage_firm_staff, require
from .events import event_record
from .invitations import invitation_create

# Vetting (DOMAIN: Firms and vetting). Issue #3 adds the bureau's screens for it.
FIRM_TRANSITIONS: dict[str, set[str]] = {
    FirmStatus.APPLIED: {FirmStatus.APPROVED, FirmStatus.REJECTED},
    FirmStatus.APPROVED: {FirmStatus.SUSPENDED, FirmStatus.REVOKED},
    FirmStatus.SUSPENDED: {FirmStatus.APPROVED, FirmStatus.REVOKED},
    FirmStatus.REJECTED: set(),
    FirmStatus.REVOKED: set(),
}

FIRM_STAFF_ALREADY = _("%(email)s is already on this firm's staff.")


@transaction.atomic
def firm_register(
    *,
    actor,
    name: str,
    credit_code: str,
    contact_name: str,
    phone: str,
    email: str,
    districts,
    address: str = "",
    legal_representative: str = "",
    is_fallback_operator: bool = False,
) -> Firm:
    firm = Firm(
        name=name.strip(),
        credit_code=credit_code.strip().upper(),
        contact_name=contact_name,
        phone=phone,
        email=email,
        address=address,
        legal_representative=legal_representative,
        is_fallback_operator=is_fallback_operator,
        status=FirmStatus.APPLIED,
    )
    firm.full_clean()
    firm.save()
    firm.districts.set(districts)
    event_record(
        actor=actor,
        action="firm.applied",
        target=firm,
        after={
            "name": firm.name,
            "credit_code": firm.credit_code,
            "districts": [d.code for d in districts],
        },
    )
    return firm


def _firm_transition(*, firm: Firm, target: str, actor, action: str, reason: str = "") -> Firm:
    locked = Firm.objects.select_for_update().get(pk=firm.pk)
    before = locked.status
    if target not in FIRM_TRANSITIONS[before]:
        raise InvalidTransition(model="firm", current=before, target=target)
    locked.status = target
    locked.save(update_fields=["status"])
    event_record(
        actor=actor,
        action=action,
        target=locked,
        before={"status": before},
        after={"status": target},
        data={"reason": reason} if reason else None,
    )
    firm.status = target
    return locked


@transaction.atomic
def firm_approve(*, firm: Firm, actor) -> Firm:
    return _firm_transition(
        firm=firm, target=FirmStatus.APPROVED, actor=actor, action="firm.approved"
    )


@transaction.atomic
def firm_add_member(
    *, firm: Firm, user, role: str = FirmRole.STAFF, is_signer: bool = False, actor=None
) -> FirmMember:
    if firm.members.filter(user=user, left_on__isnull=True).exists():
        raise ValidationError(FIRM_STAFF_ALREADY % {"email": user.email}, code="exists")
    member = FirmMember.objects.create(firm=firm, user=user, role=role, is_signer=is_signer)
    event_record(
        actor=actor,
        action="firm.member_added",
        target=firm,
        after={"user": user.email, "role": role},
    )
    return member


@transaction.atomic
def firm_staff_invite(*, actor, firm: Firm, email: str, role: str = FirmRole.STAFF):
    """A firm admin invites a colleague by e-mail."""
    require(can_manage_firm_staff(actor, firm))
    email = email.strip().lower()
    if firm.members.filter(user__email__iexact=email, left_on__isnull=True).exists():
        raise ValidationError({"email": FIRM_STAFF_ALREADY % {"email": email}})
    return invitation_create(
        actor=actor, kind=InvitationKind.FIRM, email=email, firm=firm, firm_role=role
    )
