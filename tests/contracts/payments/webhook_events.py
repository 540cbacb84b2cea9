"""Build and sign Stripe events the way Stripe (and localstripe) does: HMAC-SHA256 over
``"<timestamp>.<body>"`` with the endpoint secret, sent in ``Stripe-Signature``."""

import hashlib
import hmac
import itertools
import json
import time

from django.urls import reverse

from tests.stripe_fixtures import WEBHOOK_SECRET

_ids = itertools.count(1)


def event(event_type: str, obj: dict, *, event_id: str | None = None, created=None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_ids):06d}",
        "object": "event",
        "type": event_type,
        "created": created or int(time.time()),
        "data": {"object": obj},
    }


def intent_event(event_type: str, invoice, *, intent_id=None, amount=None, error=None, **kw):
    obj = {
        "id": intent_id or invoice.payment_intent_id,
        "object": "payment_intent",
        "amount": invoice.amount_fen if amount is None else amount,
        "currency": "cny",
        "metadata": {"invoice_id": str(invoice.pk)},
        "last_payment_error": {"message": error} if error else None,
    }
    return event(event_type, obj, **kw)


def signature(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp=None) -> str:
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post_event(client, payload: dict, *, secret: str = WEBHOOK_SECRET, body: bytes | None = None):
    raw = json.dumps(payload).encode()
    return client.post(
        reverse("stripe_webhook"),
        data=body if body is not None else raw,
        content_type="application/json",
        headers={"Stripe-Signature": signature(raw, secret=secret)},
    )
