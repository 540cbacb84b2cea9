"""Property service firms (物业服务企业) and their staff."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import validate_credit_code
from .geography import District


class FirmStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class CreditGrade(models.TextChoices):
    """Credit grades shown in the catalogue (DOMAIN: Firms and vetting)."""

    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


# Licence scans are not public: they are stored outside MEDIA_ROOT and served only
# through a view that checks permissions (market.views.vetting.firm_licence).
def licence_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


class FirmQuerySet(models.QuerySet):
    def listable(self):
        """Firms the public catalogue shows: approved and not blacklisted. Suspended,
        revoked or blacklisted firms disappear at once."""
        return self.filter(status=FirmStatus.APPROVED, blacklisted=False)


class Firm(models.Model):
    name = models.CharField(_("name"), max_length=150)
    # 统一社会信用代码, GB 32100-2015.
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30)
    email = models.EmailField(_("e-mail"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The district whose bureau vets the firm (where it applies); always also served.
    registered_district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="registered_firms",
        verbose_name=_("registered in district"),
        null=True,
    )
    districts = models.ManyToManyField(
        District, related_name="firms", verbose_name=_("districts served")
    )
    licence = models.FileField(
        _("business licence scan"),
        storage=licence_storage,
        upload_to="licences/%Y/%m/",
        blank=True,
    )
    # The reason given with the latest vetting decision (rejection, suspension, revocation).
    status_reason = models.TextField(_("reason for the latest decision"), blank=True)
    # Credit (DOMAIN: score = 80 + up to 40 positive − negative, entries expire after 12
    # months). Kept on the row so the catalogue can sort and filter by it; recomputed by
    # market.services.credit whenever an entry is added or expires.
    credit_score = models.DecimalField(
        _("credit score"), max_digits=5, decimal_places=1, default=80
    )
    credit_grade = models.CharField(
        _("credit grade"), max_length=3, choices=CreditGrade.choices, default=CreditGrade.AA
    )
    blacklisted = models.BooleanField(_("blacklisted"), default=False)
    blacklist_reason = models.TextField(_("blacklist reason"), blank=True)
    status = models.CharField(
        _("vetting status"), max_length=20, choices=FirmStatus.choices, default=FirmStatus.APPLIED
    )
    # A district-owned operator that takes over failing sites (国企兜底).
    is_fallback_operator = models.BooleanField(_("state fallback operator"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FirmQuerySet.as_manager()

    class Meta:
        verbose_name = _("property firm")
        verbose_name_plural = _("property firms")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FirmStatus.values), name="firm_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(credit_grade__in=CreditGrade.values), name="firm_credit_grade_valid"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_listable(self) -> bool:
        return self.status == FirmStatus.APPROVED and not self.blacklisted


class CreditEntry(models.Model):
    """A dated, reasoned credit entry: positive (awards, good evaluations) or negative
    (complaints, refused handovers). It counts for 12 months."""

    firm = models.ForeignKey(
        Firm, on_delete=models.CASCADE, related_name="credit_entries", verbose_name=_("firm")
    )
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=1)
    reason = models.TextField(_("reason"))
    recorded_on = models.DateField(_("recorded on"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What produced it: "bureau" (entered by an official), "evaluation", "handover", …
    source = models.CharField(_("source"), max_length=30, default="bureau")

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="credit_entry_points_nonzero"),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("recorded_on")),
                name="credit_entry_expires_after_recording",
            ),
        ]

    def __str__(self):
        return f"{self.firm} {self.points:+} ({self.recorded_on})"


class FirmRole(models.TextChoices):
    ADMIN = "admin", _("Firm administrator")
    STAFF = "staff", _("Staff")


class FirmMemberQuerySet(models.QuerySet):
    def active(self):
        """Staff still with the firm: the member has not left."""
        return self.filter(left_on__isnull=True)


class FirmMember(models.Model):
    firm = models.ForeignKey(
        Firm, on_delete=models.CASCADE, related_name="members", verbose_name=_("firm")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="firm_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=FirmRole.choices, default=FirmRole.STAFF
    )
    # Signs contracts on the firm's behalf.
    is_signer = models.BooleanField(_("authorised signer"), default=False)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = FirmMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("firm member")
        verbose_name_plural = _("firm members")
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "user"],
                condition=Q(left_on__isnull=True),
                name="firm_member_unique_active",
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.firm}"
