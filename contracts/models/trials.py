"""Trials (先尝后买): a compound tries an offer for up to 3 months before the owners decide."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.models import Committee, Compound, Firm, Offer

from .engagements import Engagement


class TrialStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ACTIVE = "active", _("Running")
    ENDED = "ended", _("Ended")


# DOMAIN "Trials": requested → accepted | declined (with reason); withdrawn before it
# starts; active from the start date; ended after the trial length.
TRIAL_TRANSITIONS: dict[str, set[str]] = {
    TrialStatus.REQUESTED: {TrialStatus.ACCEPTED, TrialStatus.DECLINED, TrialStatus.WITHDRAWN},
    TrialStatus.ACCEPTED: {TrialStatus.ACTIVE, TrialStatus.WITHDRAWN},
    TrialStatus.ACTIVE: {TrialStatus.ENDED},
    TrialStatus.DECLINED: set(),
    TrialStatus.WITHDRAWN: set(),
    TrialStatus.ENDED: set(),
}
OPEN_TRIAL_STATUSES = (TrialStatus.REQUESTED, TrialStatus.ACCEPTED, TrialStatus.ACTIVE)
MAX_TRIAL_MONTHS = 3


class Trial(models.Model):
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="trials", verbose_name=_("compound")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="trials", verbose_name=_("committee")
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="trials", verbose_name=_("offer")
    )
    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="trials", verbose_name=_("firm")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TrialStatus.choices, default=TrialStatus.REQUESTED
    )
    message = models.TextField(_("message to the firm"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # The exact terms the trial runs on, copied from the offer when requested: the offer
    # may change or be withdrawn later, the trial keeps these (DOMAIN "Offers").
    terms = models.JSONField(_("offer terms"), default=dict)
    months = models.PositiveSmallIntegerField(_("trial length (months)"))
    fee = models.DecimalField(_("trial fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    area = models.DecimalField(_("floor area (m²)"), max_digits=12, decimal_places=2)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)
    # The daily reminder has been sent (7 days before the end): it is sent once.
    reminded_on = models.DateField(null=True, blank=True)
    engagement = models.OneToOneField(
        Engagement, null=True, blank=True, on_delete=models.PROTECT, related_name="trial"
    )

    class Meta:
        verbose_name = _("trial")
        verbose_name_plural = _("trials")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TrialStatus.values), name="trial_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(months__gte=1, months__lte=MAX_TRIAL_MONTHS),
                name="trial_months_1_3",
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="trial_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="trial_ends_after_start"
            ),
            # A compound asks a given offer once at a time.
            models.UniqueConstraint(
                fields=["compound", "offer"],
                condition=Q(status__in=["requested", "accepted", "active"]),
                name="trial_one_open_request_per_offer",
            ),
        ]

    def __str__(self):
        return f"{self.compound} · {self.firm} · {self.starts_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TRIAL_STATUSES


class TrialReport(models.Model):
    """What the committee gets when a trial ends. The counts and rates come from the
    ratings app (issue #5); until it fills them they stay empty, never zero."""

    trial = models.OneToOneField(Trial, on_delete=models.PROTECT, related_name="report")
    created_on = models.DateField(_("created on"))
    requests_total = models.PositiveIntegerField(_("service requests"), null=True, blank=True)
    requests_handled = models.PositiveIntegerField(
        _("service requests handled"), null=True, blank=True
    )
    rating_average = models.DecimalField(
        _("average resident rating"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    rating_count = models.PositiveIntegerField(_("resident ratings"), null=True, blank=True)
    inspection_score = models.DecimalField(
        _("committee inspection score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # 三率, in percent.
    response_rate = models.DecimalField(
        _("response rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    resolution_rate = models.DecimalField(
        _("resolution rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    satisfaction_rate = models.DecimalField(
        _("satisfaction rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(
        _("score (0–100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("trial report")
        verbose_name_plural = _("trial reports")

    def __str__(self):
        return f"{self.trial} · {self.created_on:%Y-%m-%d}"
