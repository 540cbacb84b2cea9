"""The district's designated fallback operator (Beijing art. 77)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from market.models import District, Firm, FirmStatus
from market.permissions import can_manage_fallback, require
from market.prepared import KeyedQuery
from market.services.events import event_record

from ...models import (
    FallbackDesignation,
)
from ..common import (
    required_reason,
    today_or,
)
from .common import (
    ALREADY_DESIGNATED,
    FEE_INVALID,
    FIRM_NOT_APPROVED,
    FIRM_NOT_IN_DISTRICT,
    REASON_REQUIRED,
)


def designation_active(district: District) -> FallbackDesignation | None:
    return _ACTIVE_DESIGNATION.first(district.pk)


# Read by every fallback case opened and every engagement finished (market.prepared).
_ACTIVE_DESIGNATION = KeyedQuery(
    lambda district_id: FallbackDesignation.objects.filter(
        district_id=district_id, active=True
    ).select_related("firm")[:1]
)


def _district_lock(district: District) -> District:
    # Serialises designations per district (the unique constraint is the last word).
    return District.objects.select_for_update().get(pk=district.pk)


# --- Designation ----------------------------------------------------------------------


@transaction.atomic
def fallback_designate(
    *, actor, district: District, firm: Firm, fee, reason: str = "", today: date | None = None
) -> FallbackDesignation:
    """The bureau designates the district's fallback operator and publishes its fee."""
    today = today_or(today)
    if actor is not None:
        require(can_manage_fallback(actor, district))
    try:
        fee = Decimal(str(fee)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"fee": FEE_INVALID}) from None
    if fee < 0 or fee >= Decimal("10000"):
        raise ValidationError({"fee": FEE_INVALID})
    if firm.status != FirmStatus.APPROVED or firm.blacklisted:
        raise ValidationError({"firm": FIRM_NOT_APPROVED})
    if not firm.districts.filter(pk=district.pk).exists():
        raise ValidationError({"firm": FIRM_NOT_IN_DISTRICT % {"district": district.name}})
    _district_lock(district)
    current = designation_active(district)
    if current is not None:
        raise ValidationError(
            ALREADY_DESIGNATED % {"firm": current.firm.name, "district": district.name},
            code="designated",
        )
    try:
        with transaction.atomic():
            designation = FallbackDesignation.objects.create(
                district=district,
                firm=firm,
                fee=fee,
                designated_on=today,
                designated_by=actor if getattr(actor, "is_authenticated", False) else None,
                reason=(reason or "").strip(),
            )
    except IntegrityError:
        raise ValidationError(
            ALREADY_DESIGNATED % {"firm": "", "district": district.name}, code="designated"
        ) from None
    Firm.objects.filter(pk=firm.pk).update(is_fallback_operator=True)
    event_record(
        actor=actor,
        action="fallback.designated",
        target=designation,
        district=district,
        after={"firm": firm.name, "fee": str(fee), "on": today.isoformat()},
    )
    return designation


@transaction.atomic
def fallback_designation_end(
    *, actor, designation: FallbackDesignation, reason: str, today: date | None = None
) -> FallbackDesignation:
    """End a designation, so another firm can be designated. Open cases keep their
    operator until they close."""
    today = today_or(today)
    if actor is not None:
        require(can_manage_fallback(actor, designation.district))
    reason = required_reason(reason, REASON_REQUIRED)
    _district_lock(designation.district)
    locked = FallbackDesignation.objects.select_for_update().get(pk=designation.pk)
    if not locked.active:
        return locked
    locked.active, locked.ended_on = False, today
    locked.reason = (locked.reason + "\n" + reason).strip()
    locked.save(update_fields=["active", "ended_on", "reason"])
    if not FallbackDesignation.objects.filter(firm=locked.firm, active=True).exists():
        Firm.objects.filter(pk=locked.firm_id).update(is_fallback_operator=False)
    event_record(
        actor=actor,
        action="fallback.designation_ended",
        target=locked,
        district=locked.district,
        before={"active": True},
        after={"active": False},
        data={"reason": reason},
    )
    designation.active, designation.ended_on = False, today
    return locked
