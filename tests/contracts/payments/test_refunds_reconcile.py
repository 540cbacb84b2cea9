"""Refunds of prepaid, unserved days, voiding, and reconciliation with Stripe — against
localstripe (webhooks delivered nowhere here: the lost-webhook case)."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from contracts.daily import daily_run
from contracts.models import Engagement, EngagementPhase
from contracts.payments.gateway import stripe_client
from contracts.payments.models import Invoice, InvoiceRefund, InvoiceStatus
from contracts.payments.services import (
    invoice_mark_paid,
    invoice_payment_confirm,
    invoice_refund_unserved,
    invoice_void,
)
from market.exceptions import InvalidTransition

VISA = "4242424242424242"


def pay_at_stripe(localstripe, invoice, treasurer):
    intent = invoice_payment_confirm(
        invoice=invoice, actor=treasurer, card_token=localstripe.card_token(VISA)
    )
    assert intent["status"] == "succeeded"
    invoice.refresh_from_db()
    return intent


def end_engagement(engagement, last_day):
    Engagement.objects.filter(pk=engagement.pk).update(
        phase=EngagementPhase.ENDED, ended_on=last_day
    )


def test_reconcile_marks_paid_what_stripe_has_paid(localstripe, invoice, treasurer):
    pay_at_stripe(localstripe, invoice, treasurer)
    assert invoice.status == InvoiceStatus.OPEN  # the webhook was lost

    out = StringIO()
    call_command("reconcile_payments", "--dry-run", stdout=out)
    assert "paid at Stripe, open here" in out.getvalue()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN

    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert "fixed" in out.getvalue()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert "no differences" in out.getvalue()


def test_reconcile_reports_paid_here_but_not_at_stripe(localstripe, invoice, treasurer):
    from contracts.payments.services import invoice_payment_intent

    intent = invoice_payment_intent(invoice=invoice, actor=treasurer)
    Invoice.objects.filter(pk=invoice.pk).update(
        status=InvoiceStatus.PAID, paid_at="2026-03-02T00:00Z"
    )
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert f"intent {intent['id']} is requires_payment_method" in out.getvalue()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


def test_early_end_refunds_the_unserved_days_once(localstripe, invoice, treasurer):
    intent = pay_at_stripe(localstripe, invoice, treasurer)
    invoice_mark_paid(
        invoice=invoice,
        payment_intent_id=intent["id"],
        amount_fen=intent["amount"],
        currency="cny",
        source="test",
    )
    end_engagement(invoice.engagement, date(2026, 3, 10))
    daily_run(today=date(2026, 3, 11))
    daily_run(today=date(2026, 3, 12))
    invoice.refresh_from_db()
    # 21 of 31 days unserved: 15000 × 21 / 31.
    expected = (Decimal("15000") * 21 / 31).quantize(Decimal("0.01"))
    assert invoice.refunded_amount == expected
    refund = InvoiceRefund.objects.get()
    assert refund.amount == expected
    at_stripe = stripe_client().v1.refunds.list(params={"payment_intent": intent["id"]}).data
    assert [r["amount"] for r in at_stripe] == [int(expected * 100)]
    # Called again directly (as the handover work might): nothing more is refunded.
    assert (
        invoice_refund_unserved(
            invoice=invoice, last_served_day=date(2026, 3, 10), today=date(2026, 3, 13)
        )
        is None
    )
    assert len(stripe_client().v1.refunds.list().data) == 1


def test_early_end_of_an_open_invoice_reissues_it_for_the_days_served(
    localstripe, invoice, treasurer
):
    end_engagement(invoice.engagement, date(2026, 3, 10))
    daily_run(today=date(2026, 3, 11))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    replacement = Invoice.objects.exclude(pk=invoice.pk).get()
    assert replacement.status == InvoiceStatus.OPEN
    assert (replacement.served_from, replacement.served_to) == (date(2026, 3, 1), date(2026, 3, 10))
    assert replacement.amount == (Decimal("15000") * 10 / 31).quantize(Decimal("0.01"))


def test_void_cancels_the_intent_and_a_paid_invoice_cannot_be_voided(
    localstripe, invoice, treasurer, committee_member
):
    from contracts.payments.services import invoice_payment_intent

    intent = invoice_payment_intent(invoice=invoice, actor=treasurer)
    invoice_void(invoice=invoice, actor=committee_member, reason="重复开具")
    assert invoice.status == InvoiceStatus.VOID
    assert stripe_client().v1.payment_intents.retrieve(intent["id"])["status"] == "canceled"
    with pytest.raises(InvalidTransition):
        invoice_void(invoice=invoice, actor=committee_member, reason="again")
