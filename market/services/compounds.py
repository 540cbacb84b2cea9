"""The compound register: registering compounds and moving their management status."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..exceptions import InvalidTransition
from ..models import Compound, Event, ManagementStatus, StreetOffice
from ..models.compounds import COMPOUND_NAME_TAKEN, MANAGEMENT_TRANSITIONS
from ..permissions import can_manage_register, require
from ..prepared import row_lock
from .events import event_build, event_record

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


@dataclass
class CompoundRow:
    """One compound for ``compounds_register_bulk``; ``label`` names it in messages (e.g.
    "Line 17") and ``event_data`` goes into its ``compound.registered`` event."""

    street_office: StreetOffice
    name: str
    address: str
    buildings: int
    owners: int
    exclusive_area: Decimal
    households: int
    year_built: int
    label: str = ""
    event_data: dict = field(default_factory=dict)


@transaction.atomic
def compounds_register_bulk(
    *, actor, district, rows: list[CompoundRow], registered_on: date | None = None
) -> list[Compound]:
    """Put many compounds on the register at once (the bureau's import, issue #8), all or
    nothing. The rules of ``compound_register`` hold for every row — field validators,
    one name per street office, the street office in ``district``, status ``seeking``
    with its 30-day clock from ``registered_on`` — and every compound gets its own
    ``compound.registered`` event; rows and events are written with one INSERT each.
    Raises ``ValidationError`` listing every refused row; nothing is written then."""
    if actor is not None:
        require(can_manage_register(actor, district))
    messages: list[str] = []
    accepted: list[tuple[CompoundRow, Compound]] = []
    seen: set[tuple[int, str]] = set()
    for row in rows:
        prefix = f"{row.label}: " if row.label else ""
        if row.street_office.district_id != district.pk:
            messages.append(prefix + _("the street office is not in this district."))
            continue
        compound = Compound(
            street_office=row.street_office,
            name=row.name.strip(),
            address=row.address.strip(),
            buildings=row.buildings,
            owners=row.owners,
            exclusive_area=row.exclusive_area,
            households=row.households,
            year_built=row.year_built,
            management_status=ManagementStatus.SEEKING,
        )
        if registered_on is not None:
            compound.registered_on = registered_on
        try:
            # Uniqueness is checked below for all rows in one query, not row by row; the
            # street office was checked above (its validator would query once per row).
            compound.full_clean(
                exclude=["street_office"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            messages.extend(prefix + message for message in error.messages)
            continue
        key = (row.street_office.pk, compound.name)
        if key in seen:
            messages.append(prefix + str(COMPOUND_NAME_TAKEN))
            continue
        seen.add(key)
        accepted.append((row, compound))
    taken = set(
        Compound.objects.filter(street_office__district=district).values_list(
            "street_office_id", "name"
        )
    )
    for row, compound in accepted:
        if (compound.street_office_id, compound.name) in taken:
            messages.append((f"{row.label}: " if row.label else "") + str(COMPOUND_NAME_TAKEN))
    if messages:
        raise ValidationError(messages)
    try:
        with transaction.atomic():
            created = Compound.objects.bulk_create([compound for _row, compound in accepted])
    except IntegrityError as error:
        # Another official registered one of these names since the check above.
        raise ValidationError(str(COMPOUND_NAME_TAKEN)) from error
    Event.objects.bulk_create(
        event_build(
            actor=actor,
            action="compound.registered",
            target=compound,
            district=district,
            compound=compound,
            after=compound_snapshot(compound),
            data=row.event_data,
        )
        for (row, _compound), compound in zip(accepted, created, strict=True)
    )
    return created


def lock_compound(compound_id: int) -> Compound:
    """Lock a compound's row — its own row only, so a change does not hold up the rest
    of the district — with its street office and district, which event rows and notices
    read. Every change of a compound's engagements is serialised on it."""
    return row_lock(Compound, compound_id, related=("street_office__district",))


@transaction.atomic
def compound_set_management_status(
    *, compound: Compound, status: str, actor, reason: str, locked: bool = False
) -> Compound:
    """The only way a compound's management status changes. Called by the trial,
    contract and fallback services of later apps. ``locked``: the caller already holds
    this compound's row lock and passes that instance (with its street office), which is
    changed in place instead of being locked and read again."""
    row = compound if locked else lock_compound(compound.pk)
    before = row.management_status
    if status not in MANAGEMENT_TRANSITIONS.get(before, set()):
        raise InvalidTransition(model="compound", current=before, target=status)
    row.management_status = status
    row.save(update_fields=["management_status"])
    event_record(
        actor=actor,
        action="compound.management_status_changed",
        target=row,
        district=row.street_office.district,
        before={"management_status": before},
        after={"management_status": status},
        data={"reason": reason},
    )
    compound.management_status = status
    return row
