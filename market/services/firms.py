"""Firms: applying, vetting by the district bureau, and their staff.

Vetting (DOMAIN: Firms and vetting): applied → approved | rejected;
approved → suspended → approved (reinstated) | revoked. Every decision is an event
with who, when and the reason; the cms follows through ``market.signals``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..exceptions import InvalidTransition
from ..models import Firm, FirmMember, FirmRole, FirmStatus, InvitationKind
from ..permissions import can_manage_firm_staff, can_vet_firm, forget_roles, require
from ..signals import firm_members_changed, firm_status_changed
from .events import event_record
from .invitations import invitation_create

FIRM_TRANSITIONS: dict[str, set[str]] = {
    FirmStatus.APPLIED: {FirmStatus.APPROVED, FirmStatus.REJECTED},
    FirmStatus.APPROVED: {FirmStatus.SUSPENDED, FirmStatus.REVOKED},
    FirmStatus.SUSPENDED: {FirmStatus.APPROVED, FirmStatus.REVOKED},
    FirmStatus.REJECTED: set(),
    FirmStatus.REVOKED: set(),
}

FIRM_STAFF_ALREADY = _("%(email)s is already on this firm's staff.")
REASON_REQUIRED = _("Give the reason for this decision; the firm will see it.")
REGISTERED_DISTRICT_SERVED = _("The district the firm is registered in must be one it serves.")
CREDIT_CODE_TAKEN = _("A firm with this unified social credit code is already registered.")


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
    registered_district=None,
    licence=None,
    address: str = "",
    legal_representative: str = "",
    is_fallback_operator: bool = False,
) -> Firm:
    """A firm applies. The applicant (``actor``, if a person) becomes its administrator."""
    districts = list(districts)
    registered_district = registered_district or (districts[0] if districts else None)
    if registered_district is not None and registered_district not in districts:
        raise ValidationError({"registered_district": REGISTERED_DISTRICT_SERVED})
    code = credit_code.strip().upper()
    if Firm.objects.filter(credit_code=code).exists():
        raise ValidationError({"credit_code": CREDIT_CODE_TAKEN})
    firm = Firm(
        name=name.strip(),
        credit_code=code,
        contact_name=contact_name,
        phone=phone,
        email=email,
        address=address,
        legal_representative=legal_representative,
        is_fallback_operator=is_fallback_operator,
        registered_district=registered_district,
        status=FirmStatus.APPLIED,
    )
    if licence is not None:
        firm.licence = licence
    firm.full_clean()
    firm.save()
    firm.districts.set(districts)
    event_record(
        actor=actor,
        action="firm.applied",
        target=firm,
        district=registered_district,
        after={
            "name": firm.name,
            "credit_code": firm.credit_code,
            "districts": [d.code for d in districts],
        },
    )
    if getattr(actor, "is_authenticated", False):
        firm_add_member(firm=firm, user=actor, role=FirmRole.ADMIN, is_signer=True, actor=actor)
    return firm


def _firm_transition(*, firm: Firm, target: str, actor, action: str, reason: str = "") -> Firm:
    if actor is not None:
        require(can_vet_firm(actor, firm))
    locked = Firm.objects.select_for_update().get(pk=firm.pk)
    before = locked.status
    if target not in FIRM_TRANSITIONS[before]:
        raise InvalidTransition(model="firm", current=before, target=target)
    locked.status = target
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_reason"])
    event_record(
        actor=actor,
        action=action,
        target=locked,
        district=locked.registered_district,
        before={"status": before},
        after={"status": target},
        data={"reason": reason} if reason else None,
    )
    firm.status, firm.status_reason = target, reason
    transaction.on_commit(lambda: firm_status_changed.send(sender=Firm, firm=locked))
    return locked


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    return reason


@transaction.atomic
def firm_approve(*, firm: Firm, actor) -> Firm:
    return _firm_transition(
        firm=firm, target=FirmStatus.APPROVED, actor=actor, action="firm.approved"
    )


@transaction.atomic
def firm_reject(*, firm: Firm, actor, reason: str) -> Firm:
    return _firm_transition(
        firm=firm,
        target=FirmStatus.REJECTED,
        actor=actor,
        action="firm.rejected",
        reason=_require_reason(reason),
    )


@transaction.atomic
def firm_suspend(*, firm: Firm, actor, reason: str) -> Firm:
    # Its live sites go to fallback (issue #6 listens to firm_status_changed).
    return _firm_transition(
        firm=firm,
        target=FirmStatus.SUSPENDED,
        actor=actor,
        action="firm.suspended",
        reason=_require_reason(reason),
    )


@transaction.atomic
def firm_reinstate(*, firm: Firm, actor, reason: str) -> Firm:
    return _firm_transition(
        firm=firm,
        target=FirmStatus.APPROVED,
        actor=actor,
        action="firm.reinstated",
        reason=_require_reason(reason),
    )


@transaction.atomic
def firm_revoke(*, firm: Firm, actor, reason: str) -> Firm:
    return _firm_transition(
        firm=firm,
        target=FirmStatus.REVOKED,
        actor=actor,
        action="firm.revoked",
        reason=_require_reason(reason),
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
        district=firm.registered_district,
        after={"user": user.email, "role": role},
    )
    forget_roles(user)
    transaction.on_commit(lambda: firm_members_changed.send(sender=Firm, firm=firm))
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
