"""Service requests (诉求) and their deadlines (DOMAIN "Ratings and the three rates")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Engagement
from market.models import Compound, Firm

from .codes import HouseholdCode


class RequestCategory(models.TextChoices):
    CLEANING = "cleaning", _("Cleaning and rubbish")
    ORDER = "order", _("Order and security")
    GREENING = "greening", _("Greening")
    REPAIRS = "repairs", _("Repairs")
    WATER = "water", _("Water supply")
    LIFTS = "lifts", _("Lifts")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the firm")
    RESPONDED = "responded", _("Responded")
    WORKING = "working", _("Being worked on")
    RESOLVED = "resolved", _("Resolved, awaiting confirmation")
    CLOSED = "closed", _("Confirmed by the resident")


# open → responded → working → resolved → closed (the resident confirms, satisfied or
# not) or back to working (the resident reopens). A firm may resolve straight after
# responding.
REQUEST_TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.OPEN: {RequestStatus.RESPONDED},
    RequestStatus.RESPONDED: {RequestStatus.WORKING, RequestStatus.RESOLVED},
    RequestStatus.WORKING: {RequestStatus.RESOLVED},
    RequestStatus.RESOLVED: {RequestStatus.CLOSED, RequestStatus.WORKING},
    RequestStatus.CLOSED: set(),
}


def request_photo_path(instance, filename: str) -> str:
    return f"requests/{instance.compound_id}/{filename}"


class ServiceRequest(models.Model):
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="service_requests"
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="service_requests"
    )
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="service_requests")
    household_code = models.ForeignKey(
        HouseholdCode, on_delete=models.PROTECT, related_name="service_requests"
    )
    category = models.CharField(_("category"), max_length=20, choices=RequestCategory.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    text = models.TextField(_("what is the problem?"))
    photo = models.ImageField(_("photo"), upload_to=request_photo_path, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("raised at"))
    # The SLA deadline, fixed when the request is raised (district settings then).
    respond_by = models.DateTimeField(_("respond by"))
    responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    response = models.TextField(_("firm's response"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("what was done"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    satisfied = models.BooleanField(_("resident satisfied"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # 吹哨报到: the deadline passed without a response; shown to the street office and
    # the bureau.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=RequestCategory.values), name="request_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(respond_by__gt=models.F("created_at")),
                name="request_deadline_after_raised",
            ),
            # Satisfaction is recorded exactly when the resident confirms.
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True, satisfied__isnull=True)
                | Q(confirmed_at__isnull=False, satisfied__isnull=False),
                name="request_satisfied_iff_confirmed",
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "created_at"]),
            models.Index(fields=["compound", "created_at"]),
            models.Index(fields=["status", "respond_by"]),
        ]

    def __str__(self):
        return f"{self.compound} · {self.get_category_display()} · {self.created_at:%Y-%m-%d}"
