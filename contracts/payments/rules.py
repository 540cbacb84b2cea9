"""Daily rules for payments (registered from ``PaymentsConfig.ready``, run by
``contracts.daily.daily_run``). They run after the contracts app's rules, so an
engagement that starts today is invoiced today and one that ended is settled."""

from datetime import date

from django.db.models import Exists, OuterRef

from contracts.daily import each
from contracts.models import Engagement, EngagementPhase
from market.daily import daily_rule

from .amounts import month_start
from .models import Invoice, InvoiceStatus
from .services import invoice_issue, invoice_refund_unserved


@daily_rule("payments.issue_invoices", order=80)
def issue_invoices(today: date) -> dict:
    """Invoice every live engagement with a fee (contracts, paid trials, fallback at the
    fallback fee) for the current month, once: an existing invoice is left alone."""
    engagements = (
        Engagement.objects.filter(phase=EngagementPhase.LIVE, fee__gt=0)
        .exclude(
            Exists(
                Invoice.objects.filter(
                    engagement=OuterRef("pk"), period_start=month_start(today)
                ).exclude(status=InvoiceStatus.VOID)
            )
        )
        .order_by("pk")
    )
    return each(
        engagements,
        lambda engagement: (
            invoice_issue(engagement=engagement, month=today, today=today) is not None
        ),
    )


@daily_rule("payments.settle_ended", order=85)
def settle_ended(today: date) -> dict:
    """An engagement that ended before the end of a month it was billed for: refund (or
    re-issue) the days not served."""
    invoices = (
        Invoice.objects.filter(
            engagement__phase=EngagementPhase.ENDED,
            engagement__ended_on__isnull=False,
            status__in=[InvoiceStatus.OPEN, InvoiceStatus.PAID],
        )
        .select_related("engagement")
        .order_by("pk")
    )
    due = [
        invoice
        for invoice in invoices
        if invoice.engagement.ended_on < invoice.served_to
        and (invoice.status == InvoiceStatus.OPEN or invoice.payment_intent_id)
    ]
    return each(
        due,
        lambda invoice: (
            invoice_refund_unserved(
                invoice=invoice, last_served_day=invoice.engagement.ended_on, today=today
            )
            is not None
        ),
    )
