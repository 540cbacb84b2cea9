"""Ratings, service requests, the three rates, evaluations and fee adjustments (later issues)."""
