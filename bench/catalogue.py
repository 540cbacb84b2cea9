"""Catalogue benchmark (issue #3): list, search and firm pages under concurrent load.

Seeds 10,000 firms and 30,000 offers into a fresh PostgreSQL database, serves the
project with gunicorn (production settings, DEBUG off) on 127.0.0.1, and loads each page
from several client processes at once, together with a bare Django view that returns a
page of the same size (no database, no template) in the same run, measured again right
before each page. Prints p50/p95/p99 latency and throughput per page and the ratio to
the bare view measured just before it.

    .venv/bin/python bench/catalogue.py                  # full size
    .venv/bin/python bench/catalogue.py --firms 1000 --offers 3000 --seconds 5   # quick

Targets (issue #3): list and search p95 <= 50 ms, throughput >= 1/10 of the bare view.
Results go in docs/performance.md by hand, with the knobs: the server runs as deployed
(gunicorn.conf.py from the project root, persistent database connections from
bench/settings.py) and the database with random_page_cost = 1.1 (tune_database).
"""

import argparse
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from decimal import Decimal
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Bands of DOMAIN.md's illustrative fee schedule: grade -> (min, max, min score).
BANDS = {
    1: ("0.50", "0.80", 60),
    2: ("0.80", "1.20", 70),
    3: ("1.20", "1.80", 80),
    4: ("1.80", "2.50", 88),
    5: ("2.50", "3.50", 94),
}
DISTRICTS = [
    ("110101", "东城区"),
    ("110102", "西城区"),
    ("110105", "朝阳区"),
    ("110106", "丰台区"),
    ("110107", "石景山区"),
    ("110108", "海淀区"),
    ("110109", "门头沟区"),
    ("110111", "房山区"),
    ("110112", "通州区"),
    ("110113", "顺义区"),
    ("110114", "昌平区"),
    ("110115", "大兴区"),
    ("110116", "怀柔区"),
    ("110117", "平谷区"),
    ("110118", "密云区"),
    ("110119", "延庆区"),
]
NAME_PARTS = [
    "兴",
    "华",
    "安",
    "康",
    "宁",
    "和",
    "瑞",
    "德",
    "泰",
    "丰",
    "盛",
    "信",
    "诚",
    "达",
    "永",
    "嘉",
    "恒",
    "鑫",
    "佳",
    "宜",
    "居",
    "城",
    "邻",
    "家",
    "源",
    "福",
    "隆",
    "祥",
]
TITLE_PARTS = [
    "老旧小区",
    "标准",
    "品质",
    "基础",
    "综合",
    "管家式",
    "智慧",
    "安居",
    "园林",
    "社区",
    "邻里",
    "托管",
]
SERVICE_PHRASES = [
    "专业保洁服务",
    "秩序维护",
    "绿化养护",
    "二次供水管理",
    "电梯维保",
    "客服中心",
    "急修2小时到场",
    "垃圾日产日清",
    "24小时门岗",
    "消防设施巡检",
    "楼道每日清扫",
    "账目按季度公开",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=30_000)
    parser.add_argument(
        "--firm-pages",
        type=int,
        default=300,
        help="firms that get a Wagtail profile page (page tree writes are slow)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client processes")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count(),
        help="gunicorn workers (default: one per CPU; the pages are CPU-bound and the "
        "clients and PostgreSQL share the CPUs, docs/performance.md)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per page")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="wuye_bench")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    return parser.parse_args()


# --- Database -------------------------------------------------------------------------


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def tune_database(name: str) -> None:
    """The planner's cost of a random page read: PostgreSQL's default (4) assumes
    spinning disks; with the data in memory or on SSD, 1.1 is the usual setting (see
    docs/deploy.md). Without it the planner scans the whole offer table rather than
    look up a district's 2,000 offers by key."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def prepare_schema() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)


def seed(args) -> None:
    from django.db import transaction
    from django.utils import timezone

    from market.models import (
        District,
        FeeGrade,
        FeeSchedule,
        Firm,
        FirmStatus,
        Offer,
        ScopeItem,
        StreetOffice,
    )
    from market.search import search_document
    from market.services.credit import credit_grade_for
    from market.validators import credit_code_check_character

    rng = random.Random(2026)
    now = timezone.now()
    today = timezone.localdate()
    labels = [str(label) for label in ScopeItem.labels]
    started = time.perf_counter()
    with transaction.atomic():
        districts = []
        for code, name in DISTRICTS:
            district = District.objects.create(
                code=code, name=f"北京市{name}", bureau_name=f"{name}住房和城乡建设委员会"
            )
            districts.append(district)
            StreetOffice.objects.bulk_create(
                StreetOffice(district=district, name=f"{name}第{i}街道") for i in range(1, 7)
            )
            schedule = FeeSchedule.objects.create(
                district=district,
                version=1,
                enforcement="cap",
                effective_from=today.replace(month=1, day=1),
                status="approved",
                approved_at=now,
            )
            FeeGrade.objects.bulk_create(
                FeeGrade(
                    schedule=schedule,
                    grade=g,
                    name=f"{g}级",
                    fee_min=Decimal(lo),
                    fee_max=Decimal(hi),
                    min_score=score,
                )
                for g, (lo, hi, score) in BANDS.items()
            )
        firms = []
        for i in range(args.firms):
            first17 = f"911100{i:011d}"
            score = Decimal(rng.randint(55, 100))
            name = "北京" + "".join(rng.sample(NAME_PARTS, 3)) + f"物业管理有限公司{i}"
            firms.append(
                Firm(
                    name=name,
                    credit_code=first17 + credit_code_check_character(first17),
                    contact_name="联系人",
                    phone="010-60000000",
                    email=f"firm{i}@bench.example",
                    registered_district=rng.choice(districts),
                    status=FirmStatus.APPROVED,
                    credit_score=score,
                    credit_grade=credit_grade_for(score),
                )
            )
        firms = Firm.objects.bulk_create(firms, batch_size=2000)
        Firm.districts.through.objects.bulk_create(
            (
                Firm.districts.through(firm_id=f.pk, district_id=f.registered_district_id)
                for f in firms
            ),
            batch_size=5000,
        )
        offers = []
        for n in range(args.offers):
            firm = firms[n % len(firms)]
            grade = rng.randint(1, 5)
            low, high, _score = BANDS[grade]
            fee = (Decimal(low) + (Decimal(high) - Decimal(low)) * Decimal(rng.random())).quantize(
                Decimal("0.01")
            )
            mask = rng.randint(1, 127)
            title = rng.choice(TITLE_PARTS) + rng.choice(["物业服务", "综合服务", "托管服务"])
            summary = "，".join(rng.sample(SERVICE_PHRASES, 3)) + "。"
            trial = rng.choice([None, 1, 2, 3])
            offers.append(
                Offer(
                    page_id=1_000_000 + n,
                    url=f"/firms/firm-{firm.pk}/offer-{n}/",
                    firm=firm,
                    title=title,
                    summary=summary,
                    grade=grade,
                    scope_mask=mask,
                    fee=fee,
                    trial_months=trial,
                    trial_fee=Decimal("0.50") if trial else None,
                    fee_schedule_id=None,
                    status="live",
                    # As offer_publish copies them from the (approved) firm.
                    firm_listed=True,
                    firm_credit_score=firm.credit_score,
                    firm_credit_grade=firm.credit_grade,
                    revision_id=0,
                    published_at=now,
                    terms={},
                    rating_average=Decimal(rng.randint(300, 500)) / 100,
                    rating_count=rng.randint(0, 200),
                    search_document=search_document(
                        title,
                        summary,
                        firm.name,
                        " ".join(label for i, label in enumerate(labels) if mask & (1 << i)),
                    ),
                )
            )
        offers = Offer.objects.bulk_create(offers, batch_size=2000)
        Offer.districts.through.objects.bulk_create(
            (
                Offer.districts.through(offer_id=o.pk, district_id=o.firm.registered_district_id)
                for o in offers
            ),
            batch_size=5000,
        )
    print(
        f"seeded {len(firms)} firms and {len(offers)} offers in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    seed_firm_pages(firms[: args.firm_pages])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as a live database would have


def seed_firm_pages(firms) -> None:
    from cms.models import FirmPage, FirmsIndexPage

    started = time.perf_counter()
    index = FirmsIndexPage.objects.first()
    for firm in firms:
        page = FirmPage(
            title=firm.name,
            slug=f"firm-{firm.pk}",
            firm=firm,
            live=True,
            service_area="北京市",
            introduction="<p>专业物业服务企业。</p>",
        )
        index.add_child(instance=page)
    print(
        f"seeded {len(firms)} firm profile pages in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


# --- Load -----------------------------------------------------------------------------


def fetch(port: int, path: str) -> tuple[int, int]:
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Accept-Language": "zh-CN"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, len(body)


def client(port: int, paths: list[str], seconds: float, queue) -> None:
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        status, _size = fetch(port, path)
        latencies.append(time.perf_counter() - started)
        errors += status != 200
    queue.put((latencies, errors))


def load(port: int, paths: list[str], seconds: float, concurrency: int) -> dict:
    queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client, args=(port, paths, seconds, queue))
        for _ in range(concurrency)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    latencies = sorted(latency for batch, _errors in results for latency in batch)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": sum(errors for _batch, errors in results),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": quantiles[94] * 1000,
        "p99": quantiles[98] * 1000,
    }


def start_gunicorn(args, bare_size: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_BARE_SIZE": str(bare_size),
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            fetch(args.port, "/bench/bare/")
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    args = parse_args()
    if not args.reuse:
        recreate_database(args.database)
    tune_database(args.database)
    setup_django(args.database)
    if not args.reuse:
        prepare_schema()
        seed(args)

    from market.models import Firm, Offer

    firm_ids = list(Firm.objects.filter(page__isnull=False).values_list("pk", flat=True)[:200])
    print(f"database: {Firm.objects.count()} firms, {Offer.objects.count()} offers", flush=True)
    q = urllib.parse.quote
    pages = {
        "catalogue list": [
            "/catalogue/",
            "/catalogue/?page=2",
            "/catalogue/?sort=fee",
            "/catalogue/?page=50",
        ],
        "list, filtered": [
            "/catalogue/?district=110115&grade=2&trial=on",
            "/catalogue/?scope=cleaning&scope=lifts&fee_max=1.50",
            "/catalogue/?credit=AAA&sort=-fee",
        ],
        "search": [
            f"/catalogue/?q={q('保洁')}",
            f"/catalogue/?q={q('电梯维保')}",
            f"/catalogue/?q={q('绿化')}&page=2",
            f"/catalogue/?q={q('二次供水')}",
        ],
        "search + filters": [f"/catalogue/?q={q('保洁')}&grade=3&district=110108"],
        "firm page": [f"/firms/firm-{pk}/" for pk in firm_ids],
    }
    # Size the bare view like the list page; the server has to be up to measure it.
    server = start_gunicorn(args, 40_000)
    try:
        status, list_size = fetch(args.port, "/catalogue/")
        if status != 200:
            raise SystemExit(f"/catalogue/ answered {status}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
    server = start_gunicorn(args, list_size)
    try:
        for paths in pages.values():
            for path in paths:
                status, size = fetch(args.port, path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
        bare = ["/bench/bare/"]
        results = {"bare view": load(args.port, bare, args.seconds, args.concurrency)}
        # The bare view again right before each page, so that each ratio compares two
        # runs under the same conditions (the machine may be busy with other work).
        bare_before = {}
        for name, paths in pages.items():
            bare_before[name] = load(args.port, bare, args.seconds, args.concurrency)
            load(args.port, paths, 1.0, args.concurrency)  # warm every worker
            results[name] = load(args.port, paths, args.seconds, args.concurrency)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()

    print()
    print(
        f"gunicorn {args.workers} sync workers, {args.concurrency} client processes, "
        f"{args.seconds:.0f} s per page, {os.cpu_count()} CPUs; page size {list_size} bytes"
    )
    print(
        f"{'page':<18}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'p99 ms':>8}{'bare req/s':>11}{'of bare':>9}"
    )
    for name, r in results.items():
        bare_rps = bare_before.get(name, r)["rps"]
        print(
            f"{name:<18}{r['requests']:>9}{r['errors']:>7}{r['rps']:>8.0f}{r['p50']:>8.1f}"
            f"{r['p95']:>8.1f}{r['p99']:>8.1f}{bare_rps:>11.0f}{r['rps'] / bare_rps:>9.2f}"
        )


if __name__ == "__main__":
    main()
