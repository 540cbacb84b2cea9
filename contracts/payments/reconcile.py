"""Reconciliation (issue #7): compare open and paid invoices with Stripe's PaymentIntents,
for when a webhook was lost. The one safe fix is applied through the same service the
webhook uses — paid at Stripe but open here → mark paid. Everything else is reported for
a person to look at."""

from dataclasses import dataclass, field

import stripe

from .gateway import stripe_client
from .models import Invoice, InvoiceStatus
from .services import invoice_mark_paid


@dataclass
class Report:
    checked: int = 0
    fixed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def reconcile_payments(*, fix: bool = True) -> Report:
    report = Report()
    client = stripe_client()
    invoices = Invoice.objects.filter(
        status__in=[InvoiceStatus.OPEN, InvoiceStatus.PAID], payment_intent_id__isnull=False
    ).order_by("pk")
    known = set()
    for invoice in invoices.iterator():
        report.checked += 1
        known.add(invoice.payment_intent_id)
        try:
            intent = client.v1.payment_intents.retrieve(invoice.payment_intent_id)
        except stripe.InvalidRequestError:
            report.problems.append(f"{invoice.number}: intent {invoice.payment_intent_id} unknown")
            continue
        succeeded = intent["status"] == "succeeded"
        if invoice.status == InvoiceStatus.OPEN and succeeded:
            if fix and invoice_mark_paid(
                invoice=invoice,
                payment_intent_id=intent["id"],
                amount_fen=int(intent["amount"]),
                currency=intent["currency"],
                source="reconciliation",
            ):
                report.fixed.append(f"{invoice.number}: paid at Stripe, marked paid")
            else:
                report.problems.append(f"{invoice.number}: paid at Stripe, open here")
        elif invoice.status == InvoiceStatus.PAID and not succeeded:
            report.problems.append(
                f"{invoice.number}: paid here, intent {intent['id']} is {intent['status']}"
            )
    # Intents created for an invoice that does not point at them (e.g. a lost save).
    for intent in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
        invoice_id = (intent.to_dict().get("metadata") or {}).get("invoice_id")
        if invoice_id and intent["id"] not in known and intent["status"] == "succeeded":
            invoice = Invoice.objects.filter(pk=invoice_id).first()
            if invoice is not None and invoice.payment_intent_id != intent["id"]:
                report.problems.append(
                    f"{invoice.number}: succeeded intent {intent['id']} not recorded"
                )
    return report
