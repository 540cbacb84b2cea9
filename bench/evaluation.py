"""Quarterly evaluation benchmark (issue #5).

Seeds, into a fresh PostgreSQL test database: 10,000 compounds each served by a live
trial engagement (100 firms), 340,000 household codes, 1,000,000 resident ratings over
one quarter and 300,000 service requests. Then, in the same run, measures:

1. the baseline: one raw SQL GROUP BY over the ratings and one over the requests (the
   same rows the evaluation reads);
2. the three rates of every firm and of every compound (``three_rates_by``);
3. the quarterly evaluation of all 10,000 engagements (``evaluations_run``: the
   aggregates, 10,000 evaluations and their events, the firms' credit entries).

Target (issue #5): 2 and 3 each take no more than 5× the baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wuye_bench .venv/bin/python bench/evaluation.py
    ... bench/evaluation.py --compounds 1000 --ratings 100000 --requests 30000   # quick

Results go in docs/performance.md by hand.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

QUARTER_START = date(2026, 1, 1)
EVALUATE_ON = date(2026, 4, 1)
FIRMS = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compounds", type=int, default=10_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        print("PostgreSQL only: set DATABASE_URL")
        return 2
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return run(args.compounds, args.ratings, args.requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def seed(compounds: int, ratings: int, requests: int) -> None:
    from decimal import Decimal

    from django.db import connection

    from contracts.models import Engagement, Trial
    from market.fee_defaults import DEFAULT_GRADES
    from market.models import Committee, Compound, FeeGrade, FeeSchedule
    from tests.factories import DistrictFactory, FirmFactory, OfferFactory, StreetOfficeFactory

    district = DistrictFactory(name="大兴区", code="110115")
    schedule = FeeSchedule.objects.create(
        district=district,
        version=1,
        enforcement="cap",
        effective_from=date(2020, 1, 1),
        status="approved",
    )
    for grade in DEFAULT_GRADES:
        FeeGrade.objects.create(schedule=schedule, **grade)
    office = StreetOfficeFactory(district=district, name="兴丰街道")
    offers = [
        OfferFactory(firm=FirmFactory(registered_district=district), grade=2) for _ in range(FIRMS)
    ]
    rows = Compound.objects.bulk_create(
        [
            Compound(
                street_office=office,
                name=f"小区{n:05d}",
                address=f"兴华大街{n}号",
                buildings=10,
                owners=300,
                exclusive_area=Decimal("25000"),
                households=300,
                year_built=2000,
                management_status="trial",
            )
            for n in range(compounds)
        ],
        batch_size=5000,
    )
    committees = Committee.objects.bulk_create(
        [Committee(compound=c, kind="owners", phone="") for c in rows], batch_size=5000
    )
    engagements = Engagement.objects.bulk_create(
        [
            Engagement(
                compound=c,
                kind="trial",
                firm=offers[i % FIRMS].firm,
                phase="live",
                starts_on=date(2025, 12, 1),
                ends_on=date(2026, 5, 31),
                fee=Decimal("1.00"),
                area=Decimal("25000"),
            )
            for i, c in enumerate(rows)
        ],
        batch_size=5000,
    )
    Trial.objects.bulk_create(
        [
            Trial(
                compound=c,
                committee=committees[i],
                offer=offers[i % FIRMS],
                firm=offers[i % FIRMS].firm,
                status="active",
                starts_on=date(2025, 12, 1),
                ends_on=date(2026, 5, 31),
                terms={"grade": 2, "scope_items": ["cleaning"]},
                months=3,
                fee=Decimal("1.00"),
                area=Decimal("25000"),
                engagement=engagements[i],
            )
            for i, c in enumerate(rows)
        ],
        batch_size=5000,
    )
    per_compound = -(-ratings // (compounds * 3))  # households rating each month
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ratings_householdcode (compound_id, household, code_hash, hint,
                                               created_at)
            SELECT c.id, 'H' || h, md5(c.id || '-' || h) || md5(h || '-' || c.id), 'ABCD',
                   now()
            FROM market_compound c, generate_series(1, %s) h
            """,
            [per_compound],
        )
        cursor.execute(
            """
            INSERT INTO ratings_rating (compound_id, engagement_id, firm_id,
                household_code_id, month, scores, average, comment, comment_status,
                flag_reason, reply, created_at)
            SELECT hc.compound_id, e.id, e.firm_id, hc.id, m.month,
                   '{"cleaning": 4}'::jsonb, 1 + ((hc.id + extract(month from m.month)::int) %% 5),
                   '', 'none', '', '', now()
            FROM ratings_householdcode hc
            JOIN contracts_engagement e ON e.compound_id = hc.compound_id
            CROSS JOIN (VALUES (date '2026-01-01'), (date '2026-02-01'),
                               (date '2026-03-01')) m(month)
            ORDER BY hc.id, m.month
            LIMIT %s
            """,
            [ratings],
        )
        cursor.execute(
            """
            INSERT INTO ratings_servicerequest (compound_id, engagement_id, firm_id,
                household_code_id, category, urgency, text, photo, status, created_at,
                respond_by, responded_at, response, resolved_at, resolution, confirmed_at,
                satisfied, reopened_count)
            SELECT hc.compound_id, e.id, e.firm_id, hc.id, 'repairs', 'normal', '灯坏了', '',
                   CASE WHEN s.n %% 10 < 7 THEN 'closed' WHEN s.n %% 10 < 9 THEN 'responded'
                        ELSE 'open' END,
                   t.raised, t.raised + interval '24 hours',
                   CASE WHEN s.n %% 10 < 9
                        THEN t.raised + (s.n %% 30) * interval '1 hour' END,
                   '', CASE WHEN s.n %% 10 < 7 THEN t.raised + interval '2 days' END, '',
                   CASE WHEN s.n %% 10 < 7 THEN t.raised + interval '3 days' END,
                   CASE WHEN s.n %% 10 < 7 THEN s.n %% 7 <> 0 END, 0
            FROM generate_series(1, %s) s(n)
            JOIN ratings_householdcode hc ON hc.id = (
                SELECT min(id) FROM ratings_householdcode) + s.n %% %s
            JOIN contracts_engagement e ON e.compound_id = hc.compound_id
            CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 08:00+08'
                                + (s.n %% 88) * interval '1 day' AS raised) t
            """,
            [requests, compounds * per_compound],
        )
        cursor.execute("ANALYZE")


def timed(label, function, repeat=3):
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<48} {best * 1000:10.1f} ms")
    return best, result


def run(compounds: int, ratings: int, requests: int) -> int:
    from django.db import connection, transaction

    from ratings.models import Evaluation, Rating, ServiceRequest
    from ratings.selectors import three_rates_by
    from ratings.services.evaluations import evaluations_run

    started = time.perf_counter()
    seed(compounds, ratings, requests)
    print(
        f"seeded {compounds:,} compounds, {Rating.objects.count():,} ratings, "
        f"{ServiceRequest.objects.count():,} requests in {time.perf_counter() - started:.0f} s"
    )

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT engagement_id, count(*), avg(average) FROM ratings_rating "
                "GROUP BY engagement_id"
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT engagement_id, count(*), count(responded_at), count(confirmed_at) "
                "FROM ratings_servicerequest GROUP BY engagement_id"
            )
            cursor.fetchall()

    base, _ = timed("baseline: raw GROUP BY (ratings + requests)", baseline)
    end = date(2026, 3, 31)

    def rates():
        three_rates_by(field="firm", start=QUARTER_START, end=end)
        three_rates_by(field="compound", start=QUARTER_START, end=end)

    rates_time, _ = timed("three rates: every firm and every compound", rates)

    def evaluate():
        with transaction.atomic():
            result = evaluations_run(today=EVALUATE_ON)
            assert len(result["done"]) == compounds, result.get("failed")
            transaction.set_rollback(True)  # measure the same work each time

    evaluation_time, _ = timed(f"quarterly evaluation of {compounds:,} engagements", evaluate)
    assert not Evaluation.objects.exists()
    print(f"ratio three rates / baseline: {rates_time / base:.2f} (target <= 5)")
    print(f"ratio evaluation / baseline:  {evaluation_time / base:.2f} (target <= 5)")
    return 0 if max(rates_time, evaluation_time) <= 5 * base else 1


if __name__ == "__main__":
    sys.exit(main())
