"""Firms: applying, vetting by the district bureau, and their staff.

Vetting (DOMAIN: Firms and vetting): applied → approved | rejected;
approved → suspended → approved (reinstated) | revoked; a rejected firm may correct its
application and apply again (rejected → applied). Every decision is an event with who,
when and the reason; the cms follows through ``market.signals``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..exceptions import InvalidTransition
from ..models import Firm, FirmMember, FirmRole, FirmStatus, InvitationKind
from ..permissions import (
    can_manage_firm_staff,
    can_resubmit_firm_application,
    can_vet_firm,
    forget_roles,
    require,
)
from ..signals import firm_members_changed, firm_status_changed
from .events import event_record
from .invitations import invitation_create
from .offers import offer_listing_sync

FIRM_TRANSITIONS: dict[str, set[str]] = {
    FirmStatus.APPLIED: {FirmStatus.APPROVED, FirmStatus.REJECTED},
    FirmStatus.APPROVED: {FirmStatus.SUSPENDED, FirmStatus.REVOKED},
    FirmStatus.SUSPENDED: {FirmStatus.APPROVED, FirmStatus.REVOKED},
    FirmStatus.REJECTED: {FirmStatus.APPLIED},
    FirmStatus.REVOKED: set(),
}

FIRM_STAFF_ALREADY = _("%(email)s is already on this firm's staff.")
REASON_REQUIRED = _("Give the reason for this decision; the firm will see it.")
REGISTERED_DISTRICT_SERVED = _("The district the firm is registered in must be one it serves.")
CREDIT_CODE_TAKEN = _("A firm with this unified social credit code is already registered.")
LICENCE_REQUIRED = _("Upload the business licence scan.")


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
    _check_registered_district(registered_district, districts)
    code = _normalised_credit_code(credit_code)
    _check_credit_code_free(code)
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
    # Uniqueness is checked above with our message and enforced by the database below.
    firm.full_clean(validate_unique=False)
    _save_with_unique_code(firm)
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
    if licence is not None:
        _store_licence(firm, licence)
    return firm


# What a resubmission may correct, as recorded in its event.
RESUBMITTED_FIELDS = (
    "name",
    "credit_code",
    "legal_representative",
    "address",
    "contact_name",
    "phone",
    "email",
)


@transaction.atomic
def firm_resubmit(
    *,
    actor,
    firm: Firm,
    name: str,
    credit_code: str,
    contact_name: str,
    phone: str,
    email: str,
    districts,
    registered_district,
    licence=None,
    address: str = "",
    legal_representative: str = "",
) -> Firm:
    """A rejected firm's administrator corrects the application and applies again
    (rejected → applied). ``licence=None`` keeps the scan on file. Nobody is e-mailed:
    the application waits in the bureau's list like a new one."""
    require(can_resubmit_firm_application(actor, firm))
    locked = Firm.objects.select_for_update().get(pk=firm.pk)
    before_status = locked.status
    if FirmStatus.APPLIED not in FIRM_TRANSITIONS[before_status]:
        raise InvalidTransition(model="firm", current=before_status, target=FirmStatus.APPLIED)
    districts = list(districts)
    _check_registered_district(registered_district, districts)
    code = _normalised_credit_code(credit_code)
    _check_credit_code_free(code, exclude=locked)
    if licence is None and not locked.licence:
        raise ValidationError({"licence": LICENCE_REQUIRED})
    before = {field: getattr(locked, field) for field in RESUBMITTED_FIELDS}
    before.update(
        registered_district=locked.registered_district.code if locked.registered_district else None,
        districts=sorted(d.code for d in locked.districts.all()),
    )
    locked.name = name.strip()
    locked.credit_code = code
    locked.legal_representative = legal_representative
    locked.address = address
    locked.contact_name = contact_name
    locked.phone = phone
    locked.email = email
    locked.registered_district = registered_district
    locked.status = FirmStatus.APPLIED
    locked.status_reason = ""
    locked.full_clean(validate_unique=False)
    _save_with_unique_code(locked, update=True)
    offer_listing_sync(firm=locked)
    locked.districts.set(districts)
    after = {field: getattr(locked, field) for field in RESUBMITTED_FIELDS}
    after.update(
        registered_district=registered_district.code if registered_district else None,
        districts=sorted(d.code for d in districts),
    )
    changed = [field for field in after if after[field] != before[field]]
    event_record(
        actor=actor,
        action="firm.resubmitted",
        target=locked,
        district=registered_district,
        before={"status": before_status, **{field: before[field] for field in changed}},
        after={"status": FirmStatus.APPLIED, **{field: after[field] for field in changed}},
        data={"licence_replaced": True} if licence is not None else None,
    )
    if licence is not None:
        old_licence = locked.licence.name
        _store_licence(locked, licence)
        if old_licence:
            # Nothing refers to the old scan any more; it goes once the new one is kept.
            storage = locked.licence.storage
            transaction.on_commit(lambda: storage.delete(old_licence))
    transaction.on_commit(lambda: firm_status_changed.send(sender=Firm, firm=locked))
    return locked


def _normalised_credit_code(credit_code: str) -> str:
    return "".join(credit_code.split()).upper()


def _check_registered_district(registered_district, districts) -> None:
    if registered_district is not None and registered_district not in districts:
        raise ValidationError({"registered_district": REGISTERED_DISTRICT_SERVED})


def _check_credit_code_free(code: str, *, exclude: Firm | None = None) -> None:
    others = Firm.objects.filter(credit_code=code)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise ValidationError({"credit_code": CREDIT_CODE_TAKEN})


def _save_with_unique_code(firm: Firm, *, update: bool = False) -> None:
    """Save the row; a credit code taken by an application saved meanwhile (two at once)
    becomes the same form error as one taken earlier, not a server error."""
    try:
        # A savepoint, so the transaction can still ask what went wrong.
        with transaction.atomic():
            firm.save(force_update=update)
    except IntegrityError:
        if Firm.objects.filter(credit_code=firm.credit_code).exclude(pk=firm.pk).exists():
            raise ValidationError({"credit_code": CREDIT_CODE_TAKEN}) from None
        raise


def _store_licence(firm: Firm, licence) -> None:
    """Write the scan only once the row is saved, so a refused application leaves no
    file behind; and remove it again if recording it fails."""
    firm.licence.save(licence.name, licence, save=False)
    try:
        with transaction.atomic():
            firm.save(update_fields=["licence"])
    except Exception:
        firm.licence.delete(save=False)
        raise


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
    offer_listing_sync(firm=locked)
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
    # The firm hears of every vetting decision, with the reason, at its contact address.
    transaction.on_commit(lambda: _send_decision_email(firm=locked, action=action))
    return locked


def _send_decision_email(*, firm: Firm, action: str) -> None:
    context = {
        "firm": firm,
        "action": action,
        "bureau": firm.registered_district.bureau_name if firm.registered_district else "",
        "reason": firm.status_reason,
        "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("my_firm"),
    }
    # In the site's language (Chinese), whatever language the official was browsing in.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("market/emails/firm_decision_subject.txt", context)
        body = render_to_string("market/emails/firm_decision.txt", context)
    send_mail(
        subject=" ".join(subject.split()),
        message=body,
        from_email=None,
        recipient_list=[firm.email],
    )


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
    if firm.members.active().filter(user=user).exists():
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
    if firm.members.active().filter(user__email__iexact=email).exists():
        raise ValidationError({"email": FIRM_STAFF_ALREADY % {"email": email}})
    return invitation_create(
        actor=actor, kind=InvitationKind.FIRM, email=email, firm=firm, firm_role=role
    )
