"""The daily entry point: run every registered rule (``market.daily``) for one day.

Each (rule, day) is recorded in ``DailyRun`` in the same transaction as the rule's work,
so a day runs once: a second run — or a second worker at the same moment, which waits on
the row — changes nothing. A rule whose candidates are empty is recorded without a
transaction of its own, together with the others found idle. Rules are idempotent on
their own as well, and one item's failure is logged and reported without stopping the
others.
"""

import logging
from datetime import date

from django.db import IntegrityError, transaction

from market.daily import daily_rules

from .models import DailyRun

logger = logging.getLogger(__name__)


class _AlreadyRan(Exception):
    """The (rule, day) record exists: that day's run of the rule is done."""


def daily_run(*, today: date) -> dict[str, dict | None]:
    """Run every rule for ``today``. Returns each rule's summary; None for rules that had
    already run that day."""
    results: dict[str, dict | None] = {}
    recorded = set(DailyRun.objects.filter(day=today).values_list("rule", flat=True))
    idle: list[str] = []
    try:
        for rule in daily_rules():
            if rule.name in recorded:
                results[rule.name] = None
            elif rule.candidates is not None and not _has_candidates(rule, today):
                # Nothing to do: no transaction of its own, recorded with the other idle
                # rules in one statement (docs/performance.md, sixth pass). A rule found
                # idle did nothing, so it changes nothing the later rules' probes read.
                idle.append(rule.name)
                results[rule.name] = {"done": []}
            else:
                results[rule.name] = _run_rule(rule, today)
    finally:
        # Another run of the same day may have recorded some meanwhile: either record
        # says the same — the rule had nothing to do — so the duplicates are dropped.
        DailyRun.objects.bulk_create(
            [DailyRun(rule=name, day=today) for name in idle], ignore_conflicts=True
        )
    return results


def _has_candidates(rule, today: date) -> bool:
    try:
        return rule.candidates(today).exists()
    except Exception:
        # The rule's own run reports what is wrong (and is not recorded).
        logger.exception("daily rule %s: could not tell whether anything is due", rule.name)
        return True


def _run_rule(rule, today: date) -> dict | None:
    try:
        with transaction.atomic():
            # The record comes first, with no savepoint around it: if the day has
            # run, the insert fails and the whole (empty) transaction is abandoned.
            # Two round trips a rule fewer, every day (docs/performance.md).
            try:
                run = DailyRun.objects.create(rule=rule.name, day=today)
            except IntegrityError:
                raise _AlreadyRan from None
            result = rule.function(today) or {}
            recorded = _what_was_done(result)
            if recorded:
                # Most rules find nothing to do on most days: their record keeps
                # its empty result, one UPDATE fewer a rule a day.
                run.result = recorded
                run.save(update_fields=["result"])
            return result
    except _AlreadyRan:
        return None
    except Exception:
        # Recorded nowhere, so the rule runs again on the next call for that day.
        logger.exception("daily rule %s failed for %s", rule.name, today)
        return {"failed": True}


def _what_was_done(result: dict) -> dict:
    """The summary without its empty entries ({"done": []} is nothing done)."""
    return {key: value for key, value in result.items() if value not in ([], {}, None, "")}


def each(items, action, *, key=lambda item: item.pk) -> dict:
    """Apply ``action`` to each item in its own savepoint; collect what succeeded and
    what failed (logged), so one bad row does not hold up the rest."""
    done, failed = [], []
    for item in items:
        try:
            with transaction.atomic():
                outcome = action(item)
        except Exception:
            logger.exception("daily rule failed on %r", item)
            failed.append(key(item))
            continue
        if outcome is not False:
            done.append(key(item))
    summary = {"done": done}
    if failed:
        summary["failed"] = failed
    return summary
