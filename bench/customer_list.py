"""Benchmark: server time of the customer list for a manager with 400 customers (PostgreSQL).

    .venv/bin/python bench/customer_list.py [--runs 50] [--pg postgresql://postgres@127.0.0.1:5432]

Creates (and afterwards drops) ``work135_bench_list``, loads the small demo data, gives
cm01 400 active customers, then times requests through Django's test client (the whole
request/response cycle: middleware, selectors, filters, template; no network).
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = "work135_bench_list"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = f"{args.pg}/{DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from customers.models import Customer

    try:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--months", "2", "--no-indicators", stdout=io.StringIO())
        cm = User.objects.get(username="cm01")
        have = Customer.objects.filter(manager=cm, status="active").count()
        template = Customer.objects.filter(manager=cm).first()
        Customer.objects.bulk_create(
            [
                Customer(
                    code=f"BENCH{i:05d}",
                    name=f"测试便利店{i}",
                    manager=cm,
                    tier=1 + i % 30,
                    business_format=template.business_format,
                    market_type="urban",
                    trade_area=template.trade_area,
                    visit_method="onsite",
                    visit_frequency="weekly",
                    address="城关区测试路1号",
                )
                for i in range(400 - have)
            ]
        )
        client = Client(HTTP_HOST="localhost")
        client.force_login(cm)
        cases = {
            "cm01, all 400 active customers on one page": "/customers/?per_page=500",
            "cm01, first page of 50": "/customers/",
            "cm01, filtered + sorted": "/customers/?tier_band=C&o=-tier&per_page=500",
            "cm01, htmx partial (400 rows)": (
                "/customers/?per_page=500",
                {"HTTP_HX_REQUEST": "true"},
            ),
            "cm01, Excel export (400 rows)": "/customers/export.xlsx",
        }
        for label, case in cases.items():
            url, extra = case if isinstance(case, tuple) else (case, {})
            response = client.get(url, **extra)
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.get(url, **extra)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            print(
                f"{label:45s} median {statistics.median(times):6.1f} ms   "
                f"p95 {times[int(len(times) * 0.95) - 1]:6.1f} ms   ({args.runs} runs)"
            )
    finally:
        connection.close()
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
