"""Resident ratings: 1–5 on each scope item plus a comment, one per household per month
(DOMAIN "Ratings and the three rates")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Engagement
from market.models import Compound, Firm

from .codes import HouseholdCode

ONE_PER_HOUSEHOLD_PER_MONTH = "rating_one_per_household_per_month"


class CommentStatus(models.TextChoices):
    NONE = "none", _("No comment")
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for moderation")
    HIDDEN = "hidden", _("Hidden by the committee")


# A comment is published unless flagged (by the firm, or automatically for links and
# phone numbers); the committee then publishes or hides it.
COMMENT_TRANSITIONS: dict[str, set[str]] = {
    CommentStatus.NONE: set(),
    CommentStatus.PUBLISHED: {CommentStatus.HELD},
    CommentStatus.HELD: {CommentStatus.PUBLISHED, CommentStatus.HIDDEN},
    CommentStatus.HIDDEN: set(),
}


class Rating(models.Model):
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="ratings")
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="ratings")
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="ratings")
    household_code = models.ForeignKey(
        HouseholdCode, on_delete=models.PROTECT, related_name="ratings"
    )
    # The first day of the month rated.
    month = models.DateField(_("month"))
    # {scope item: 1–5}
    scores = models.JSONField(_("scores"), default=dict)
    average = models.DecimalField(_("average score"), max_digits=3, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    comment_status = models.CharField(
        _("comment status"),
        max_length=20,
        choices=CommentStatus.choices,
        default=CommentStatus.NONE,
    )
    flag_reason = models.CharField(_("reason flagged"), max_length=200, blank=True)
    reply = models.TextField(_("firm's reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resident rating")
        verbose_name_plural = _("resident ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            # DOMAIN: one rating per household per month.
            models.UniqueConstraint(
                fields=["household_code", "month"], name=ONE_PER_HOUSEHOLD_PER_MONTH
            ),
            models.CheckConstraint(
                condition=Q(average__gte=1, average__lte=5), name="rating_average_1_5"
            ),
            models.CheckConstraint(
                condition=Q(comment_status__in=CommentStatus.values),
                name="rating_comment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "month"]),
            models.Index(fields=["compound", "month"]),
        ]

    def __str__(self):
        return f"{self.compound} · {self.month:%Y-%m} · {self.average}"
