"""The ratings app's daily rules, registered from ``RatingsConfig.ready``."""

from datetime import date, datetime, time

from django.utils import timezone

from contracts.daily import each
from market.daily import daily_rule

from .services.evaluations import engagements_to_evaluate, evaluations_run, previous_quarter
from .services.requests import overdue_requests, request_escalate


def _escalation_moment(today: date) -> datetime:
    """The end of ``today``'s previous day, or now if that is earlier."""
    return min(timezone.now(), timezone.make_aware(datetime.combine(today, time.min)))


def _requests_to_escalate(today: date):
    return overdue_requests(now=_escalation_moment(today))


@daily_rule("ratings.escalate_overdue_requests", order=70, candidates=_requests_to_escalate)
def escalate_overdue_requests(today: date) -> dict:
    """吹哨报到: requests unanswered past their deadline as of the end of ``today``'s
    previous day and now. ``request_escalate`` is idempotent, so an hourly run of
    ``requests_escalate_now`` is safe as well."""
    return requests_escalate_now(now=_escalation_moment(today))


def requests_escalate_now(*, now: datetime) -> dict:
    return each(overdue_requests(now=now), lambda r: request_escalate(request=r, now=now))


def _engagements_of_the_last_quarter(today: date):
    start, end = previous_quarter(today)
    return engagements_to_evaluate(start=start, end=end)


@daily_rule("ratings.quarterly_evaluation", order=80, candidates=_engagements_of_the_last_quarter)
def quarterly_evaluation(today: date) -> dict:
    """At each quarter's end (on the new quarter's first run): evaluate the quarter."""
    return evaluations_run(today=today)
