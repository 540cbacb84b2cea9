import gc
import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from contracts.simulation import simulate


class Command(BaseCommand):
    help = (
        "Simulate a synthetic district day by day through the real services (trials, votes, "
        "contracts, firm sanctions, fallback, handovers, the daily entry point) and check the "
        "coverage invariant every simulated day. Creates its own district (a fresh code each "
        "run) in the configured database and leaves it there. While it runs, e-mail goes to "
        "a no-op backend, uploads (handover photos) to memory, and timezone.localdate() "
        "answers the simulated day; PostgreSQL commits with synchronous_commit off. Exits "
        "with status 1 on any invariant violation, service error or daily rule failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=float, default=3, help="Simulated years (default 3).")
        parser.add_argument("--compounds", type=int, default=100, help="Compounds (default 100).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--start",
            help="First simulated day, YYYY-MM-DD (default: the day after the last day the "
            "daily rules ran in this database, or 2027-01-01).",
        )
        parser.add_argument(
            "--document-workers",
            type=int,
            default=0,
            help="Render the contract PDFs in this many db_worker processes beside the "
            "simulation, as production does (PostgreSQL; default 0: as the task backend "
            "is configured, at once under the test settings).",
        )
        parser.add_argument(
            "--pin-cpu",
            action="store_true",
            help="Keep this process and its PostgreSQL backend on one CPU and the document "
            "workers on the others (a local server only): on a small virtual machine a "
            "query's answer waking a process on another CPU costs more than the query.",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--quiet", action="store_true", help="No progress lines.")

    def handle(self, *args, **options):
        try:
            start = date.fromisoformat(options["start"]) if options["start"] else None
        except ValueError:
            raise CommandError("--start must be YYYY-MM-DD") from None
        if options["years"] <= 0 or options["compounds"] <= 0:
            raise CommandError("--years and --compounds must be positive")

        def progress(day, check):
            self.stderr.write(
                f"{day} registered {check.registered} served {check.served} "
                f"fallback {check.fallback} violations {check.violations}"
            )

        # As gunicorn.conf.py does for a worker: what is loaded now (Django, Wagtail, the
        # URLconf) lives as long as the process, so the collector need not walk it again.
        gc.freeze()
        report = simulate(
            years=options["years"],
            compounds=options["compounds"],
            seed=options["seed"],
            start=start,
            document_workers=options["document_workers"],
            pin_cpu=options["pin_cpu"],
            progress=None if options["quiet"] or options["json"] else progress,
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self.write_text(report)
        if report.violations:
            raise CommandError(f"{report.violations} invariant violations", returncode=1)
        if report.errors or report.rule_failures:
            raise CommandError(
                f"{len(report.errors)} service errors, {report.rule_failures} daily rule "
                "failures (the invariant held)",
                returncode=1,
            )

    def write_text(self, report) -> None:
        data = report.as_dict()
        out = self.stdout.write
        out(
            f"district {data['district']}: {data['compounds']} compounds, {data['days']} days "
            f"({data['start']} – {data['end']}), seed {data['seed']}"
        )
        if data["pinned_cpu"] is not None:
            out(f"pinned to CPU    {data['pinned_cpu']} (with its database backend)")
        out(
            f"coverage         {data['coverage']:.2%} of compound-days "
            f"(final day {data['final_coverage']:.2%})"
        )
        out(f"days seeking     {data['seeking_days']} compound-days")
        out(f"days in fallback {data['fallback_days']} compound-days")
        out(f"fallback cases   {data['fallback_cases']}")
        out(f"handovers        {data['handovers']}")
        out(f"rule failures    {data['rule_failures']}")
        for error in data["errors"]:
            out(f"  error: {error}")
        for name, count in data["counts"].items():
            out(f"  {name:<32} {count}")
        out(f"timings (s)      {data['timings']}")
        out(f"violations       {data['violations']}")
        for sample in data["violation_samples"]:
            out(f"  {sample}")
        out(f"elapsed          {data['elapsed_seconds']} s")
