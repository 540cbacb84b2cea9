"""A district's response deadlines for service requests (SLA, DOMAIN "Service
requests": urgent 2 h, normal 24 h unless the district sets its own).

A request's deadline is fixed when it is raised (``ServiceRequest.respond_by``, set by
``request_raise``), so a change here applies to new requests only: the requests already
raised keep the deadline they were given.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from market.models import District
from market.permissions import can_set_request_deadlines, require
from market.services.events import event_record

from ..models import DEFAULT_NORMAL_HOURS, DEFAULT_URGENT_HOURS, DistrictRatingSettings
from ..models.settings import MAX_RESPONSE_HOURS

NOT_WHOLE_HOURS = _("Enter a whole number of hours.")
URGENT_TOO_SHORT = _("Urgent requests need at least 1 hour.")
TOO_LONG = _("At most %(max)d hours (one week).")
NORMAL_BELOW_URGENT = _(
    "Normal requests cannot have less time than urgent ones (%(urgent)d hours)."
)


def request_deadlines_of(district: District) -> tuple[int, int]:
    """(urgent, normal) hours in force for the district."""
    settings = DistrictRatingSettings.objects.filter(district=district).first()
    if settings is None:
        return DEFAULT_URGENT_HOURS, DEFAULT_NORMAL_HOURS
    return settings.urgent_response_hours, settings.normal_response_hours


def _whole_hours(value, field: str) -> int:
    # bool is an int in Python; "1.5" or 1.5 are not whole hours.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: NOT_WHOLE_HOURS}, code="not_whole")
    return value


def request_deadlines_check(*, urgent_hours, normal_hours) -> tuple[int, int]:
    """The hours, or ``ValidationError`` naming every problem: whole hours, urgent at
    least 1, normal not below urgent, neither above a week."""
    urgent = _whole_hours(urgent_hours, "urgent_response_hours")
    normal = _whole_hours(normal_hours, "normal_response_hours")
    errors: dict[str, list] = {}
    if urgent < 1:
        errors.setdefault("urgent_response_hours", []).append(URGENT_TOO_SHORT)
    for field, value in (("urgent_response_hours", urgent), ("normal_response_hours", normal)):
        if value > MAX_RESPONSE_HOURS:
            errors.setdefault(field, []).append(TOO_LONG % {"max": MAX_RESPONSE_HOURS})
    if normal < urgent and "urgent_response_hours" not in errors:
        errors.setdefault("normal_response_hours", []).append(
            NORMAL_BELOW_URGENT % {"urgent": urgent}
        )
    if errors:
        raise ValidationError(errors)
    return urgent, normal


@transaction.atomic
def request_deadlines_set(
    *, actor, district: District, urgent_hours, normal_hours
) -> DistrictRatingSettings:
    """Change the district's response deadlines; applies to requests raised from now on.
    Records the change (before/after); nothing is recorded when nothing changed."""
    require(can_set_request_deadlines(actor, district))
    urgent, normal = request_deadlines_check(urgent_hours=urgent_hours, normal_hours=normal_hours)
    # The district row first, so two officials saving at once cannot both create the
    # settings row (one-to-one) nor overwrite each other unseen.
    District.objects.select_for_update().get(pk=district.pk)
    settings, _created = DistrictRatingSettings.objects.select_for_update().get_or_create(
        district=district
    )
    before = {
        "urgent_response_hours": settings.urgent_response_hours,
        "normal_response_hours": settings.normal_response_hours,
    }
    after = {"urgent_response_hours": urgent, "normal_response_hours": normal}
    if before == after:
        return settings
    settings.urgent_response_hours = urgent
    settings.normal_response_hours = normal
    settings.save(update_fields=["urgent_response_hours", "normal_response_hours"])
    event_record(
        actor=actor,
        action="request_deadlines.changed",
        target=settings,
        district=district,
        before=before,
        after=after,
    )
    return settings
