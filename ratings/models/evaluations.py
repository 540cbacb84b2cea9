"""Committee inspections, quarterly evaluations and the fee adjustments they lead to
(DOMAIN "Ratings and the three rates", "Quarterly evaluation and fee adjustment")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractAmendment, Engagement
from market.models import Compound, Firm


class CheckResult(models.TextChoices):
    MET = "met", _("Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met")


# Points per checklist line, averaged into the inspection score (0–100).
CHECK_POINTS = {CheckResult.MET: 100, CheckResult.PARTLY: 50, CheckResult.NOT_MET: 0}


class Inspection(models.Model):
    """The committee's monthly checklist of the grade's service standard."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="inspections")
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="inspections")
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="inspections")
    month = models.DateField(_("month"))
    grade = models.PositiveSmallIntegerField(_("service grade"))
    # [{"item", "standard", "result", "note"}]
    checklist = models.JSONField(_("checklist"), default=list)
    score = models.DecimalField(_("score (0–100)"), max_digits=5, decimal_places=2)
    note = models.TextField(_("overall note"), blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("committee inspection")
        verbose_name_plural = _("committee inspections")
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "month"], name="inspection_one_per_engagement_month"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="inspection_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.compound} · {self.month:%Y-%m} · {self.score}"


def inspection_photo_path(instance, filename: str) -> str:
    return f"inspections/{instance.inspection_id}/{filename}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=inspection_photo_path)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self):
        return self.image.name


class Evaluation(models.Model):
    """One engagement's quarterly score: 40% ratings + 30% inspections + 30% three rates."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="evaluations")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="evaluations")
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="evaluations")
    period_start = models.DateField(_("quarter from"))
    period_end = models.DateField(_("quarter to"))
    # Components, 0–100; empty when there was nothing to measure.
    ratings_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    inspection_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rates_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    response_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    resolution_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    satisfaction_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score (0–100)"), max_digits=5, decimal_places=2, null=True)
    # 0: below every grade's minimum.
    grade_earned = models.PositiveSmallIntegerField(_("grade earned"), null=True)
    grade_contracted = models.PositiveSmallIntegerField(_("grade contracted"))
    created_on = models.DateField(_("evaluated on"))

    class Meta:
        verbose_name = _("quarterly evaluation")
        verbose_name_plural = _("quarterly evaluations")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "period_start"], name="evaluation_one_per_quarter"
            ),
        ]
        # A quarter's evaluations (the daily quarterly probe, the bureau's quarter view).
        indexes = [models.Index(fields=["period_start"], name="evaluation_quarter")]

    def __str__(self):
        return f"{self.compound} · {self.period_start:%Y-%m} · {self.score}"


class AdjustmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting the bureau")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


ADJUSTMENT_TRANSITIONS: dict[str, set[str]] = {
    AdjustmentStatus.PROPOSED: {AdjustmentStatus.APPROVED, AdjustmentStatus.REJECTED},
    AdjustmentStatus.APPROVED: set(),
    AdjustmentStatus.REJECTED: set(),
}


class AdjustmentKind(models.TextChoices):
    LOWER = "lower", _("Lower the fee (grade not earned)")
    RAISE = "raise", _("Raise the fee (firm's application)")


class FeeAdjustment(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="fee_adjustments"
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=AdjustmentKind.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PROPOSED,
    )
    current_fee = models.DecimalField(_("current fee"), max_digits=6, decimal_places=2)
    proposed_fee = models.DecimalField(_("proposed fee"), max_digits=6, decimal_places=2)
    grade = models.PositiveSmallIntegerField(_("service grade"))
    reason = models.TextField(_("reason"))
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("bureau's note"), blank=True)
    amendment = models.OneToOneField(
        ContractAmendment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("fee adjustment")
        verbose_name_plural = _("fee adjustments")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "kind"], name="fee_adjustment_one_per_evaluation"
            ),
            models.CheckConstraint(
                condition=Q(proposed_fee__gt=0), name="fee_adjustment_fee_positive"
            ),
        ]

    def __str__(self):
        return f"{self.contract} · ¥{self.current_fee} → ¥{self.proposed_fee}"
