"""The ratings app's daily rules, registered from ``RatingsConfig.ready``."""

from datetime import date, datetime, time

from django.utils import timezone

from contracts.daily import each
from market.daily import daily_rule

from .services.evaluations import evaluations_run
from .services.requests import overdue_requests, request_escalate


@daily_rule("ratings.escalate_overdue_requests", order=70)
def escalate_overdue_requests(today: date) -> dict:
    """吹哨报到: requests unanswered past their deadline as of the end of ``today``'s
    previous day and now. ``request_escalate`` is idempotent, so an hourly run of
    ``requests_escalate_now`` is safe as well."""
    now = min(timezone.now(), timezone.make_aware(datetime.combine(today, time.min)))
    return requests_escalate_now(now=now)


def requests_escalate_now(*, now: datetime) -> dict:
    return each(overdue_requests(now=now), lambda r: request_escalate(request=r, now=now))


@daily_rule("ratings.quarterly_evaluation", order=80)
def quarterly_evaluation(today: date) -> dict:
    """At each quarter's end (on the new quarter's first run): evaluate the quarter."""
    return evaluations_run(today=today)
