"""Property service firms (物业服务企业) and their staff."""

from django.conf import settings
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
    districts = models.ManyToManyField(
        District, related_name="firms", verbose_name=_("districts served")
    )
    status = models.CharField(
        _("vetting status"), max_length=20, choices=FirmStatus.choices, default=FirmStatus.APPLIED
    )
    # A district-owned operator that takes over failing sites (国企兜底).
    is_fallback_operator = models.BooleanField(_("state fallback operator"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("property firm")
        verbose_name_plural = _("property firms")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FirmStatus.values), name="firm_status_valid"
            ),
        ]

    def __str__(self):
        return self.name


class FirmRole(models.TextChoices):
    ADMIN = "admin", _("Firm administrator")
    STAFF = "staff", _("Staff")


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
