"""The registry of time-driven rules: one daily entry point for every app.

Apps register their rules from ``AppConfig.ready``::

    @daily_rule("contracts.start_trials", order=30)
    def start_trials(today: date) -> dict: ...

Each rule takes the day it runs for (so tests drive time), must be idempotent on its own,
and returns a small JSON-able summary. A rule that works through a list of rows names
the query for them as ``candidates(today)`` (a queryset) and uses it itself: when it is
empty the runner records the rule as having found nothing, without opening a transaction
for it (most rules find nothing on most days). The runner, which records each (rule, day) so that
running a day twice changes nothing, is ``contracts.daily.daily_run`` (its record lives
in the contracts app; market needs no migration for it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

RuleFunction = Callable[[date], dict | None]
CandidatesFunction = Callable[[date], QuerySet]


@dataclass(frozen=True)
class DailyRule:
    name: str
    order: int
    function: RuleFunction
    # The rows the rule would act on today; None: the rule always runs.
    candidates: CandidatesFunction | None = None


_RULES: dict[str, DailyRule] = {}


def daily_rule(
    name: str, *, order: int = 100, candidates: CandidatesFunction | None = None
) -> Callable[[RuleFunction], RuleFunction]:
    """Register ``function`` as the daily rule ``name``; lower ``order`` runs first.
    ``candidates(today)``: the queryset the rule works through, if it has one."""

    def register(function: RuleFunction) -> RuleFunction:
        existing = _RULES.get(name)
        if existing is not None and existing.function is not function:
            qualname = f"{function.__module__}.{function.__qualname__}"
            if qualname != f"{existing.function.__module__}.{existing.function.__qualname__}":
                raise ValueError(f"daily rule {name!r} is already registered")
        _RULES[name] = DailyRule(name=name, order=order, function=function, candidates=candidates)
        return function

    return register


def daily_rules() -> list[DailyRule]:
    """Every registered rule, in the order they run."""
    return sorted(_RULES.values(), key=lambda rule: (rule.order, rule.name))
