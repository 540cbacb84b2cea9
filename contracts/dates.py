"""Terms counted in months and years."""

from datetime import date, timedelta

from market.dates import add_months


def term_last_day(starts_on: date, *, months: int) -> date:
    """The last day of a term of ``months`` that begins on ``starts_on`` (inclusive)."""
    return add_months(starts_on, months) - timedelta(days=1)
