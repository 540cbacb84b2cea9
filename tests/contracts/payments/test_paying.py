"""Paying an invoice against localstripe: the treasurer's page, Stripe.js's card token,
the PaymentIntent (one per invoice) and the signed webhook that marks it paid."""

import time

import pytest
from django.urls import reverse

from contracts.payments.gateway import stripe_client
from contracts.payments.models import Invoice, InvoiceStatus, StripeEvent

VISA = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def pay_url(invoice):
    return reverse("invoice_pay", args=[invoice.pk])


def confirm_url(invoice):
    return reverse("invoice_pay_confirm", args=[invoice.pk])


def status_of(invoice) -> str:
    return Invoice.objects.get(pk=invoice.pk).status


def test_card_payment_is_paid_only_after_the_signed_webhook(
    stripe_webhooks, client, treasurer, invoice
):
    client.force_login(treasurer)
    page = client.get(pay_url(invoice))
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("15000.00", invoice.engagement.firm.name, "2026-03-01", "2026-03-31", "支付"):
        assert shown in text
    assert "/js.stripe.com/v3/" in text

    token = stripe_webhooks.card_token(VISA)
    response = client.post(confirm_url(invoice), {"token": token})
    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    # Stripe has charged the card, but until its signed webhook arrives we do not know it.
    assert status_of(invoice) == InvoiceStatus.OPEN

    assert wait_for(lambda: status_of(invoice) == InvoiceStatus.PAID)
    event = StripeEvent.objects.get(type="payment_intent.succeeded")
    assert event.outcome == "paid"
    assert event.invoice_id == invoice.pk
    assert client.get(reverse("invoice_status", args=[invoice.pk])).json()["status"] == "paid"


def test_declined_card_leaves_the_invoice_open_with_the_reason(
    stripe_webhooks, client, treasurer, invoice
):
    client.force_login(treasurer)
    client.get(pay_url(invoice))
    response = client.post(
        confirm_url(invoice), {"token": stripe_webhooks.card_token(DECLINED_ON_CHARGE)}
    )
    assert response.status_code == 400
    assert "Your card was declined." in response.json()["error"]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.failure_message == "Your card was declined."
    # The failure webhook arrives too, and changes nothing more.
    assert wait_for(
        lambda: StripeEvent.objects.filter(type="payment_intent.payment_failed").exists()
    )
    assert status_of(invoice) == InvoiceStatus.OPEN
    page = client.get(pay_url(invoice)).content.decode()
    assert "Your card was declined." in page


def test_double_click_and_retry_make_one_intent_and_one_charge(
    localstripe, client, treasurer, invoice
):
    client.force_login(treasurer)
    client.get(pay_url(invoice))
    client.get(pay_url(invoice))
    invoice.refresh_from_db()
    intent_id = invoice.payment_intent_id
    assert intent_id.startswith("pi_")
    first = client.post(confirm_url(invoice), {"token": localstripe.card_token(VISA)})
    second = client.post(confirm_url(invoice), {"token": localstripe.card_token(VISA)})
    assert first.json()["status"] == second.json()["status"] == "succeeded"
    # Until the webhook arrives the page waits instead of offering the card form again.
    assert 'data-pending="1"' in client.get(pay_url(invoice)).content.decode()
    invoice.refresh_from_db()
    assert invoice.payment_intent_id == intent_id
    stripe = stripe_client()
    assert [i["id"] for i in stripe.v1.payment_intents.list().data] == [intent_id]
    assert len(stripe.v1.charges.list().data) == 1


@pytest.mark.parametrize("token", ["", "card_123", "tok_does_not_exist"])
def test_bad_card_token_is_refused_and_nothing_is_charged(
    localstripe, client, treasurer, invoice, token
):
    client.force_login(treasurer)
    response = client.post(confirm_url(invoice), {"token": token})
    assert response.status_code == 400
    assert response.json()["error"]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert not stripe_client().v1.charges.list().data


def test_stripe_unreachable_shows_an_error_and_changes_nothing(
    localstripe, settings, client, treasurer, invoice
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    client.force_login(treasurer)
    response = client.get(pay_url(invoice))
    assert response.status_code == 503
    assert "支付服务" in response.content.decode() or "payment service" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.payment_intent_id is None


def test_paid_invoice_is_not_paid_again(localstripe, client, treasurer, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(
        status=InvoiceStatus.PAID, paid_at="2026-03-02T00:00Z"
    )
    client.force_login(treasurer)
    page = client.get(pay_url(invoice))
    assert page.status_code == 200
    assert "card-element" not in page.content.decode()
    response = client.post(confirm_url(invoice), {"token": localstripe.card_token(VISA)})
    assert response.status_code == 400
    assert not stripe_client().v1.payment_intents.list().data


@pytest.mark.parametrize(
    "who",
    [
        "committee_member",
        "firm_admin",
        "own_firm_staff",
        "firm_staff",
        "other_official",
        "official",
    ],
)
def test_only_the_treasurer_may_pay(localstripe, client, invoice, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(pay_url(invoice)).status_code == 403
    assert client.post(confirm_url(invoice), {"token": "tok_x"}).status_code == 403
    assert client.get(reverse("invoice_status", args=[invoice.pk])).status_code == 403
    invoice.refresh_from_db()
    assert invoice.payment_intent_id is None


def test_the_public_is_sent_to_log_in(client, invoice):
    response = client.get(pay_url(invoice))
    assert response.status_code == 302
    assert client.post(confirm_url(invoice), {"token": "tok_x"}).status_code == 302


def test_pay_page_is_get_only_and_confirm_post_only(localstripe, client, treasurer, invoice):
    client.force_login(treasurer)
    assert client.post(pay_url(invoice)).status_code == 405
    assert client.get(confirm_url(invoice)).status_code == 405
