from django.db import models
from django.utils.translation import gettext_lazy as _

from market.models import District

# DOMAIN "Ratings and the three rates": default SLA, urgent 2 h, normal 24 h.
DEFAULT_URGENT_HOURS = 2
DEFAULT_NORMAL_HOURS = 24
# The longest deadline a district may set: one week.
MAX_RESPONSE_HOURS = 168


class DistrictRatingSettings(models.Model):
    """A district's response deadlines for service requests; districts without a row use
    the defaults."""

    district = models.OneToOneField(
        District, on_delete=models.CASCADE, related_name="rating_settings"
    )
    urgent_response_hours = models.PositiveSmallIntegerField(
        _("urgent requests: respond within (hours)"), default=DEFAULT_URGENT_HOURS
    )
    normal_response_hours = models.PositiveSmallIntegerField(
        _("normal requests: respond within (hours)"), default=DEFAULT_NORMAL_HOURS
    )

    class Meta:
        verbose_name = _("district rating settings")
        verbose_name_plural = _("district rating settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(urgent_response_hours__gte=1, normal_response_hours__gte=1),
                name="rating_settings_hours_positive",
            ),
            # An urgent request never waits longer than a normal one; a week at most.
            models.CheckConstraint(
                condition=models.Q(normal_response_hours__gte=models.F("urgent_response_hours")),
                name="rating_settings_normal_not_below_urgent",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    urgent_response_hours__lte=MAX_RESPONSE_HOURS,
                    normal_response_hours__lte=MAX_RESPONSE_HOURS,
                ),
                name="rating_settings_hours_at_most_a_week",
            ),
        ]

    def __str__(self):
        return str(self.district)
