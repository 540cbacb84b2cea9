"""Trials, owners' votes, contracts, fallback, invoices and payments (later issues)."""
