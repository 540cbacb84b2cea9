"""The one place that talks to Stripe. Keys and the API address come from settings
(environment: STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET,
STRIPE_API_BASE — the last only for tests against localstripe)."""

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CURRENCY = "cny"


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    # Retries reuse the idempotency key, so a retried create never makes a second intent.
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2
    )


def webhook_event(payload: bytes, signature: str) -> stripe.Event:
    """Verify the Stripe-Signature header (HMAC with the endpoint secret, timestamp
    tolerance) and parse the event. Raises ValueError or SignatureVerificationError."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET is not set")
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
