"""Benchmark: import 1M order lines on PostgreSQL, next to a plain COPY of the same file.

    .venv/bin/python bench/import_orders.py [--lines 1000000] [--pg postgresql://postgres@127.0.0.1:5432]

Creates (and afterwards drops) the database ``work135_bench_import``, loads 30,000
customers and 800 SKUs, writes a CSV of order lines, then times:
  1. plain COPY of the file into a bare table (no keys, no indexes) — the floor;
  2. ``import_data orders`` into the empty order table (COPY → staging → validate → upsert);
  3. the same import again (nothing changes: every line compared, none written).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = "work135_bench_import"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = f"{args.pg}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from imports.services import import_file

    if os.environ.get("PROFILE"):
        sys.path.insert(0, "/tmp")
        import prof

        prof.patch()

    try:
        call_command("migrate", verbosity=0)
        _master_data(connection)
        csv_path = Path(tempfile.mkdtemp()) / "orders.csv"
        _write_orders(csv_path, args.lines)
        content = csv_path.read_bytes()
        print(f"file: {args.lines:,} lines, {len(content) / 1e6:.1f} MB")

        plain = _plain_copy(connection, content)
        print(f"plain COPY into a bare table     : {plain:6.2f} s")

        start = time.perf_counter()
        first = import_file(kind="orders", content=content, filename="orders.csv")
        first_s = time.perf_counter() - start
        assert first.ok, first.errors[:5]
        print(
            f"import_data orders (empty table) : {first_s:6.2f} s  "
            f"({first_s / plain:.2f}× plain COPY; created {first.counts.created:,})"
        )

        start = time.perf_counter()
        again = import_file(kind="orders", content=content, filename="orders.csv")
        again_s = time.perf_counter() - start
        print(
            f"import_data orders (re-import)   : {again_s:6.2f} s  "
            f"({again_s / plain:.2f}× plain COPY; unchanged {again.counts.unchanged:,})"
        )
    finally:
        connection.close()
        if not args.keep:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DB}")


def _master_data(connection) -> None:
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO accounts_user (password, last_login, is_superuser, username, "
            "first_name, last_name, email, is_staff, is_active, date_joined, name, role) "
            "VALUES ('!', NULL, false, 'cm', '', '', '', false, true, now(), '客户经理', "
            "'customer_manager')"
        )
        c.execute(
            "INSERT INTO customers_customer (code, name, license_no, manager_id, contact, "
            "address, phone, business_format, tier, market_type, trade_area, visit_method, "
            "visit_frequency, status, created_at, updated_at) "
            "SELECT 'C' || lpad(i::text, 6, '0'), '客户' || i, '', (SELECT id FROM accounts_user), "
            "'', '', '', 'convenience', 1 + i % 30, 'urban', '', 'onsite', 'weekly', 'active', "
            "now(), now() FROM generate_series(1, 30000) i"
        )
        c.execute("INSERT INTO brands_brand (name, manufacturer) VALUES ('品牌', '')")
        c.execute(
            "INSERT INTO brands_sku (code, name, brand_id, manufacturer, price_class, "
            "wholesale_price, retail_price, is_key_brand, status) "
            "SELECT 'S' || lpad(i::text, 4, '0'), '单品' || i, (SELECT id FROM brands_brand), '', "
            "1 + i % 5, 50 + i % 400, 60 + i % 450, false, 'active' FROM generate_series(1, 800) i"
        )


def _write_orders(path: Path, lines: int) -> None:
    rng = np.random.default_rng(135)
    # Distinct (day, customer, sku) keys: sample without replacement from the key space.
    keys = rng.choice(30 * 30_000 * 800, size=lines, replace=False)
    day, rest = np.divmod(keys, 30_000 * 800)
    customer, sku = np.divmod(rest, 800)
    quantity = rng.integers(0, 40, size=lines)
    frame = pd.DataFrame(
        {
            "order_date": (pd.Timestamp("2026-09-01") + pd.to_timedelta(day, unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "customer_code": pd.Series(customer + 1).map("C{:06d}".format),
            "sku_code": pd.Series(sku + 1).map("S{:04d}".format),
            "quantity": quantity,
            "requested_quantity": quantity + rng.integers(0, 5, size=lines),
        }
    )
    frame.to_csv(path, index=False)


def _plain_copy(connection, content: bytes) -> float:
    header_end = content.index(b"\n") + 1
    with connection.cursor() as c:
        c.execute(
            "CREATE TABLE bare_orders (order_date date, customer_code text, sku_code text, "
            "quantity int, requested_quantity int)"
        )
    start = time.perf_counter()
    with (
        connection.cursor() as c,
        c.connection.cursor().copy("COPY bare_orders FROM STDIN (FORMAT csv)") as copy,
    ):
        view = memoryview(content)[header_end:]
        for offset in range(0, len(view), 1 << 20):
            copy.write(view[offset : offset + (1 << 20)])
    elapsed = time.perf_counter() - start
    with connection.cursor() as c:
        c.execute("DROP TABLE bare_orders")
    return elapsed


if __name__ == "__main__":
    main()
