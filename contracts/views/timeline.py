from django.contrib.contenttypes.models import ContentType

from market.models import Event


def events_of(target, limit: int = 50):
    """The event rows about one trial, vote or contract, newest first."""
    return (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
