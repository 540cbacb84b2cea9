"""The day loop: register what is due, run the daily entry point for the day (as
``manage.py run_daily --date`` does), let the people act, check the invariant."""

import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.utils import translation

from ..daily import daily_run
from ..models import DailyRun, FallbackCase, Handover, HandoverStatus
from . import documents
from .clock import simulated_clock, simulation_settings
from .cpus import cpu_pinning
from .invariant import continuity_gaps, coverage_check
from .moves import Moves
from .statistics import dead_rows_vacuum, statistics_refresh
from .world import World, new_tag

logger = logging.getLogger(__name__)
MAX_LISTED_VIOLATIONS = 20
# How often what autovacuum would vacuum or analyse is (contracts.simulation.statistics).
STATISTICS_EVERY_DAYS = 7


@dataclass
class Report:
    seed: int
    district: str
    start: date
    end: date
    days: int
    compounds: int
    document_workers: int = 0
    pinned_cpu: int | None = None
    elapsed: float = 0.0
    violations: int = 0
    violation_samples: list = field(default_factory=list)
    compound_days: int = 0
    served_days: int = 0
    seeking_days: int = 0
    fallback_days: int = 0
    final_coverage: float = 0.0
    rule_failures: int = 0
    errors: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    fallback_cases: dict = field(default_factory=dict)
    handovers: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        return self.served_days / self.compound_days if self.compound_days else 0.0

    def as_dict(self) -> dict:
        return {
            "seed": self.seed,
            "district": self.district,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "compounds": self.compounds,
            "document_workers": self.document_workers,
            "pinned_cpu": self.pinned_cpu,
            "elapsed_seconds": round(self.elapsed, 1),
            "violations": self.violations,
            "violation_samples": self.violation_samples,
            "coverage": round(self.coverage, 4),
            "final_coverage": round(self.final_coverage, 4),
            "compound_days": self.compound_days,
            "seeking_days": self.seeking_days,
            "fallback_days": self.fallback_days,
            "rule_failures": self.rule_failures,
            "errors": self.errors,
            "fallback_cases": self.fallback_cases,
            "handovers": self.handovers,
            "counts": dict(sorted(self.counts.items())),
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
        }


def default_start() -> date:
    """The day after the last day the daily rules ran (they record each day once), or
    a fixed day on an empty database, so a run never finds its days already done."""
    last = DailyRun.objects.aggregate(last=Max("day"))["last"]
    return last + timedelta(days=1) if last else date(2027, 1, 1)


def simulate(
    *,
    years: int = 3,
    compounds: int = 100,
    seed: int = 1,
    start: date | None = None,
    days: int | None = None,
    document_workers: int = 0,
    pin_cpu: bool = False,
    progress=None,
) -> Report:
    """Run the simulation; ``progress(day, check)`` is called every 30 days if given.
    ``pin_cpu``: this process and its database backend on one CPU (.cpus)."""
    began = time.monotonic()
    rng = random.Random(seed)
    start = start or default_start()
    days = days or round(365.25 * years)
    stats: Counter = Counter()
    timings: Counter = Counter()
    with (
        simulation_settings(),
        translation.override(settings.LANGUAGE_CODE),
        simulated_clock(start) as clock,
        cpu_pinning(pin_cpu) as pinning,
        documents.document_workers(document_workers, pinning),
    ):
        world = World(rng=rng, start=start, tag=new_tag())
        world.build(compounds=compounds, days=days)
        moves = Moves(world, stats, timings)
        report = Report(
            seed=seed,
            district=world.district.code,
            start=start,
            end=start + timedelta(days=days - 1),
            days=days,
            compounds=compounds,
            document_workers=document_workers,
            pinned_cpu=pinning.cpu,
        )
        for offset in range(days):
            today = start + timedelta(days=offset)
            clock.today = today
            tick = time.monotonic()
            world.register_due(today)
            timings["register"] += time.monotonic() - tick
            tick = time.monotonic()
            results = daily_run(today=today)
            timings["daily_run"] += time.monotonic() - tick
            report.rule_failures += sum(1 for r in results.values() if r and r.get("failed"))
            tick = time.monotonic()
            moves.handovers(today)
            moves.extensions(today)
            moves.orders(today)
            moves.sanctions(today)
            moves.notices(today)
            moves.decide_trials(today)
            moves.answer_requests(today)
            moves.request_trials(today)
            # Last: the document worker has until then to render the contracts signed
            # today (docs/performance.md, seventh pass).
            moves.sign_contracts(today)
            timings["moves"] += time.monotonic() - tick
            if offset % STATISTICS_EVERY_DAYS == 0:
                tick = time.monotonic()
                dead_rows_vacuum()
                timings["vacuum"] += time.monotonic() - tick
                tick = time.monotonic()
                statistics_refresh()
                timings["analyze"] += time.monotonic() - tick
            tick = time.monotonic()
            check = coverage_check(district=world.district, day=today)
            timings["check"] += time.monotonic() - tick
            report.compound_days += check.registered
            report.served_days += check.served
            report.fallback_days += check.fallback
            report.seeking_days += check.seeking
            if check.violations:
                report.violations += check.violations
                if len(report.violation_samples) < MAX_LISTED_VIOLATIONS:
                    report.violation_samples.append(
                        {
                            "day": today.isoformat(),
                            "unserved": check.unserved[:5],
                            "doubly_served": check.doubly_served[:5],
                            "fallback_overdue": check.fallback_overdue[:5],
                        }
                    )
            if progress is not None and offset % 30 == 0:
                progress(today, check)
        gaps = continuity_gaps(district=world.district)
        report.violations += len(gaps)
        for compound_id, last, following in gaps[:MAX_LISTED_VIOLATIONS]:
            report.violation_samples.append(
                {"gap": compound_id, "last_served": last.isoformat(), "next": following.isoformat()}
            )
        report.final_coverage = check.served / check.registered if check.registered else 0.0
        report.counts = dict(stats)
        report.errors = moves.errors
        report.fallback_cases = dict(
            FallbackCase.objects.filter(district=world.district)
            .values_list("trigger")
            .annotate(n=Count("pk"))
            .values_list("trigger", "n")
        )
        handovers = Handover.objects.filter(compound__street_office__district=world.district)
        report.handovers = {
            "opened": handovers.count(),
            "completed": handovers.filter(status=HandoverStatus.COMPLETED).count(),
            "open": handovers.exclude(status=HandoverStatus.COMPLETED).count(),
            "refused": handovers.exclude(refusal_reason="").count(),
            # Penalised: refused, or past the 30-day deadline (once each).
            "overdue_or_refused": handovers.filter(penalised_on__isnull=False).count(),
        }
        if hasattr(Handover, "enforced_on"):  # the bureau's enforced takeover
            report.handovers["enforced"] = handovers.filter(enforced_on__isnull=False).count()
    report.timings = dict(timings)
    report.elapsed = time.monotonic() - began
    return report
