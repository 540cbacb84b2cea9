"""Tables behind the bureau's console (issue #8): the daily coverage history and the
compound import batches that sit between an upload's preview and its confirmation."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .geography import District


class CoverageSnapshot(models.Model):
    """One district's coverage on one day (DOMAIN "Fallback": coverage rate = compounds
    with an operator / registered compounds), written by the daily rule
    ``market.coverage_snapshot``; the dashboard draws its history from these rows."""

    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        related_name="coverage_snapshots",
        verbose_name=_("district"),
    )
    date = models.DateField(_("date"))
    registered = models.PositiveIntegerField(_("registered compounds"))
    served = models.PositiveIntegerField(_("compounds with an operator"))

    class Meta:
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        ordering = ["district", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "date"], name="coverage_snapshot_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(served__lte=F("registered")), name="coverage_snapshot_served_le_reg"
            ),
        ]

    def __str__(self):
        return f"{self.district} {self.date}: {self.served}/{self.registered}"


class CompoundImportStatus(models.TextChoices):
    READING = "reading", _("Reading the file")
    REFUSED = "refused", _("Refused: the file has errors")
    READY = "ready", _("Checked: ready to import")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Stopped with an error")


# Moves of an import batch; ``market.services.compound_imports`` checks them.
COMPOUND_IMPORT_TRANSITIONS: dict[str, set[str]] = {
    CompoundImportStatus.READING: {
        CompoundImportStatus.READY,
        CompoundImportStatus.REFUSED,
        CompoundImportStatus.FAILED,
    },
    CompoundImportStatus.READY: {CompoundImportStatus.IMPORTING},
    CompoundImportStatus.IMPORTING: {CompoundImportStatus.IMPORTED, CompoundImportStatus.FAILED},
    CompoundImportStatus.REFUSED: set(),
    CompoundImportStatus.IMPORTED: set(),
    CompoundImportStatus.FAILED: set(),
}

# An upload waits this long for its confirmation; then it must be uploaded again.
COMPOUND_IMPORT_VALID_HOURS = 24


def _import_expiry():
    return timezone.now() + timedelta(hours=COMPOUND_IMPORT_VALID_HOURS)


class CompoundImport(models.Model):
    """One upload of the bureau's list of unmanaged compounds, kept server-side (never in
    the session) from upload through preview to confirmation. Owned by the official who
    uploaded it; expires after ``COMPOUND_IMPORT_VALID_HOURS``."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="+", verbose_name=_("district")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file_name = models.CharField(_("file"), max_length=200)
    file_kind = models.CharField(max_length=10)  # "xlsx" or "csv"
    # The uploaded bytes, until the background task has read them (then emptied).
    source = models.BinaryField(default=b"")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CompoundImportStatus.choices,
        default=CompoundImportStatus.READING,
    )
    # Progress for the page that polls it: rows checked (or imported) so far.
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # Every data row as read and checked: {"line", "values", "errors", "existing"}.
    rows = models.JSONField(default=list, blank=True)
    error_rows = models.PositiveIntegerField(default=0)
    new_rows = models.PositiveIntegerField(default=0)
    existing_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    # A problem with the file as a whole (unreadable, missing columns, import failed).
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_import_expiry)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("compound import")
        verbose_name_plural = _("compound imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CompoundImportStatus.values),
                name="compound_import_status_valid",
            ),
        ]

    def __str__(self):
        return self.file_name

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_working(self) -> bool:
        return self.status in (CompoundImportStatus.READING, CompoundImportStatus.IMPORTING)

    @property
    def progress_percent(self) -> int:
        if self.status in (CompoundImportStatus.IMPORTED, CompoundImportStatus.READY):
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(100 * self.processed_rows / self.total_rows))
