"""Payments (DOMAIN "Payments", issue #7): monthly invoices per engagement, card payment
through Stripe, payment state from Stripe's signed webhooks, reconciliation and
statements. Its own app (label ``payments``) with its own migrations."""
