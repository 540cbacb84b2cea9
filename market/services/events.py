from django.contrib.contenttypes.models import ContentType

from ..models import Compound, Event


def _compound_of(target) -> Compound | None:
    if isinstance(target, Compound):
        return target
    compound = getattr(target, "compound", None)
    return compound if isinstance(compound, Compound) else None


def event_record(
    *,
    actor,
    action: str,
    target,
    district=None,
    compound=None,
    before=None,
    after=None,
    data: dict | None = None,
) -> Event:
    """Append one row to the event log. Call it inside the service's transaction.

    The compound is taken from the target when it is one or has one (a committee); the
    district then follows from the compound."""
    event = event_build(
        actor=actor,
        action=action,
        target=target,
        district=district,
        compound=compound,
        before=before,
        after=after,
        data=data,
    )
    event.save()
    return event


def event_build(
    *,
    actor,
    action: str,
    target,
    district=None,
    compound=None,
    before=None,
    after=None,
    data: dict | None = None,
) -> Event:
    """The unsaved row ``event_record`` would append, for services that write many
    events at once with ``Event.objects.bulk_create`` (an INSERT, which the append-only
    log allows)."""
    compound = compound or _compound_of(target)
    district_id = district.pk if district is not None else None
    if district_id is None and compound is not None:
        # The id is enough: loading the district row for every event cost a query each.
        district_id = compound.street_office.district_id
    return Event(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        district_id=district_id,
        compound=compound,
        before=before,
        after=after,
        data=data or {},
    )
