"""District fee schedules (质价相符): a fee band and a minimum score per service grade."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .geography import District


class EnforcementMode(models.TextChoices):
    # Government-guided price: an offer outside its grade's band is refused.
    CAP = "cap", _("Cap (government-guided price)")
    # Market-regulated (Beijing art. 73): outside-band offers need approval and a public flag.
    BENCHMARK = "benchmark", _("Benchmark (market-regulated price)")


class FeeScheduleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class FeeSchedule(models.Model):
    """One version of a district's schedule; immutable once approved."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="fee_schedules", verbose_name=_("district")
    )
    version = models.PositiveIntegerField(_("version"))
    enforcement = models.CharField(
        _("enforcement"),
        max_length=20,
        choices=EnforcementMode.choices,
        default=EnforcementMode.CAP,
    )
    effective_from = models.DateField(_("effective from"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FeeScheduleStatus.choices,
        default=FeeScheduleStatus.DRAFT,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["district", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "version"], name="fee_schedule_unique_version"
            ),
        ]

    def __str__(self):
        return f"{self.district} v{self.version}"


class FeeGrade(models.Model):
    schedule = models.ForeignKey(
        FeeSchedule, on_delete=models.CASCADE, related_name="grades", verbose_name=_("fee schedule")
    )
    grade = models.PositiveSmallIntegerField(_("service grade"))
    name = models.CharField(_("name"), max_length=50)
    # ¥ per m² of exclusive floor area per month.
    fee_min = models.DecimalField(_("minimum fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    fee_max = models.DecimalField(_("maximum fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    min_score = models.PositiveSmallIntegerField(_("minimum evaluation score"))
    # Service standard: a list of {"item": scope item, "standard": text} objects.
    standard = models.JSONField(_("service standard"), default=list, blank=True)

    class Meta:
        verbose_name = _("fee grade")
        verbose_name_plural = _("fee grades")
        ordering = ["schedule", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "grade"], name="fee_grade_unique"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=5), name="fee_grade_1_5"),
            models.CheckConstraint(
                condition=Q(fee_min__gt=0) & Q(fee_max__gt=F("fee_min")),
                name="fee_grade_band_valid",
            ),
            models.CheckConstraint(condition=Q(min_score__lte=100), name="fee_grade_score_max"),
        ]

    def __str__(self):
        return f"G{self.grade} {self.fee_min}–{self.fee_max}"
