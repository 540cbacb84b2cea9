"""The owners' decision to hire or dismiss a firm (Civil Code art. 278)."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from market.models import Committee, Compound, Firm

from .trials import Trial

TWO_THIRDS = Fraction(2, 3)
ONE_HALF = Fraction(1, 2)
# Beijing rules: owners get 15 days' notice of the vote; the result is published within 3.
NOTICE_DAYS = 15
PUBLICATION_DAYS = 3


@dataclass(frozen=True)
class VoteOutcome:
    """Each of the four art. 278 thresholds, judged separately on exact fractions."""

    participation_area: Fraction
    participation_owners: Fraction
    approval_area: Fraction
    approval_owners: Fraction

    @property
    def participation_area_ok(self) -> bool:
        return self.participation_area >= TWO_THIRDS

    @property
    def participation_owners_ok(self) -> bool:
        return self.participation_owners >= TWO_THIRDS

    @property
    def approval_area_ok(self) -> bool:
        return self.approval_area > ONE_HALF

    @property
    def approval_owners_ok(self) -> bool:
        return self.approval_owners > ONE_HALF

    @property
    def passed(self) -> bool:
        return (
            self.participation_area_ok
            and self.participation_owners_ok
            and self.approval_area_ok
            and self.approval_owners_ok
        )

    @property
    def failed_thresholds(self) -> list[str]:
        names = []
        if not self.participation_area_ok:
            names.append("participation_area")
        if not self.participation_owners_ok:
            names.append("participation_owners")
        if not self.approval_area_ok:
            names.append("approval_area")
        if not self.approval_owners_ok:
            names.append("approval_owners")
        return names


def _share(part, whole) -> Fraction:
    # Fraction(Decimal) is exact; no float ever enters the comparison.
    whole = Fraction(Decimal(whole))
    return Fraction(Decimal(part)) / whole if whole else Fraction(0)


def vote_outcome(
    *,
    register_owners: int,
    register_area: Decimal,
    participating_owners: int,
    participating_area: Decimal,
    approving_owners: int,
    approving_area: Decimal,
) -> VoteOutcome:
    """Civil Code art. 278: participation by owners holding ≥ 2/3 of the exclusive area
    and ≥ 2/3 of the owners by head; approval by > 1/2 of the participating area and
    > 1/2 of the participating owners."""
    return VoteOutcome(
        participation_area=_share(participating_area, register_area),
        participation_owners=_share(participating_owners, register_owners),
        approval_area=_share(approving_area, participating_area),
        approval_owners=_share(approving_owners, participating_owners),
    )


class VoteKind(models.TextChoices):
    HIRE = "hire", _("Hire the firm")
    DISMISS = "dismiss", _("Dismiss the firm")


class VoteStatus(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    ANNULLED = "annulled", _("Annulled")


# A tally is recorded once; a passed vote can only be annulled (with a reason).
VOTE_TRANSITIONS: dict[str, set[str]] = {
    VoteStatus.PASSED: {VoteStatus.ANNULLED},
    VoteStatus.FAILED: set(),
    VoteStatus.ANNULLED: set(),
}


class Vote(models.Model):
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="votes", verbose_name=_("compound")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="votes", verbose_name=_("committee")
    )
    kind = models.CharField(_("decision"), max_length=20, choices=VoteKind.choices)
    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="votes", verbose_name=_("firm")
    )
    # Hiring votes are about a trial's firm; dismissal votes about a contract.
    trial = models.ForeignKey(
        Trial, null=True, blank=True, on_delete=models.PROTECT, related_name="votes"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dismissal_votes",
    )
    status = models.CharField(_("result"), max_length=20, choices=VoteStatus.choices)
    notice_on = models.DateField(_("notice given on"))
    vote_on = models.DateField(_("vote held on"))
    published_on = models.DateField(_("result published on"), null=True, blank=True)
    # The register as it stood when the vote was recorded: the denominators.
    register_owners = models.PositiveIntegerField(_("owners on the register"))
    register_area = models.DecimalField(
        _("exclusive area on the register (m²)"), max_digits=12, decimal_places=2
    )
    participating_owners = models.PositiveIntegerField(_("participating owners"))
    participating_area = models.DecimalField(
        _("participating exclusive area (m²)"), max_digits=12, decimal_places=2
    )
    approving_owners = models.PositiveIntegerField(_("approving owners"))
    approving_area = models.DecimalField(
        _("approving exclusive area (m²)"), max_digits=12, decimal_places=2
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    annul_reason = models.TextField(_("reason for annulment"), blank=True)

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["-vote_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VoteStatus.values), name="vote_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="hire", trial__isnull=False, contract__isnull=True)
                | Q(kind="dismiss", contract__isnull=False, trial__isnull=True),
                name="vote_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(
                    participating_owners__lte=F("register_owners"),
                    participating_area__lte=F("register_area"),
                ),
                name="vote_participation_within_register",
            ),
            models.CheckConstraint(
                condition=Q(
                    approving_owners__lte=F("participating_owners"),
                    approving_area__lte=F("participating_area"),
                ),
                name="vote_approval_within_participation",
            ),
            models.CheckConstraint(
                condition=Q(participating_area__gte=0, approving_area__gte=0, register_area__gt=0),
                name="vote_areas_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(vote_on__gte=F("notice_on")), name="vote_after_notice"
            ),
        ]

    def __str__(self):
        return f"{self.compound} · {self.get_kind_display()} · {self.vote_on:%Y-%m-%d}"

    @property
    def outcome(self) -> VoteOutcome:
        return vote_outcome(
            register_owners=self.register_owners,
            register_area=self.register_area,
            participating_owners=self.participating_owners,
            participating_area=self.participating_area,
            approving_owners=self.approving_owners,
            approving_area=self.approving_area,
        )
