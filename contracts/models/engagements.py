"""Engagements: who serves a compound over which days, at what fee.

Every trial, contract and (issue #6) fallback case owns one engagement row. The row is
what the one-operator-per-compound invariant is enforced on, in the database: at most one
*live* engagement per compound, and at most one *upcoming* one (the successor lined up).
Invoices (issue #7) are issued per engagement per month: floor area × fee.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.models import Compound, Firm


class EngagementKind(models.TextChoices):
    TRIAL = "trial", _("Trial")
    CONTRACT = "contract", _("Contract")
    FALLBACK = "fallback", _("State fallback")


class EngagementPhase(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


ENGAGEMENT_TRANSITIONS: dict[str, set[str]] = {
    EngagementPhase.UPCOMING: {EngagementPhase.LIVE, EngagementPhase.CANCELLED},
    EngagementPhase.LIVE: {EngagementPhase.ENDED},
    EngagementPhase.ENDED: set(),
    EngagementPhase.CANCELLED: set(),
}

ONE_LIVE_PER_COMPOUND = "engagement_one_live_per_compound"
ONE_UPCOMING_PER_COMPOUND = "engagement_one_upcoming_per_compound"
FEN = Decimal("0.01")


class Engagement(models.Model):
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="engagements", verbose_name=_("compound")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EngagementKind.choices)
    # The responsible operator on the days this engagement is live.
    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="engagements", verbose_name=_("operator")
    )
    phase = models.CharField(
        _("phase"),
        max_length=20,
        choices=EngagementPhase.choices,
        default=EngagementPhase.UPCOMING,
    )
    starts_on = models.DateField(_("starts on"))
    # The last day served; empty while the term is indefinite (art. 948 holdover).
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    ended_on = models.DateField(_("actually ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    fee = models.DecimalField(_("fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    area = models.DecimalField(_("floor area charged (m²)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-starts_on", "-id"]
        constraints = [
            # DOMAIN "Trials": at most one live trial or contract per compound.
            models.UniqueConstraint(
                fields=["compound"],
                condition=Q(phase="live"),
                name=ONE_LIVE_PER_COMPOUND,
            ),
            models.UniqueConstraint(
                fields=["compound"],
                condition=Q(phase="upcoming"),
                name=ONE_UPCOMING_PER_COMPOUND,
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EngagementKind.values), name="engagement_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(phase__in=EngagementPhase.values), name="engagement_phase_valid"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="engagement_fee_not_negative"),
            models.CheckConstraint(condition=Q(area__gt=0), name="engagement_area_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="engagement_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["phase", "starts_on"])]

    def __str__(self):
        return f"{self.compound} · {self.get_kind_display()} · {self.firm}"

    @property
    def monthly_amount(self) -> Decimal:
        """Floor area × fee for a whole month, rounded to the fen."""
        return (self.area * self.fee).quantize(FEN, rounding=ROUND_HALF_UP)
