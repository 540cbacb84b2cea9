"""Government posts and invitations. (Firm staff and committee seats live beside their
firm and committee.)"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .compounds import CommitteeMember
from .firms import Firm, FirmRole
from .geography import District, StreetOffice


class Official(models.Model):
    """A housing bureau official of one district, or — with ``street_office`` set — an
    official of one street office in it. Officials must use TOTP."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="official_posts",
        verbose_name=_("user"),
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="officials", verbose_name=_("district")
    )
    street_office = models.ForeignKey(
        StreetOffice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
        verbose_name=_("street office"),
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "district", "street_office"], name="official_unique_post"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.street_office or self.district}"

    @property
    def is_bureau(self) -> bool:
        return self.street_office_id is None


class InvitationKind(models.TextChoices):
    FIRM = "firm", _("Firm staff")
    COMMITTEE = "committee", _("Committee member")
    OFFICIAL = "official", _("Official")


class Invitation(models.Model):
    """An e-mailed link that attaches a person to a firm, a committee seat or a post.

    Only the SHA-256 of the token is stored, so a database leak yields no usable link.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=InvitationKind.choices)
    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(max_length=64, unique=True)
    firm = models.ForeignKey(
        Firm, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    firm_role = models.CharField(max_length=20, choices=FirmRole.choices, blank=True)
    committee_member = models.ForeignKey(
        CommitteeMember, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    street_office = models.ForeignKey(
        StreetOffice, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # Each kind names exactly its own target.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="firm",
                        firm__isnull=False,
                        committee_member__isnull=True,
                        district__isnull=True,
                    )
                    | Q(
                        kind="committee",
                        committee_member__isnull=False,
                        firm__isnull=True,
                        district__isnull=True,
                    )
                    | Q(
                        kind="official",
                        district__isnull=False,
                        firm__isnull=True,
                        committee_member__isnull=True,
                    )
                ),
                name="invitation_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.email}"

    @property
    def target_label(self) -> str:
        if self.kind == InvitationKind.FIRM:
            return str(self.firm)
        if self.kind == InvitationKind.COMMITTEE:
            return str(self.committee_member.committee)
        return str(self.street_office or self.district)
