"""Signals the market sends so that apps above it (cms) can follow without market
importing them. Receivers only call a service of their own app."""

from django.dispatch import Signal

# A firm's vetting status or listing (blacklist) changed. kwargs: firm
firm_status_changed = Signal()
# A firm's active staff changed. kwargs: firm
firm_members_changed = Signal()
# The demo district's register is in place (seed_demo). kwargs: district, firms (key → Firm),
# created (a Counter the receivers add what they created to)
demo_district_seeded = Signal()
