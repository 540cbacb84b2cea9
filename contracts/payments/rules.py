"""Daily rules for payments (registered from ``PaymentsConfig.ready``, run by
``contracts.daily.daily_run``). They run after the contracts app's rules, so an
engagement that starts today is invoiced today and one that ended is settled."""

from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Q

from contracts.daily import each
from contracts.models import EngagementPhase
from market.daily import daily_rule

from .amounts import month_start
from .models import Invoice, InvoiceRefund, InvoiceStatus
from .services import invoice_refund_unserved, invoices_issue_for_month, issue_candidates


def _engagements_to_invoice(today: date):
    return issue_candidates(month_start(today))


@daily_rule("payments.issue_invoices", order=80, candidates=_engagements_to_invoice)
def issue_invoices(today: date) -> dict:
    """Invoice every live engagement with a fee (contracts, paid trials, fallback at the
    fallback fee) for the current month, once: an existing invoice is left alone."""
    # Set-based: a few statements per batch of engagements, not five (and a savepoint)
    # per invoice — on the first of the month it issued one for every live engagement.
    return invoices_issue_for_month(month=today, today=today)


# How long after its last day served an invoice stays a candidate for settling. Every
# candidate has ``served_to`` after its engagement's ``ended_on``, so this covers an end
# recorded up to this many days after the day it took effect, and as many days of retries
# (Stripe unreachable) after that. Beyond it, the rule no longer reads the invoices of
# every engagement that ever ended, day after day.
SETTLE_LOOKBACK_DAYS = 92


def settle_candidates(today: date):
    """The invoices ``settle_ended`` looks at on ``today``: bounded by the recent past, so
    their number does not grow with the history of ended engagements."""
    since = today - timedelta(days=SETTLE_LOOKBACK_DAYS)
    return (
        Invoice.objects.filter(
            engagement__phase=EngagementPhase.ENDED,
            engagement__ended_on__isnull=False,
            engagement__ended_on__lt=F("served_to"),
            status__in=[InvoiceStatus.OPEN, InvoiceStatus.PAID],
            served_to__gte=since,
            # Implied by the line above (served_to lies in the month billed); written out
            # so the (status, period_start) index bounds the scan.
            period_start__gte=month_start(since),
        )
        .filter(
            Q(status=InvoiceStatus.OPEN)
            | (Q(payment_intent_id__isnull=False) & ~Q(payment_intent_id=""))
        )
        # Settled already: a refund row is written only by ``invoice_refund_unserved``,
        # which this rule calls with the engagement's ``ended_on`` (fixed once ended), and
        # it leaves the invoice refunded to that absolute target — another call refunds
        # nothing. (An open one is voided when settled, and so drops out by its status.)
        .exclude(Exists(InvoiceRefund.objects.filter(invoice=OuterRef("pk"))))
        .select_related("engagement")
        .order_by("pk")
    )


@daily_rule("payments.settle_ended", order=85, candidates=settle_candidates)
def settle_ended(today: date) -> dict:
    """An engagement that ended before the end of a month it was billed for: refund (or
    re-issue) the days not served."""
    # Filtered in the database: the days after the last one served, on an open invoice or
    # a paid one, not yet settled, billed in the recent past.
    return each(
        settle_candidates(today),
        lambda invoice: (
            invoice_refund_unserved(
                invoice=invoice, last_served_day=invoice.engagement.ended_on, today=today
            )
            is not None
        ),
    )
