"""The webhook: signed events processed exactly once, in any order (DOMAIN "Payments")."""

import json
import random
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.payments.models import Invoice, InvoiceStatus, StripeEvent
from contracts.payments.services import invoice_issue
from market.models import Event

from .conftest import MONTH, make_engagement
from .webhook_events import event, intent_event, post_event

pytestmark = pytest.mark.usefixtures("stripe_settings")


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_wuye_test_secret"


def with_intent(invoice, intent_id: str):
    Invoice.objects.filter(pk=invoice.pk).update(payment_intent_id=intent_id)
    invoice.refresh_from_db()
    return invoice


def test_succeeded_event_marks_the_invoice_paid(client, invoice):
    with_intent(invoice, "pi_paid_1")
    response = post_event(client, intent_event("payment_intent.succeeded", invoice))
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_at is not None
    assert Event.objects.filter(action="invoice.paid").count() == 1


def test_failed_event_keeps_it_open_with_the_reason(client, invoice):
    with_intent(invoice, "pi_fail_1")
    post_event(
        client,
        intent_event("payment_intent.payment_failed", invoice, error="Your card was declined."),
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.failure_message == "Your card was declined."


def test_failure_arriving_after_success_does_not_reopen(client, invoice):
    with_intent(invoice, "pi_late_1")
    failed = intent_event("payment_intent.payment_failed", invoice, error="declined", created=100)
    post_event(client, intent_event("payment_intent.succeeded", invoice))
    post_event(client, failed)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.failure_message == ""


def test_a_redelivered_event_is_applied_once(client, invoice):
    with_intent(invoice, "pi_dup_1")
    payload = intent_event("payment_intent.succeeded", invoice)
    outcomes = [post_event(client, payload).json()["outcome"] for _ in range(3)]
    assert outcomes == ["paid", "duplicate", "duplicate"]
    assert StripeEvent.objects.filter(event_id=payload["id"]).count() == 1
    assert Event.objects.filter(action="invoice.paid").count() == 1


def test_amount_that_is_not_the_invoices_does_not_pay_it(client, invoice):
    with_intent(invoice, "pi_wrong_1")
    post_event(client, intent_event("payment_intent.succeeded", invoice, amount=100))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert Event.objects.filter(action="invoice.payment_mismatch").exists()


def test_unknown_event_types_are_acknowledged_and_ignored(client, invoice):
    response = post_event(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_event_for_an_unknown_intent_is_recorded_and_changes_nothing(client, invoice):
    payload = event(
        "payment_intent.succeeded",
        {"id": "pi_other", "amount": 1, "currency": "cny", "metadata": {}},
    )
    assert post_event(client, payload).json()["outcome"] == "unknown_invoice"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


@pytest.mark.parametrize("tamper", ["body", "secret", "missing", "garbage"])
def test_bad_signature_is_refused_and_changes_nothing(client, invoice, tamper):
    with_intent(invoice, "pi_bad_1")
    payload = intent_event("payment_intent.succeeded", invoice)
    if tamper == "body":
        altered = json.dumps({**payload, "type": "payment_intent.succeeded", "x": 1}).encode()
        response = post_event(client, payload, body=altered)
    elif tamper == "secret":
        response = post_event(client, payload, secret="whsec_someone_else")
    elif tamper == "missing":
        response = client.post(
            reverse("stripe_webhook"), data=json.dumps(payload), content_type="application/json"
        )
    else:
        response = client.post(
            reverse("stripe_webhook"),
            data=b"not json",
            content_type="application/json",
            headers={"Stripe-Signature": "t=1,v1=00"},
        )
    assert response.status_code == 400
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert not StripeEvent.objects.exists()


def test_webhook_is_post_only(client):
    assert client.get(reverse("stripe_webhook")).status_code == 405


def test_webhook_needs_no_csrf_token(invoice):
    from django.test import Client

    with_intent(invoice, "pi_csrf_1")
    strict = Client(enforce_csrf_checks=True)
    assert post_event(strict, intent_event("payment_intent.succeeded", invoice)).status_code == 200


def test_refund_events_record_the_largest_total(client, invoice):
    with_intent(invoice, "pi_refund_1")
    post_event(client, intent_event("payment_intent.succeeded", invoice))

    def refunded(fen):
        return event(
            "charge.refunded",
            {"id": "ch_1", "payment_intent": "pi_refund_1", "amount_refunded": fen},
        )

    for fen in (50000, 120000, 50000):  # the second total arrives before a late first
        post_event(client, refunded(fen))
    invoice.refresh_from_db()
    assert invoice.refunded_amount == Decimal("1200.00")
    assert invoice.status == InvoiceStatus.PAID


def make_invoices(compound, firm, count):
    from tests.factories import CompoundFactory

    invoices = []
    for n in range(count):
        target = compound if n == 0 else CompoundFactory(street_office=compound.street_office)
        engagement = make_engagement(target, firm, area=Decimal(1000 + n))
        invoice = invoice_issue(engagement=engagement, month=MONTH, today=MONTH)
        invoices.append(with_intent(invoice, f"pi_many_{n}"))
    return invoices


def test_each_event_three_times_shuffled_leaves_exactly_the_right_invoices_paid(
    client, compound, firm
):
    invoices = make_invoices(compound, firm, 6)
    paid = invoices[:3]
    events = [intent_event("payment_intent.succeeded", i) for i in paid]
    events += [intent_event("payment_intent.payment_failed", i, error="declined") for i in invoices]
    deliveries = events * 3
    random.Random(7).shuffle(deliveries)
    for payload in deliveries:
        assert post_event(client, payload).status_code == 200
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert {pk for pk, s in statuses.items() if s == InvoiceStatus.PAID} == {i.pk for i in paid}
    assert StripeEvent.objects.count() == len(events)
    assert Event.objects.filter(action="invoice.paid").count() == 3


def test_a_thousand_event_replay_leaves_the_ledger_exact(client, compound, firm):
    invoices = make_invoices(compound, firm, 20)
    rng = random.Random(2026)
    expected_paid = {i.pk for i in invoices if rng.random() < 0.6}
    events = []
    for invoice in invoices:
        for _ in range(4):
            events.append(intent_event("payment_intent.payment_failed", invoice, error="no funds"))
        if invoice.pk in expected_paid:
            events.append(intent_event("payment_intent.succeeded", invoice))
    while len(events) < 400:
        events.append(event("customer.updated", {"id": "cus_x", "object": "customer"}))
    deliveries = events + rng.choices(events, k=600)
    rng.shuffle(deliveries)
    assert len(deliveries) == 1000
    for payload in deliveries:
        assert post_event(client, payload).status_code == 200
    paid = set(Invoice.objects.filter(status=InvoiceStatus.PAID).values_list("pk", flat=True))
    assert paid == expected_paid
    assert StripeEvent.objects.count() == len(events)
    assert Event.objects.filter(action="invoice.paid").count() == len(expected_paid)
    paid_total = sum(i.amount for i in Invoice.objects.filter(status=InvoiceStatus.PAID))
    assert paid_total == sum(i.amount for i in invoices if i.pk in expected_paid)
