"""Stripe webhook events, processed exactly once (DOMAIN "Payments").

The event id is recorded in the same transaction as its effect; the unique constraint on
it turns a redelivery into a no-op, and a failure rolls both back so Stripe retries.
Effects go through the invoice services, which are themselves idempotent and ignore
stale news (a failure reported after the invoice was paid reopens nothing)."""

import logging
from datetime import UTC, datetime

from django.db import IntegrityError, transaction

from .models import Invoice, StripeEvent
from .services import invoice_mark_paid, invoice_record_failure, invoice_record_refund

logger = logging.getLogger(__name__)

HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")


def _invoice_for(intent_id: str | None, metadata) -> Invoice | None:
    if intent_id:
        invoice = Invoice.objects.filter(payment_intent_id=intent_id).first()
        if invoice is not None:
            return invoice
    invoice_id = (metadata or {}).get("invoice_id")
    if invoice_id and str(invoice_id).isdigit():
        return Invoice.objects.filter(pk=int(invoice_id)).first()
    return None


def _apply(event_type: str, obj, created: datetime) -> tuple[Invoice | None, str]:
    if event_type == "charge.refunded":
        invoice = _invoice_for(obj.get("payment_intent"), obj.get("metadata"))
        if invoice is None:
            return None, "unknown_invoice"
        changed = invoice_record_refund(invoice=invoice, refunded_fen=obj["amount_refunded"])
        return invoice, "refund_recorded" if changed else "refund_unchanged"
    invoice = _invoice_for(obj.get("id"), obj.get("metadata"))
    if invoice is None:
        return None, "unknown_invoice"
    if event_type == "payment_intent.succeeded":
        changed = invoice_mark_paid(
            invoice=invoice,
            payment_intent_id=obj["id"],
            amount_fen=int(obj["amount"]),
            currency=obj["currency"],
            source="webhook",
        )
        return invoice, "paid" if changed else "already_settled"
    error = obj.get("last_payment_error") or {}
    changed = invoice_record_failure(
        invoice=invoice, message=error.get("message") or "", occurred_at=created
    )
    return invoice, "failure_recorded" if changed else "stale_failure"


def stripe_event_process(*, event) -> str:
    """Apply one verified event. Returns what happened (for logs and tests)."""
    if not isinstance(event, dict):
        event = event.to_dict()  # a verified stripe.Event → plain dicts throughout
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(event_id=event["id"], type=event["type"])
        except IntegrityError:
            return "duplicate"
        if event["type"] not in HANDLED:
            outcome, invoice = "ignored", None
        else:
            created = datetime.fromtimestamp(int(event["created"]), tz=UTC)
            invoice, outcome = _apply(event["type"], event["data"]["object"], created)
        record.invoice = invoice
        record.outcome = outcome
        record.save(update_fields=["invoice", "outcome"])
    logger.info("stripe event %s %s: %s", event["id"], event["type"], outcome)
    return outcome
