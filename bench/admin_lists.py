"""Benchmark: the Django admin's list pages of order lines and customers on city-scale data
(PostgreSQL), as a superuser would open them.

    .venv/bin/python bench/admin_lists.py [--pg postgresql://postgres@127.0.0.1:5432]
        [--db work135_fcity] [--runs 5] [--reseed] [--drop] [--scale city|small]

Uses the database ``work135_fcity`` when it already holds customers and order lines;
otherwise (or with ``--reseed``) builds it with ``migrate`` and ``seed_demo --scale city``
(about 2 minutes, ~1.5 GB). It is kept afterwards unless ``--drop``. The big tables are
ANALYZEd first, as autovacuum would have done on a live database.

Each page is fetched in-process with Django's test client (``DEBUG=0``, logged in as a
superuser): one warm-up, then ``--runs`` timed fetches; printed are the median and minimum
wall time, the web process's CPU time, the number of SQL queries and the slowest query with
its time. The month is the previous-but-one month of the data (not the newest: its lines are
not the last ones inserted). Before the change the month was picked with the date hierarchy
(``order_date__year``/``order_date__month``); after, with the sidebar's month filter.
Target: every order-line and customer page ≤ 300 ms. A search of order lines by SKU code
(a SKU of median popularity) is printed too but is outside the target: markets_orderline has
no index on sku_id, so a SKU's lines are found by reading the table.

Figures, city data set (7,511,137 order lines Sep–Nov 2026, 30,256 customers) on the shared
2-CPU development machine while other jobs ran (load average 5–7 before, 3.4–4.1 after), ms,
median / min of 5 runs, queries per page, the slowest query:

  page                              before (4ed87f5)                  after
  order lines, first page           2,910 / 2,618  7 q  2,067 (*)     132 / 124  7 q   11
  order lines, page 50              2,505 / 2,364  7 q  2,255 (*)     145 /  95  7 q   15
  order lines, month 2026-10        3,829 / 2,802  6 q  1,852 (*)     141 / 102  7 q   27
  order lines, search by customer   76,526 / 55,782  7 q  27,759 (†)  148 / 104  9 q   10
  order lines, search by SKU        not measured (as †)               982 / 759  9 q  739 (‡)
  customers, first page             406 / 378  5 q   17               100 /  83  6 q    4
  customers, page 50                465 / 388  5 q   22               221 / 185  6 q   11
  customers, active in one team     456 / 409  5 q   37               171 / 145  6 q   12
  customers, search by code         752 / 630  5 q  349               120 / 108  7 q   36
  customers, search 酒茶行           938 / 749  5 q  366               184 /  84  7 q   24

Over three runs after the change the medians were 88–234 ms for the order-line pages and
94–243 ms for the customer pages; the web process's CPU is 60–110 ms a page (the admin's
rendering of 100 rows), the rest is waiting for a CPU on the shared machine.

  (*) SELECT DISTINCT date_trunc(...) over every line, for the date hierarchy
  (†) the page: UPPER(code) LIKE '%…%' OR … over every line joined to its customer and SKU
  (‡) COUNT(*) of the SKU's lines, a scan: there is no index on sku_id. An index on
      (sku_id, order_date), tried on this database and dropped again, answers the search in
      about 10 ms (a SKU's lines in date order), at the cost of one more b-tree to maintain
      on every bulk import of order lines.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = "work135_fcity"
TARGET_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reseed", action="store_true", help="rebuild the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument(
        "--scale", choices=["city", "small"], default="city", help="data set when building"
    )
    args = parser.parse_args()
    url = f"{args.pg}/{args.db}"
    try:
        _prepare(args.pg, args.db, url, reseed=args.reseed, scale=args.scale)
        _configure_django(url)
        results = _measure(args.runs)
        _verdict(results)
    finally:
        if args.drop:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {args.db}")
            print(f"dropped {args.db}")


# --- the database ---------------------------------------------------------------------------


def _prepare(pg: str, db: str, url: str, *, reseed: bool, scale: str) -> None:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
    env = _env(url)
    if exists and not reseed and _has_data(url):
        # the kept database may predate the code's latest migrations
        _manage(env, "migrate", "--verbosity", "0")
    else:
        print(f"building {db}: createdb, migrate, seed_demo --scale {scale} …", flush=True)
        start = time.perf_counter()
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {db}")
            admin.execute(f"CREATE DATABASE {db}")
        _manage(env, "migrate", "--verbosity", "0")
        _manage(env, "seed_demo", "--scale", scale, "--no-indicators")
        assert _has_data(url), f"{db} still has no customers or order lines"
        print(f"built {db} in {time.perf_counter() - start:.0f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE markets_orderline")
        conn.execute("ANALYZE customers_customer")


def _manage(env: dict, *command: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _has_data(url: str) -> bool:
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT to_regclass('customers_customer'), to_regclass('markets_orderline')"
        ).fetchone()
        if None in tables:
            return False
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM customers_customer)"
            " AND EXISTS (SELECT 1 FROM markets_orderline)"
        ).fetchone()[0]


def _env(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", ALLOWED_HOSTS="testserver")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env.pop("REDIS_URL", None)
    return env


def _configure_django(url: str) -> None:
    os.environ.update(_env(url))
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- the pages ------------------------------------------------------------------------------


def _cases() -> list[tuple[str, str, dict]]:
    from django.contrib import admin
    from django.db import connection
    from django.urls import reverse

    from core.months import add_months
    from customers.models import Customer, CustomerStatus
    from markets.models import OrderLine

    latest = OrderLine.objects.order_by("-order_date").values_list("order_date", flat=True)[0]
    month = add_months(latest.replace(day=1), -1)
    customer = Customer.objects.get(
        pk=OrderLine.objects.filter(order_date=latest).values_list("customer_id", flat=True)[0]
    )
    team_id = customer.manager.team_id
    # a SKU of median popularity (~5,000 lines over three months)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.code FROM brands_sku s JOIN (SELECT sku_id, count(*) AS n"
            " FROM markets_orderline GROUP BY sku_id) c ON c.sku_id = s.id"
            " ORDER BY c.n OFFSET (SELECT count(*) / 2 FROM brands_sku) LIMIT 1"
        )
        sku_code = cursor.fetchone()[0]
    lines = reverse("admin:markets_orderline_changelist")
    customers = reverse("admin:customers_customer_changelist")
    name_part = customer.name[-3:]
    customer_page = min(50, -(-Customer.objects.count() // 100))  # a small data set has fewer
    # (label, path, query, within the target): searching order lines by SKU is shown but
    # not in the target: markets_orderline has no index on sku_id (see the docstring)
    return [
        ("order lines, first page", lines, {}, True),
        ("order lines, page 50", lines, {"p": "50"}, True),
        (
            f"order lines, month {month:%Y-%m}",
            lines,
            _month_params(admin.site._registry[OrderLine], "order_date", month),
            True,
        ),
        (f"order lines, search {customer.code}", lines, {"q": customer.code}, True),
        (f"order lines, search SKU {sku_code}", lines, {"q": sku_code}, False),
        ("customers, first page", customers, {}, True),
        (f"customers, page {customer_page}", customers, {"p": str(customer_page)}, True),
        (
            "customers, active in one team",
            customers,
            {"status__exact": CustomerStatus.ACTIVE, "manager__team__id__exact": str(team_id)},
            True,
        ),
        (f"customers, search {customer.code}", customers, {"q": customer.code}, True),
        (f"customers, search {name_part}", customers, {"q": name_part}, True),
    ]


def _month_params(model_admin, field: str, month) -> dict:
    """The query string a user produces by picking ``month``: the sidebar's month filter
    when the admin has one, otherwise the date hierarchy (the code before the change)."""
    for entry in model_admin.list_filter:
        if getattr(entry, "field_name", None) == field and hasattr(entry, "parameter_name"):
            return {entry.parameter_name: f"{month:%Y-%m}"}
    if model_admin.date_hierarchy == field:
        return {f"{field}__year": str(month.year), f"{field}__month": str(month.month)}
    raise SystemExit(f"{type(model_admin).__name__} has neither a month filter nor a hierarchy")


def _measure(runs: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())
    results = []
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'page':38} {'median':>7} {'min':>7} {'web CPU':>7}  queries  slowest query")
    for label, url, params, in_target in _cases():
        response = client.get(url, params)  # warm-up
        assert response.status_code == 200, (label, response.status_code)
        times, cpu = [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, params)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        result = {
            "label": label,
            "in_target": in_target,
            "median": statistics.median(times),
            "min": min(times),
            "cpu": statistics.median(cpu),
            "queries": len(captured.captured_queries),
            "slowest_ms": float(slowest["time"]) * 1000,
            "slowest_sql": " ".join(slowest["sql"].split()),
        }
        results.append(result)
        print(
            f"{label:38} {result['median']:5.0f}ms {result['min']:5.0f}ms {result['cpu']:5.0f}ms"
            f"  {result['queries']:7}  {result['slowest_ms']:5.0f} ms"
            f"  {_short(result['slowest_sql'])}",
            flush=True,
        )
    return results


def _short(sql: str, width: int = 150) -> str:
    return sql if len(sql) <= width else f"{sql[: width - 1]}…"


def _verdict(results: list[dict]) -> None:
    print(f"load average {os.getloadavg()[0]:.2f}")
    targeted = [r for r in results if r["in_target"]]
    worst = max(targeted, key=lambda r: r["median"])
    verdict = "PASS" if worst["median"] <= TARGET_MS else "FAIL"
    print(
        f"\nslowest page in the target: {worst['label']} {worst['median']:.0f} ms median "
        f"(target ≤ {TARGET_MS:.0f} ms): {verdict}"
    )
    for result in results:
        if not result["in_target"] and result["median"] > TARGET_MS:
            print(
                f"over the target, not counted: {result['label']} {result['median']:.0f} ms "
                "(no index on markets_orderline.sku_id: the lines of a SKU are a scan)"
            )


if __name__ == "__main__":
    main()
