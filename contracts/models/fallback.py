"""Fallback to the district's state operator (国企兜底) and the handover between operators
(DOMAIN "Fallback (国企兜底) and handover"; Civil Code arts. 949–950; Beijing arts. 76–77).

- ``FallbackDesignation``: the bureau's designated fallback operator and its published
  fallback fee; exactly one active designation per district, enforced in the database.
- ``FallbackCase``: why a compound went to the fallback operator; owns the fallback
  engagement (at most 6 months, extended only by the bureau with a reason).
- ``WrittenWarning``: the bureau's written warning, required before it orders fallback.
- ``Handover`` and its ``HandoverItem`` checklist (with ``HandoverPhoto``): due within 30
  days; both sides confirm each item.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.models import Compound, District, Firm

from .engagements import Engagement

FALLBACK_MAX_MONTHS = 6
HANDOVER_DAYS = 30
# Basic services only (Beijing art. 77): rubbish, order, secondary water supply, lifts.
FALLBACK_SERVICES = ("rubbish", "order", "secondary_water", "lifts")
FALLBACK_SERVICE_LABELS = {
    "rubbish": _("Rubbish removal"),
    "order": _("Order and security"),
    "secondary_water": _("Secondary water supply"),
    "lifts": _("Lifts"),
}


class FallbackDesignation(models.Model):
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="fallback_designations",
        verbose_name=_("district"),
    )
    firm = models.ForeignKey(
        Firm,
        on_delete=models.PROTECT,
        related_name="fallback_designations",
        verbose_name=_("fallback operator"),
    )
    # The bureau's published fallback fee (Beijing art. 77), ¥/㎡·month.
    fee = models.DecimalField(_("fallback fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)
    designated_on = models.DateField(_("designated on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("fallback operator designation")
        verbose_name_plural = _("fallback operator designations")
        ordering = ["-designated_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(active=True),
                name="fallback_one_active_designation_per_district",
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="fallback_fee_not_negative"),
        ]

    def __str__(self):
        return f"{self.district} · {self.firm}"


class FallbackTrigger(models.TextChoices):
    NO_OPERATOR = "no_operator", _("No operator found within 30 days of registration")
    ENGAGEMENT_ENDED = "engagement_ended", _("Trial or contract ended with no successor")
    FIRM_SANCTIONED = "firm_sanctioned", _("Firm suspended, revoked or blacklisted")
    BUREAU_ORDER = "bureau_order", _("Bureau order after low quarterly scores")


class FallbackCaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


FALLBACK_CASE_TRANSITIONS: dict[str, set[str]] = {
    FallbackCaseStatus.OPEN: {FallbackCaseStatus.CLOSED},
    FallbackCaseStatus.CLOSED: set(),
}


class WrittenWarning(models.Model):
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="written_warnings"
    )
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="written_warnings")
    text = models.TextField(_("warning"))
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("written warning")
        verbose_name_plural = _("written warnings")
        ordering = ["-issued_on", "-id"]

    def __str__(self):
        return f"{self.firm} · {self.compound} · {self.issued_on}"


class FallbackCase(models.Model):
    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        related_name="fallback_cases",
        verbose_name=_("compound"),
    )
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    designation = models.ForeignKey(
        FallbackDesignation, on_delete=models.PROTECT, related_name="cases"
    )
    operator = models.ForeignKey(
        Firm,
        on_delete=models.PROTECT,
        related_name="fallback_cases",
        verbose_name=_("fallback operator"),
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=FallbackTrigger.choices)
    outgoing_firm = models.ForeignKey(
        Firm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outgoing firm"),
    )
    # The trial or contract engagement whose end led here, if any.
    previous_engagement = models.OneToOneField(
        Engagement, on_delete=models.PROTECT, null=True, blank=True, related_name="fallback_after"
    )
    engagement = models.OneToOneField(
        Engagement, on_delete=models.PROTECT, related_name="fallback_case"
    )
    warning = models.ForeignKey(
        WrittenWarning, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FallbackCaseStatus.choices,
        default=FallbackCaseStatus.OPEN,
    )
    opened_on = models.DateField(_("serves from"))
    # The last day of the (at most 6-month) term; moved only by a bureau extension.
    planned_end_on = models.DateField(_("term ends on"))
    extension_reason = models.TextField(_("reason for extension"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fallback case")
        verbose_name_plural = _("fallback cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound"],
                condition=Q(status="open"),
                name="fallback_one_open_case_per_compound",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=models.F("opened_on")),
                name="fallback_case_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.compound} · {self.operator} · {self.opened_on}"

    @property
    def services(self):
        return [FALLBACK_SERVICE_LABELS[key] for key in FALLBACK_SERVICES]


class HandoverStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused by the outgoing firm")


HANDOVER_TRANSITIONS: dict[str, set[str]] = {
    HandoverStatus.OPEN: {HandoverStatus.COMPLETED, HandoverStatus.REFUSED},
    # A refusal is recorded, but the obligation stays: the items can still be handed over.
    HandoverStatus.REFUSED: {HandoverStatus.COMPLETED},
    HandoverStatus.COMPLETED: set(),
}


class Handover(models.Model):
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("compound")
    )
    outgoing_engagement = models.OneToOneField(
        Engagement, on_delete=models.PROTECT, related_name="handover_out"
    )
    outgoing_firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="handovers_out", verbose_name=_("outgoing")
    )
    incoming_firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="handovers_in", verbose_name=_("incoming")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    # Set once when the credit penalty is recorded (refusal or missed deadline).
    penalised_on = models.DateField(_("credit penalty recorded on"), null=True, blank=True)
    # The bureau's takeover after a refusal or a missed deadline: the incoming operator
    # starts although the checklist is incomplete (the outgoing firm still owes the items).
    enforced_on = models.DateField(_("takeover enforced on"), null=True, blank=True)
    enforced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enforce_reason = models.TextField(_("reason for the enforced takeover"), blank=True)
    # Fee settlement (art. 949): prepaid fees for the unserved period, refunded to owners.
    refund_amount = models.DecimalField(
        _("prepaid fees to refund (¥)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gte=0),
                name="handover_refund_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.compound} · {self.outgoing_firm} → {self.incoming_firm}"

    @staticmethod
    def due_for(opened_on):
        return opened_on + timedelta(days=HANDOVER_DAYS)


class HandoverItemKind(models.TextChoices):
    RECORDS = "records", _("Records and documents")
    KEYS = "keys", _("Keys and access cards")
    FACILITIES = "facilities", _("Facilities and their condition (with photos)")
    FEES = "fees", _("Fee settlement (prepaid fees refunded)")
    REQUESTS = "requests", _("Open service requests transferred")


class HandoverItem(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("item"), max_length=20, choices=HandoverItemKind.choices)
    note = models.TextField(_("note"), blank=True)
    outgoing_confirmed_on = models.DateField(null=True, blank=True)
    outgoing_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    incoming_confirmed_on = models.DateField(null=True, blank=True)
    incoming_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "kind"], name="handover_item_once"),
        ]

    def __str__(self):
        return self.get_kind_display()

    @property
    def done(self) -> bool:
        return bool(self.outgoing_confirmed_on and self.incoming_confirmed_on)


class HandoverPhoto(models.Model):
    item = models.ForeignKey(HandoverItem, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to="handover/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("handover photo")
        verbose_name_plural = _("handover photos")

    def __str__(self):
        return self.image.name
