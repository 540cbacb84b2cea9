"""The compound register: registering compounds and moving their management status."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from ..exceptions import InvalidTransition
from ..models import Compound, ManagementStatus, StreetOffice
from ..models.compounds import MANAGEMENT_TRANSITIONS
from ..permissions import can_manage_register, require
from .events import event_record

COMPOUND_FIELDS = (
    "name",
    "address",
    "buildings",
    "owners",
    "exclusive_area",
    "households",
    "year_built",
)


def compound_snapshot(compound: Compound) -> dict:
    return {
        "street_office": compound.street_office.name,
        "name": compound.name,
        "address": compound.address,
        "buildings": compound.buildings,
        "owners": compound.owners,
        "exclusive_area": str(compound.exclusive_area),
        "households": compound.households,
        "year_built": compound.year_built,
        "management_status": compound.management_status,
    }


@transaction.atomic
def compound_register(
    *,
    actor,
    street_office: StreetOffice,
    name: str,
    address: str,
    buildings: int,
    owners: int,
    exclusive_area: Decimal,
    households: int,
    year_built: int,
    registered_on: date | None = None,
) -> Compound:
    """Put a compound on the register; it starts as ``seeking`` (the 30-day clock runs
    from ``registered_on``). Raises ``ValidationError`` with field messages."""
    if actor is not None:
        require(can_manage_register(actor, street_office.district))
    compound = Compound(
        street_office=street_office,
        name=name.strip(),
        address=address.strip(),
        buildings=buildings,
        owners=owners,
        exclusive_area=exclusive_area,
        households=households,
        year_built=year_built,
        management_status=ManagementStatus.SEEKING,
    )
    if registered_on is not None:
        compound.registered_on = registered_on
    compound.full_clean()
    compound.save()
    event_record(
        actor=actor,
        action="compound.registered",
        target=compound,
        district=street_office.district,
        after=compound_snapshot(compound),
    )
    return compound


@transaction.atomic
def compound_set_management_status(
    *, compound: Compound, status: str, actor, reason: str
) -> Compound:
    """The only way a compound's management status changes. Called by the trial,
    contract and fallback services of later apps."""
    locked = (
        Compound.objects.select_for_update()
        .select_related("street_office__district")
        .get(pk=compound.pk)
    )
    before = locked.management_status
    if status not in MANAGEMENT_TRANSITIONS.get(before, set()):
        raise InvalidTransition(model="compound", current=before, target=status)
    locked.management_status = status
    locked.save(update_fields=["management_status"])
    event_record(
        actor=actor,
        action="compound.management_status_changed",
        target=locked,
        district=locked.street_office.district,
        before={"management_status": before},
        after={"management_status": status},
        data={"reason": reason},
    )
    compound.management_status = status
    return locked
