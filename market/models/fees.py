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


# What each mode means for an offer, in plain words for the public and the bureau.
ENFORCEMENT_EXPLANATIONS = {
    EnforcementMode.CAP: _(
        "Government-guided price: a firm's fee for a service grade must lie within that "
        "grade's band. An offer outside the band is refused."
    ),
    EnforcementMode.BENCHMARK: _(
        "Market-regulated price: the bands are a reference. A firm may charge outside its "
        "grade's band only with the bureau's explicit approval, and such an offer is marked "
        "as outside the band for everyone to see."
    ),
}


class FeeScheduleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class ApprovedFeeScheduleChanged(Exception):
    """An approved schedule version, or one of its grades, was about to change or go.

    DOMAIN: "A schedule version is immutable once approved". The services refuse first
    (``InvalidTransition``); this guards any other code path, and on PostgreSQL a trigger
    refuses raw SQL too (migration ``0006_fee_schedule_immutable``)."""


def _concrete_values(instance: models.Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _stored_row(instance: models.Model) -> dict | None:
    if instance._state.adding or instance.pk is None:
        return None
    names = [f.attname for f in instance._meta.concrete_fields]
    return type(instance)._base_manager.filter(pk=instance.pk).values(*names).first()


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
            # One open draft per district: the bureau works on one next version at a time.
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(status="draft"),
                name="fee_schedule_one_draft",
            ),
        ]

    def __str__(self):
        return f"{self.district} v{self.version}"

    def save(self, *args, **kwargs):
        stored = _stored_row(self)
        if stored is not None and stored["status"] == FeeScheduleStatus.APPROVED:
            if stored != _concrete_values(self):
                raise ApprovedFeeScheduleChanged(f"{self} is approved and cannot change")
            return  # nothing changed: nothing to write
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        stored = _stored_row(self)
        if stored is not None and stored["status"] == FeeScheduleStatus.APPROVED:
            raise ApprovedFeeScheduleChanged(f"{self} is approved and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_approved(self) -> bool:
        return self.status == FeeScheduleStatus.APPROVED

    @property
    def enforcement_explained(self) -> str:
        return str(ENFORCEMENT_EXPLANATIONS.get(self.enforcement, ""))


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

    def save(self, *args, **kwargs):
        stored = _stored_row(self)
        if stored is not None and (
            self._schedule_is_approved(stored["schedule_id"])
            or self._schedule_is_approved(self.schedule_id)
        ):
            if stored != _concrete_values(self):
                raise ApprovedFeeScheduleChanged(f"{self} belongs to an approved schedule")
            return
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        stored = _stored_row(self)
        if stored is not None and self._schedule_is_approved(stored["schedule_id"]):
            raise ApprovedFeeScheduleChanged(f"{self} belongs to an approved schedule")
        return super().delete(*args, **kwargs)

    @property
    def standard_items(self) -> list[tuple[str, str]]:
        """(scope item label, standard text) pairs, for pages."""
        from .offers import ScopeItem

        labels = dict(ScopeItem.choices)
        return [
            (str(labels.get(entry.get("item"), entry.get("item"))), entry.get("standard", ""))
            for entry in self.standard
        ]

    def _schedule_is_approved(self, schedule_id) -> bool:
        return FeeSchedule.objects.filter(
            pk=schedule_id, status=FeeScheduleStatus.APPROVED
        ).exists()
