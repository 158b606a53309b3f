"""Benchmark: import a month of 1M order lines on PostgreSQL against the honest floor.

    .venv/bin/python bench/import_orders.py [--lines 1000000] [--runs 3]
        [--pg postgresql://postgres@127.0.0.1:5432] [--db NAME [--month YYYY-MM]]

Without ``--db`` it creates (and afterwards drops) the database ``work135_bench_import``
with 30,000 customers and 800 SKUs; with ``--db`` it uses that database as it is (e.g. a
copy of the 13-month city data set) and imports a month that holds no lines yet (the month
after the last one, or ``--month``), removing only that month afterwards.

Each run times, each step in a fresh child process (its peak RSS is printed):
  floor   COPY of the id-resolved rows (dates, customer and SKU ids, quantities, amounts:
          exactly the rows the import stores, resolved beforehand, untimed) into the real
          indexed ``markets_orderline`` — into the month's empty partition, as the import
          writes it — and commit. The issue's floor.
  aside   the same rows COPYed into a standalone table, keys and index built in bulk, then
          attached as the month's partition: what the import's write step does, without
          reading, resolving or checking the file. Shown for what parsing costs.
  import  ``import_file(kind="orders")`` of the CSV into the month (no lines yet).
  again   the same file imported again (nothing changes): recognised by its digest, the
          codes and prices it was resolved with and the untouched partition.
  compare the same again once that record is gone (as after any write into the month):
          the file is read, resolved, checked and compared with the month in SQL.
After each timed write the table's contents are checked row for row against the floor's
(EXCEPT ALL both ways on date, customer, SKU, quantities and amount; ids differ).
Ratios are taken within each run (import/floor, again/import), then min and median.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

ROOT = Path(__file__).resolve().parent.parent
OWN_DB = "work135_bench_import"
ROW = "order_date, customer_id, sku_id, quantity, requested_quantity, amount"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", help="an existing database to import a new month into")
    parser.add_argument("--month", help="YYYY-MM (with --db; default: after the last month)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # a child process's step
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        _child(args)
        return

    db = args.db or OWN_DB
    if not args.db:
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {db}")
            admin.execute(f"CREATE DATABASE {db}")
    url = f"{args.pg}/{db}"
    work = Path(tempfile.mkdtemp(prefix="bench_import_"))
    print(f"load before: {_uptime()}")
    try:
        if not args.db:
            _django(url)
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            from django.db import connections

            connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            if not args.db:
                _master_data(conn)
            month = _month(conn, args)
            csv_path, resolved_path = work / "orders.csv", work / "resolved.csv"
            _write_files(conn, month, args.lines, csv_path, resolved_path)
            print(
                f"database {db}; month {month:%Y-%m}; file: {args.lines:,} lines, "
                f"{csv_path.stat().st_size / 1e6:.1f} MB"
            )
            rows = {name: [] for name in ("floor", "aside", "import", "again", "compare")}
            rss = {name: 0 for name in rows}
            for run in range(1, args.runs + 1):
                _reset(conn, month)
                figures = {}
                for step in rows:
                    if step in ("floor", "aside", "import"):
                        _reset(conn, month)
                    seconds, peak, report = _run_child(step, url, work, month)
                    figures[step] = seconds
                    rows[step].append(seconds)
                    rss[step] = max(rss[step], peak)
                    if step == "floor":
                        _keep_reference(conn, month)
                    mismatched = _mismatches(conn, month)
                    assert mismatched == 0, f"{step}: {mismatched} rows differ from the floor"
                    if step in ("again", "compare"):
                        assert report["created"] == report["updated"] == 0, report
                floor, imported, again = figures["floor"], figures["import"], figures["again"]
                compare = figures["compare"]
                print(
                    f"run {run}: floor {floor:6.2f} s  aside {figures['aside']:6.2f} s  "
                    f"import {imported:6.2f} s ({imported / floor:.2f}× floor)  "
                    f"again {again:6.2f} s ({again / imported:.2f}× import)  "
                    f"compare {compare:6.2f} s ({compare / imported:.2f}× import)  "
                    "rows agree: yes"
                )
            _reset(conn, month)
            conn.execute("DROP TABLE IF EXISTS bench_floor_rows")
        _summary(rows, rss, args.lines)
    finally:
        print(f"load after: {_uptime()}")
        if not args.db and not args.keep:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {db}")


def _summary(rows, rss, lines) -> None:
    def stats(values):
        return min(values), statistics.median(values)

    print()
    print("work                          min      median   peak RSS (child)")
    for step, label in (
        ("floor", "floor: COPY resolved rows"),
        ("aside", "resolved rows, built aside"),
        ("import", f"import {lines:,} lines"),
        ("again", "re-import, unchanged"),
        ("compare", "re-import, compared in SQL"),
    ):
        low, mid = stats(rows[step])
        print(f"{label:28s} {low:7.2f} s {mid:7.2f} s   {rss[step] / 1024:6.0f} MB")
    ratio = [i / f for i, f in zip(rows["import"], rows["floor"], strict=True)]
    aside = [i / f for i, f in zip(rows["import"], rows["aside"], strict=True)]
    again = [a / i for a, i in zip(rows["again"], rows["import"], strict=True)]
    compare = [c / i for c, i in zip(rows["compare"], rows["import"], strict=True)]
    for label, values, target in (
        ("import / floor", ratio, 1.2),
        ("import / built aside", aside, None),
        ("re-import / import", again, 0.5),
        ("compared re-import / import", compare, None),
    ):
        low, mid = stats(values)
        met = (
            ""
            if target is None
            else f"  target ≤ {target}: {'met' if mid <= target else 'NOT met'}"
        )
        print(f"{label:28s} {low:7.2f}×  {mid:7.2f}×{met}")


# --- the child process: one timed step ---------------------------------------------------


def _child(args) -> None:
    import datetime as dt

    _django(os.environ["BENCH_URL"])
    from django.db import connection, transaction

    from imports.services import import_file
    from markets import partitions

    month = dt.date.fromisoformat(args.month)
    work = Path(args.work)
    report = {}
    if args.step == "floor":  # the month's partition, empty, with its keys and index
        with transaction.atomic():
            partitions.month_partition_ensure(month)
    if args.step in ("floor", "aside"):
        data = (work / "resolved.csv").read_bytes()
    else:
        data = (work / "orders.csv").read_bytes()
    start = time.perf_counter()
    if args.step == "floor":
        with transaction.atomic(), connection.cursor() as cursor:
            _copy(cursor, f"COPY markets_orderline ({ROW}) FROM STDIN (FORMAT csv)", data)
    elif args.step == "aside":
        with transaction.atomic(), connection.cursor() as cursor:
            name = partitions.partition_name(month)
            partitions.standalone_create(cursor, name, month)
            cursor.execute(
                f"ALTER TABLE {name} ALTER COLUMN id SET DEFAULT nextval('{partitions.SEQUENCE}')"
            )
            _copy(cursor, f"COPY {name} ({ROW}) FROM STDIN (FORMAT csv)", data)
            cursor.execute(f"ALTER TABLE {name} ALTER COLUMN id DROP DEFAULT")
            partitions.standalone_index(cursor, name)
            partitions.standalone_attach(cursor, name, month)
    else:
        if args.step == "compare":  # as after a write into the month: no record to go by
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM markets_ordermonthimport")
            start = time.perf_counter()
        result = import_file(kind="orders", content=data, filename="orders.csv")
        assert result.ok, (result.errors[:5], result.file_error)
        report = {
            "created": result.counts.created,
            "updated": result.counts.updated,
            "unchanged": result.counts.unchanged,
        }
    report["seconds"] = time.perf_counter() - start
    # this process's own peak (the high-water mark of its memory after exec)
    status = Path("/proc/self/status").read_text()
    report["peak_kb"] = int(status.split("VmHWM:")[1].split()[0])
    print(json.dumps(report))


def _copy(cursor, sql: str, data: bytes) -> None:
    with cursor.connection.cursor().copy(sql) as copy:
        view = memoryview(data)
        for offset in range(0, len(view), 1 << 20):
            copy.write(view[offset : offset + (1 << 20)])


def _run_child(step, url, work, month):
    process = subprocess.Popen(
        [sys.executable, __file__, "--step", step, "--work", str(work), "--month", str(month)],
        stdout=subprocess.PIPE,
        env={**os.environ, "BENCH_URL": url},
        cwd=ROOT,
    )
    output = process.stdout.read()
    if process.wait():
        raise SystemExit(f"step {step} failed")
    report = json.loads(output.decode().strip().splitlines()[-1])
    return report["seconds"], report["peak_kb"], report


# --- set-up, reference rows, checks ------------------------------------------------------


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "0")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _month(conn, args):
    import datetime as dt

    if args.month:
        month = dt.date.fromisoformat(f"{args.month}-01")
    elif not args.db:
        month = dt.date(2026, 9, 1)
    else:
        last = conn.execute("SELECT max(order_date) FROM markets_orderline").fetchone()[0]
        month = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    end = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    held = conn.execute(
        "SELECT count(*) FROM markets_orderline WHERE order_date >= %s AND order_date < %s",
        [month, end],
    ).fetchone()[0]
    if held:
        raise SystemExit(f"{month:%Y-%m} already holds {held:,} lines: pick a new month")
    return month


def _reset(conn, month) -> None:
    """The month without lines: its partition (if any) dropped."""
    name = f"markets_orderline_y{month.year:04d}m{month.month:02d}"
    exists = conn.execute("SELECT to_regclass(%s)", [name]).fetchone()[0]
    if exists:
        conn.execute(f"ALTER TABLE markets_orderline DETACH PARTITION {name}")
        conn.execute(f"DROP TABLE {name}")
    conn.execute(f"DROP TABLE IF EXISTS {name}_new")
    conn.execute("DELETE FROM markets_ordermonthimport WHERE month = %s", [month])


def _month_rows(month) -> str:
    end = f"{month.year + month.month // 12:04d}-{month.month % 12 + 1:02d}-01"
    return (
        f"SELECT {ROW} FROM markets_orderline "
        f"WHERE order_date >= '{month:%Y-%m-%d}' AND order_date < '{end}'"
    )


def _keep_reference(conn, month) -> None:
    conn.execute("DROP TABLE IF EXISTS bench_floor_rows")
    conn.execute(f"CREATE UNLOGGED TABLE bench_floor_rows AS {_month_rows(month)}")


def _mismatches(conn, month) -> int:
    rows = _month_rows(month)
    return conn.execute(
        f"SELECT (SELECT count(*) FROM ({rows} EXCEPT ALL SELECT * FROM bench_floor_rows) a)"
        f" + (SELECT count(*) FROM (SELECT * FROM bench_floor_rows EXCEPT ALL {rows}) b)"
    ).fetchone()[0]


def _master_data(conn) -> None:
    conn.execute(
        "INSERT INTO accounts_user (password, last_login, is_superuser, username, "
        "first_name, last_name, email, is_staff, is_active, date_joined, name, role) "
        "VALUES ('!', NULL, false, 'cm', '', '', '', false, true, now(), '客户经理', "
        "'customer_manager')"
    )
    conn.execute(
        "INSERT INTO customers_customer (code, name, license_no, manager_id, contact, "
        "address, phone, business_format, tier, market_type, trade_area, visit_method, "
        "visit_frequency, status, created_at, updated_at) "
        "SELECT 'C' || lpad(i::text, 6, '0'), '客户' || i, '', (SELECT id FROM accounts_user), "
        "'', '', '', 'convenience', 1 + i % 30, 'urban', '', 'onsite', 'weekly', 'active', "
        "now(), now() FROM generate_series(1, 30000) i"
    )
    conn.execute("INSERT INTO brands_brand (name, manufacturer) VALUES ('品牌', '')")
    conn.execute(
        "INSERT INTO brands_sku (code, name, brand_id, manufacturer, price_class, "
        "wholesale_price, retail_price, is_key_brand, status) "
        "SELECT 'S' || lpad(i::text, 4, '0'), '单品' || i, (SELECT id FROM brands_brand), '', "
        "1 + i % 5, 50 + i % 400, 60 + i % 450, false, 'active' FROM generate_series(1, 800) i"
    )


def _write_files(conn, month, lines: int, csv_path: Path, resolved_path: Path) -> None:
    """The CSV to import (codes, no amount: the wholesale price fills it in) and the same
    lines resolved to what the table stores (ids, requested, amount), in the same order."""
    customers = pd.DataFrame(
        conn.execute("SELECT code, id FROM customers_customer ORDER BY id").fetchall(),
        columns=["code", "id"],
    )
    skus = pd.DataFrame(
        conn.execute(
            "SELECT code, id, round(wholesale_price * 100)::bigint FROM brands_sku "
            "WHERE wholesale_price IS NOT NULL ORDER BY id"
        ).fetchall(),
        columns=["code", "id", "cents"],
    )
    days = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).day
    rng = np.random.default_rng(135)
    # distinct (day, customer, SKU) keys: sampled without replacement from the key space
    keys = rng.choice(days * len(customers) * len(skus), size=lines, replace=False)
    day, rest = np.divmod(keys, len(customers) * len(skus))
    customer, sku = np.divmod(rest, len(skus))
    quantity = rng.integers(0, 40, size=lines)
    requested = quantity + rng.integers(0, 5, size=lines)
    dates = (pd.Timestamp(month) + pd.to_timedelta(day, unit="D")).strftime("%Y-%m-%d")
    pd.DataFrame(
        {
            "order_date": dates,
            "customer_code": customers["code"].to_numpy()[customer],
            "sku_code": skus["code"].to_numpy()[sku],
            "quantity": quantity,
            "requested_quantity": requested,
        }
    ).to_csv(csv_path, index=False)
    cents = quantity * skus["cents"].to_numpy()[sku]
    pd.DataFrame(
        {
            "order_date": dates,
            "customer_id": customers["id"].to_numpy()[customer],
            "sku_id": skus["id"].to_numpy()[sku],
            "quantity": quantity,
            "requested_quantity": requested,
            "amount": [f"{c // 100}.{c % 100:02d}" for c in cents],
        }
    ).to_csv(resolved_path, index=False, header=False)


def _uptime() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    return out[out.index("load average") :].strip()


if __name__ == "__main__":
    main()
