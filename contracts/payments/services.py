"""Invoice services (DOMAIN "Payments"): issue, pay (through Stripe), record failures and
refunds, void. Every status change goes through here — the daily rules, the payment
page, the webhook and the reconciliation command call the same functions."""

import logging
from datetime import date, datetime
from decimal import Decimal

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.daily import each
from contracts.models import Engagement, EngagementPhase
from contracts.services.common import instance_sync, lock_row, status_move
from market.models import Event
from market.permissions import can_pay_invoice, require
from market.services.events import event_build, event_record

from .amounts import fee_changes_of, invoice_lines, month_start, total
from .gateway import CURRENCY, stripe_client
from .models import (
    INVOICE_TRANSITIONS,
    Invoice,
    InvoiceRefund,
    InvoiceStatus,
    StripeCustomer,
    to_fen,
)

NOT_OPEN = _("This invoice is no longer open for payment.")
NO_CARD = _("Enter your card details.")
STRIPE_UNAVAILABLE = _("The payment service could not be reached. Nothing was charged; try again.")
CARD_DECLINED = _("The card was declined: %(reason)s")

logger = logging.getLogger(__name__)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


# What an invoice service may change, copied back onto the caller's instance.
SYNCED_FIELDS = (
    "status",
    "payment_intent_id",
    "paid_at",
    "failure_message",
    "failed_at",
    "refunded_amount",
    "void_reason",
)


def _lock(invoice: Invoice) -> Invoice:
    related = ("engagement__compound__street_office__district", "engagement__firm")
    return lock_row(invoice, related=related)


def _sync(original: Invoice, locked: Invoice) -> Invoice:
    return instance_sync(original, locked, fields=SYNCED_FIELDS)


def _move(invoice: Invoice, target: str) -> str:
    return status_move(invoice, table=INVOICE_TRANSITIONS, target=target, model="invoice")


def _record(invoice: Invoice, *, actor, action: str, before=None, after=None, data=None):
    event_record(
        actor=actor,
        action=action,
        target=invoice,
        compound=invoice.engagement.compound,
        before=before,
        after=after,
        data=data,
    )


# --- Issuing -------------------------------------------------------------------------


# No savepoint of its own (two statements per invoice): a caller that carries on after
# a failure wraps the call in its own atomic block, as the daily rule's ``each`` does.
@transaction.atomic(savepoint=False)
def invoice_issue(*, engagement: Engagement, month: date, today: date, until: date | None = None):
    """Issue the invoice for ``engagement`` and the month containing ``month``, in advance
    for the days it is to serve. Idempotent: an existing (not void) invoice for that month
    is returned unchanged. Returns None when nothing is owed (a free trial, no days)."""
    period = month_start(month)
    # The engagement's row lock serialises every issuer of its invoices. The compound and
    # its street office come along for the event row and ``str(invoice)``.
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("compound__street_office")
        .get(pk=engagement.pk)
    )
    # A statement of its own after the lock (not a subquery of the locking SELECT, whose
    # snapshot predates the wait): it sees an invoice a concurrent issuer just committed.
    existing = (
        engagement.invoices.exclude(status=InvoiceStatus.VOID).filter(period_start=period).first()
    )
    if existing is not None:
        return existing
    invoice = _invoice_build(
        engagement, period, today=today, lines=invoice_lines(engagement, period, until=until)
    )
    if invoice is None:
        return None
    # No savepoint around the insert: under the lock above a second issuer finds this
    # invoice instead of inserting. The unique constraint still refuses a duplicate from
    # a writer that skipped the lock (IntegrityError; the caller's transaction rolls back).
    invoice.save(force_insert=True)
    _issued_event(invoice).save()
    return invoice


def _invoice_build(engagement: Engagement, period: date, *, today: date, lines) -> Invoice | None:
    """The unsaved invoice for ``lines`` (None when nothing is owed): what both ways of
    issuing insert."""
    amount = total(lines)
    if amount <= 0:
        return None
    return Invoice(
        engagement=engagement,
        period_start=period,
        served_from=lines[0].start,
        served_to=lines[-1].end,
        amount=amount,
        lines=[line.as_json() for line in lines],
        issued_on=today,
    )


def _issued_event(invoice: Invoice):
    return event_build(
        actor=None,
        action="invoice.issued",
        target=invoice,
        compound=invoice.engagement.compound,
        after=InvoiceStatus.OPEN,
        data={"amount": str(invoice.amount), "month": invoice.period_start.strftime("%Y-%m")},
    )


# Engagements issued together: one lock query, one INSERT of invoices and one of events
# per batch. Bounds the statements' size and what one failure sends down the slow path.
ISSUE_BATCH_SIZE = 200


def invoices_issue_for_month(*, month: date, today: date, engagements=None) -> dict:
    """Issue the month's invoices of many engagements set-based: per batch, a fixed number
    of statements however many invoices. The same invoices and events as ``invoice_issue``
    on each; ``engagements`` defaults to every live one with a fee still serving by
    ``month`` and not invoiced for it yet.

    Returns the daily rules' summary: ``done`` lists the engagements that have their
    invoice (issued now, or found issued under the lock), ``failed`` those that raised.
    A batch that fails as a whole (a bad row, a duplicate from a writer that skipped the
    lock) is rolled back and issued again one engagement at a time, each in its own
    savepoint, so one bad engagement does not hold up the others."""
    period = month_start(month)
    if engagements is None:
        engagements = issue_candidates(period)
    if isinstance(engagements, QuerySet):
        ids = list(engagements.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({engagement.pk for engagement in engagements})
    done, failed = [], []
    for index in range(0, len(ids), ISSUE_BATCH_SIZE):
        batch = ids[index : index + ISSUE_BATCH_SIZE]
        try:
            with transaction.atomic():
                done += _issue_batch(batch, period=period, today=today)
        except Exception:
            logger.exception("issuing %s invoices in bulk failed; one by one", period)
            summary = each(
                Engagement.objects.filter(pk__in=batch).order_by("pk"),
                lambda engagement: (
                    invoice_issue(engagement=engagement, month=period, today=today) is not None
                ),
            )
            done += summary["done"]
            failed += summary.get("failed", [])
    summary = {"done": done}
    if failed:
        summary["failed"] = failed
    return summary


def issue_candidates(period: date):
    """The engagements ``invoices_issue_for_month`` looks at for ``period`` by default."""
    return (
        Engagement.objects.filter(phase=EngagementPhase.LIVE, fee__gt=0)
        # A live engagement whose planned term ended before this month (kept live while
        # it hands over) owes nothing more: ``invoice_lines`` stops at ``ends_on``. Left
        # in, it was locked and re-priced every day only to return None.
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period))
        .exclude(
            Exists(
                Invoice.objects.filter(engagement=OuterRef("pk"), period_start=period).exclude(
                    status=InvoiceStatus.VOID
                )
            )
        )
        .order_by("pk")
    )


def _issue_batch(ids: list[int], *, period: date, today: date) -> list[int]:
    """``invoice_issue`` for each of ``ids`` in five statements. Returns the engagements
    that have their invoice."""
    # Locked in pk order, as the rule issued them one by one: two runs at once take the
    # locks in the same order and so cannot deadlock; the second waits, then finds the
    # first's invoices below.
    engagements = list(
        Engagement.objects.select_for_update(of=("self",))
        .select_related("compound__street_office")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    # A statement of its own after the locks, as in ``invoice_issue``: it sees invoices
    # a concurrent issuer committed while this one waited.
    issued = set(
        Invoice.objects.filter(engagement_id__in=ids, period_start=period)
        .exclude(status=InvoiceStatus.VOID)
        .values_list("engagement_id", flat=True)
    )
    pending = [engagement for engagement in engagements if engagement.pk not in issued]
    changes = fee_changes_of(pending)
    invoices = []
    for engagement in pending:
        lines = invoice_lines(engagement, period, changes=changes[engagement.pk])
        invoice = _invoice_build(engagement, period, today=today, lines=lines)
        if invoice is not None:
            invoices.append(invoice)
    if invoices:
        Invoice.objects.bulk_create(invoices)
        # The append-only event log allows a plain INSERT of all the rows.
        Event.objects.bulk_create(_issued_event(invoice) for invoice in invoices)
    new = {invoice.engagement_id for invoice in invoices}
    return [engagement.pk for engagement in engagements if engagement.pk in issued | new]


# --- Payment state (webhooks, reconciliation) -----------------------------------------


@transaction.atomic
def invoice_mark_paid(
    *, invoice: Invoice, payment_intent_id: str, amount_fen: int, currency: str, source: str
) -> bool:
    """Stripe says the intent succeeded. Idempotent: an already paid invoice stays as it
    is. Refuses (returns False) an amount or currency that is not this invoice's."""
    locked = _lock(invoice)
    if locked.status == InvoiceStatus.PAID:
        return False
    if amount_fen != locked.amount_fen or currency.lower() != CURRENCY:
        _record(
            locked,
            actor=None,
            action="invoice.payment_mismatch",
            data={"intent": payment_intent_id, "amount_fen": amount_fen, "currency": currency},
        )
        return False
    if locked.status == InvoiceStatus.VOID:
        # Paid at Stripe after it was voided: recorded for a person to refund.
        _record(locked, actor=None, action="invoice.paid_after_void", data={"source": source})
        return False
    before = _move(locked, InvoiceStatus.PAID)
    locked.paid_at = timezone.now()
    locked.payment_intent_id = locked.payment_intent_id or payment_intent_id
    locked.failure_message = ""
    locked.save(update_fields=["status", "paid_at", "payment_intent_id", "failure_message"])
    _record(
        locked,
        actor=None,
        action="invoice.paid",
        before=before,
        after=locked.status,
        data={"intent": payment_intent_id, "source": source},
    )
    _sync(invoice, locked)
    return True


@transaction.atomic
def invoice_record_failure(*, invoice: Invoice, message: str, occurred_at: datetime | None = None):
    """A payment attempt failed: the invoice stays open and shows why. A failure reported
    after the invoice was paid (late or out of order) changes nothing."""
    locked = _lock(invoice)
    occurred_at = occurred_at or timezone.now()
    if locked.status != InvoiceStatus.OPEN:
        return False
    if locked.failed_at and occurred_at < locked.failed_at:
        return False
    locked.failure_message = (message or str(_("The payment failed.")))[:500]
    locked.failed_at = occurred_at
    locked.save(update_fields=["failure_message", "failed_at"])
    _record(locked, actor=None, action="invoice.payment_failed", data={"reason": message})
    _sync(invoice, locked)
    return True


@transaction.atomic
def invoice_record_refund(*, invoice: Invoice, refunded_fen: int) -> bool:
    """Stripe reports the total refunded on the charge. Monotonic, so replays and
    out-of-order deliveries settle on the largest (latest) total."""
    locked = _lock(invoice)
    refunded = min(from_fen(refunded_fen), locked.amount)
    if refunded <= locked.refunded_amount:
        return False
    before = str(locked.refunded_amount)
    locked.refunded_amount = refunded
    locked.save(update_fields=["refunded_amount"])
    _record(locked, actor=None, action="invoice.refunded", before=before, after=str(refunded))
    _sync(invoice, locked)
    return True


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor, reason: str) -> Invoice:
    """Void an open invoice. An intent already created is cancelled at Stripe first; if it
    turns out to have succeeded, the invoice is marked paid instead."""
    locked = _lock(invoice)
    if locked.payment_intent_id:
        client = stripe_client()
        intent = client.v1.payment_intents.retrieve(locked.payment_intent_id)
        if intent["status"] == "succeeded":
            invoice_mark_paid(
                invoice=locked,
                payment_intent_id=intent["id"],
                amount_fen=intent["amount"],
                currency=intent["currency"],
                source="void",
            )
            return _sync(invoice, locked)
        if intent["status"] != "canceled":
            client.v1.payment_intents.cancel(locked.payment_intent_id)
    before = _move(locked, InvoiceStatus.VOID)
    locked.void_reason = reason[:200]
    locked.save(update_fields=["status", "void_reason"])
    _record(locked, actor=actor, action="invoice.voided", before=before, after=locked.status)
    return _sync(invoice, locked)


@transaction.atomic
def invoice_refund_unserved(
    *, invoice: Invoice, last_served_day: date, today: date, actor=None, reason: str = ""
):
    """The engagement ended early (handover, fallback): the days after ``last_served_day``
    were prepaid but not served. A paid invoice is refunded the difference through
    Stripe; an open one is voided and re-issued for the days served. Idempotent: the
    refund target is absolute, so calling it again refunds nothing more."""
    locked = _lock(invoice)
    if locked.status == InvoiceStatus.VOID or last_served_day >= locked.served_to:
        return None
    engagement = locked.engagement
    owed = total(invoice_lines(engagement, locked.period_start, until=last_served_day))
    reason = reason or str(_("Engagement ended early; days not served are refunded."))
    if locked.status == InvoiceStatus.OPEN:
        invoice_void(invoice=locked, actor=actor, reason=reason)
        if locked.status == InvoiceStatus.VOID:
            return invoice_issue(
                engagement=engagement, month=locked.period_start, today=today, until=last_served_day
            )
        # It turned out to be paid: fall through to the refund.
    target = locked.amount - owed
    delta = target - locked.refunded_amount
    if delta <= 0:
        return None
    refund = stripe_client().v1.refunds.create(
        params={
            "payment_intent": locked.payment_intent_id,
            "amount": to_fen(delta),
            "metadata": {"invoice_id": str(locked.pk)},
        },
        # Absolute target in the key: a retry of the same refund is the same refund.
        options={"idempotency_key": f"invoice-{locked.pk}-refund-to-{to_fen(target)}"},
    )
    row = InvoiceRefund.objects.create(
        invoice=locked, amount=delta, reason=reason[:200], stripe_refund_id=refund["id"]
    )
    before = str(locked.refunded_amount)
    locked.refunded_amount = target
    locked.save(update_fields=["refunded_amount"])
    _record(
        locked,
        actor=actor,
        action="invoice.refunded",
        before=before,
        after=str(target),
        data={"refund": refund["id"], "last_served_day": last_served_day.isoformat()},
    )
    _sync(invoice, locked)
    return row


# --- Paying (the treasurer's page) ----------------------------------------------------


def _customer_for(committee) -> str:
    row = StripeCustomer.objects.filter(committee=committee).first()
    if row is not None:
        return row.customer_id
    customer = stripe_client().v1.customers.create(
        params={"description": str(committee), "metadata": {"committee_id": str(committee.pk)}},
        options={"idempotency_key": f"committee-{committee.pk}-customer"},
    )
    try:
        with transaction.atomic():
            StripeCustomer.objects.create(committee=committee, customer_id=customer["id"])
    except IntegrityError:
        return StripeCustomer.objects.get(committee=committee).customer_id
    return customer["id"]


def _payer_committee(invoice: Invoice):
    committee = invoice.engagement.compound.committees.filter(dissolved_on__isnull=True).first()
    if committee is None:
        raise ValidationError(NOT_OPEN, code="no_committee")
    return committee


@transaction.atomic
def invoice_payment_intent(*, invoice: Invoice, actor):
    """The PaymentIntent the treasurer pays: created once per invoice (idempotency key per
    invoice, and its id kept on the row under lock), so a double click or a retry never
    makes a second intent — or a second charge."""
    require(can_pay_invoice(actor, invoice.engagement.compound))
    locked = _lock(invoice)
    if locked.status != InvoiceStatus.OPEN:
        raise ValidationError(NOT_OPEN, code="not_open")
    client = stripe_client()
    try:
        if locked.payment_intent_id:
            return client.v1.payment_intents.retrieve(locked.payment_intent_id)
        intent = client.v1.payment_intents.create(
            params={
                "amount": locked.amount_fen,
                "currency": CURRENCY,
                "customer": _customer_for(_payer_committee(locked)),
                "payment_method_types": ["card"],
                "metadata": {
                    "invoice_id": str(locked.pk),
                    "engagement_id": str(locked.engagement_id),
                    "month": locked.period_start.strftime("%Y-%m"),
                },
            },
            options={"idempotency_key": f"invoice-{locked.pk}-payment-intent"},
        )
    except stripe.StripeError as error:
        raise ValidationError(STRIPE_UNAVAILABLE, code="stripe") from error
    locked.payment_intent_id = intent["id"]
    locked.save(update_fields=["payment_intent_id"])
    _record(locked, actor=actor, action="invoice.payment_started", data={"intent": intent["id"]})
    _sync(invoice, locked)
    return intent


def invoice_payment_confirm(*, invoice: Invoice, actor, card_token: str):
    """Attach the card Stripe.js tokenised in the browser to the invoice's intent and
    confirm it. The invoice is *not* marked paid here: that waits for Stripe's signed
    ``payment_intent.succeeded`` webhook. A decline is recorded and raised."""
    if not card_token or not card_token.startswith("tok_"):
        raise ValidationError(NO_CARD, code="no_card")
    intent = invoice_payment_intent(invoice=invoice, actor=actor)
    if intent["status"] in ("succeeded", "processing"):
        return intent
    client = stripe_client()
    try:
        card = client.v1.customers.payment_sources.create(
            intent["customer"], params={"source": card_token}
        )
        client.v1.payment_intents.update(intent["id"], params={"payment_method": card["id"]})
        return client.v1.payment_intents.confirm(intent["id"])
    except stripe.CardError as error:
        reason = error.user_message or str(_("The card was declined."))
        invoice_record_failure(invoice=invoice, message=reason)
        raise ValidationError(CARD_DECLINED % {"reason": reason}, code="declined") from error
    except stripe.StripeError as error:
        raise ValidationError(STRIPE_UNAVAILABLE, code="stripe") from error
