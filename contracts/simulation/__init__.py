"""A synthetic district run day by day through the real services, checking the coverage
invariant (DOMAIN "Fallback (国企兜底) and handover") every simulated day. Used by
``manage.py simulate_district`` and the tests; see ``driver.simulate``."""

from .driver import Report, simulate

__all__ = ["Report", "simulate"]
