"""Under concurrency on PostgreSQL: many clicks at once make one PaymentIntent; the same
event delivered in parallel is applied once."""

import threading

import pytest
from django.db import connection, connections

from contracts.payments.gateway import stripe_client
from contracts.payments.models import InvoiceStatus, StripeEvent
from contracts.payments.services import invoice_payment_intent
from contracts.payments.webhooks import stripe_event_process
from market.models import Event

from .webhook_events import intent_event

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under concurrency: PostgreSQL only"
    ),
]
THREADS = 8


def _race(work, count=THREADS):
    barrier = threading.Barrier(count)
    outcomes = []

    def run(index):
        try:
            barrier.wait()
            outcomes.append(work(index))
        except Exception as error:  # noqa: BLE001  (reported by the assertion)
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_clicks_make_one_intent(localstripe, invoice, treasurer):
    outcomes = _race(lambda i: invoice_payment_intent(invoice=invoice, actor=treasurer)["id"])
    assert len(set(outcomes)) == 1, outcomes
    invoice.refresh_from_db()
    assert outcomes[0] == invoice.payment_intent_id
    assert len(stripe_client().v1.payment_intents.list().data) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_event_in_parallel_is_applied_once(invoice):
    from contracts.payments.models import Invoice

    Invoice.objects.filter(pk=invoice.pk).update(payment_intent_id="pi_parallel")
    invoice.refresh_from_db()
    payload = intent_event("payment_intent.succeeded", invoice)
    outcomes = _race(lambda i: stripe_event_process(event=payload))
    assert sorted(outcomes) == ["duplicate"] * (THREADS - 1) + ["paid"], outcomes
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert StripeEvent.objects.count() == 1
    assert Event.objects.filter(action="invoice.paid").count() == 1
