"""Household codes: one per household, issued by the compound's committee, so that
residents rate and raise requests without an account (DOMAIN "Ratings and the three
rates"). Only a keyed hash of each code is stored; the code itself is shown once, on the
printable sheet."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.models import Compound


class HouseholdCode(models.Model):
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="household_codes")
    household = models.CharField(_("household"), max_length=50)
    # HMAC-SHA256 of the normalised code (ratings.services.codes.code_hash).
    code_hash = models.CharField(max_length=64, unique=True)
    # The first characters, so the committee can tell codes apart on the list; far too
    # few to guess the rest.
    hint = models.CharField(_("code begins"), max_length=4)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("household code")
        verbose_name_plural = _("household codes")
        ordering = ["household", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "household"],
                condition=Q(revoked_at__isnull=True),
                name="household_code_one_active_per_household",
            ),
        ]

    def __str__(self):
        return f"{self.compound} · {self.household}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
