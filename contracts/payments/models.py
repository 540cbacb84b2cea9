"""Invoices, refunds, the Stripe events received and each committee's Stripe customer.

An invoice bills one engagement for one calendar month, in advance: floor area × fee per
㎡·月, pro-rated by days (DOMAIN "Payments"). Its status moves only through the services
in ``services.py``; the payment state comes from Stripe's signed webhooks.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.models import Engagement
from market.models import Committee


class InvoiceStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("invoice status", "Open")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


INVOICE_TRANSITIONS: dict[str, set[str]] = {
    InvoiceStatus.OPEN: {InvoiceStatus.PAID, InvoiceStatus.VOID},
    InvoiceStatus.PAID: set(),
    InvoiceStatus.VOID: set(),
}

ONE_INVOICE_PER_MONTH = "invoice_one_per_engagement_month"


class Invoice(models.Model):
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("engagement")
    )
    # The first day of the month billed.
    period_start = models.DateField(_("month"))
    # The days of that month the engagement serves (a partial month bills fewer days).
    served_from = models.DateField(_("served from"))
    served_to = models.DateField(_("served to"))
    amount = models.DecimalField(_("amount (¥)"), max_digits=14, decimal_places=2)
    # How the amount was made: [{"from", "to", "days", "fee", "amount"}] per fee in force.
    lines = models.JSONField(_("calculation"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    issued_on = models.DateField(_("issued on"))
    payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    failure_message = models.CharField(_("last payment failure"), max_length=500, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    refunded_amount = models.DecimalField(
        _("refunded (¥)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    void_reason = models.CharField(_("reason voided"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-period_start", "-id"]
        constraints = [
            # One invoice per engagement per month; a voided one may be re-issued.
            models.UniqueConstraint(
                fields=["engagement", "period_start"],
                condition=~Q(status="void"),
                name=ONE_INVOICE_PER_MONTH,
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="invoice_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(served_to__gte=models.F("served_from")),
                name="invoice_served_days_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False),
                name="invoice_paid_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "period_start"])]

    def __str__(self):
        return f"{self.engagement.compound} · {self.period_start:%Y-%m} · ¥{self.amount}"

    @property
    def number(self) -> str:
        return f"INV-{self.period_start:%Y%m}-{self.pk:06d}"

    @property
    def amount_fen(self) -> int:
        return to_fen(self.amount)

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.refunded_amount


def to_fen(amount: Decimal) -> int:
    """¥ as Decimal → fen as int, the unit Stripe counts CNY in."""
    return int((amount * 100).to_integral_value())


class InvoiceRefund(models.Model):
    """A refund of prepaid fees for days not served (the engagement ended early)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount (¥)"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200)
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.invoice.number} · −¥{self.amount}"


class StripeEvent(models.Model):
    """Every webhook event, recorded once: the database refuses a second row with the
    same id, which is what makes a redelivered event a no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="stripe_events"
    )
    outcome = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self):
        return f"{self.event_id} · {self.type}"


class StripeCustomer(models.Model):
    """The Stripe customer a committee pays as (cards are saved against it)."""

    committee = models.OneToOneField(
        Committee, on_delete=models.PROTECT, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=255, unique=True)

    def __str__(self):
        return f"{self.committee} · {self.customer_id}"
