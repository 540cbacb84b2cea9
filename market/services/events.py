from django.contrib.contenttypes.models import ContentType

from ..models import Event


def event_record(
    *, actor, action: str, target, district=None, before=None, after=None, data: dict | None = None
) -> Event:
    """Append one row to the event log. Call it inside the service's transaction."""
    return Event.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        district=district,
        before=before,
        after=after,
        data=data or {},
    )
