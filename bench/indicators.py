"""Benchmark: the monthly indicators job on city-scale data (PostgreSQL), next to an
independent reference that produces the same three result tables, measured in the same run and
checked row for row against the job's stored rows.

    .venv/bin/python bench/indicators.py [--pg postgresql://postgres@127.0.0.1:5432]
        [--db work135_indcity] [--reseed] [--drop] [--runs 3]

Uses the database ``--db`` when it already holds customers and order lines (e.g. a copy of
the 13-month city data set: ``CREATE DATABASE work135_x TEMPLATE work135_city13``, so M−12 is
real); otherwise (or with ``--reseed``) creates it: ``migrate`` and ``seed_demo --scale city``
(the seed's own number of months). The database is kept afterwards unless ``--drop``.

The month M is the one of the latest order line. Each run measures, each in its own child
process (so each has its own peak RSS, ``ru_maxrss``):
  1. the reference (``_reference``): reads the same inputs (order lines of M and M−1 through
     ``psql \\copy`` in binary, M−12 summed per manager and SKU, checks, prices, forecasts,
     execution counts, catalogue, customers, managers, teams), computes every column of the
     scope, customer and manager tables with plain pandas group-bys and merges, and writes
     them (DELETE of the month + COPY) into scratch copies of the job's tables
     (``bench_ref_*``: same columns and indexes, no foreign keys);
  2. ``indicators_compute(month=M)``: the real job, stored results and run record included.
Then every row of the job's three tables for M is matched by its natural key with the
reference's and every column compared (integers, text and money exactly; rates to 1e-9
relative — sums of price ratios may be added in another order): counts and mismatches are
printed, and any mismatch fails the bench (exit status 1).

Before each run the tables both sides write are vacuumed (this machine's PostgreSQL runs
with autovacuum off; production's does not). Figures: min and median over the runs of each
side, the ratio job / reference of each run (same run, same load) with its min and median,
peak RSS per child, and the load average.
Targets (issue #15): the job ≤ 12 s (median), ≤ 1.2× the reference (median ratio), peak
RSS ≤ 1.2 GB.
"""

import argparse
import datetime as dt
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = "work135_indcity"
TARGET_SECONDS = 12.0
TARGET_RATIO = 1.2
TARGET_RSS_MIB = 1200
RESULT = "RESULT "  # prefix of the child's one line of JSON on stdout
RATE_TOLERANCE = 1e-9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--reseed", action="store_true", help="rebuild the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["job", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--month", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = f"{args.pg}/{args.db}"
    if args.child:
        month = dt.date.fromisoformat(f"{args.month}-01")
        result = _job(url, month) if args.child == "job" else _reference(url, month)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(RESULT + json.dumps(result), flush=True)
        return

    failed = False
    try:
        _prepare(args.pg, args.db, url, reseed=args.reseed)
        month = _describe(url)
        _scratch_tables(url)
        references, jobs = [], []
        for run in range(1, args.runs + 1):
            print(f"\nrun {run}/{args.runs}  (load average {_load()})")
            _vacuum(url)
            reference = _spawn("reference", args, month)
            references.append(reference)
            print(
                f"  reference (same tables, pandas)     : {reference['seconds']:6.2f} s   "
                f"peak RSS {reference['peak_rss_mib']:6.0f} MiB   "
                f"(read {reference['read_s']:.2f} s, compute {reference['compute_s']:.2f} s, "
                f"write {reference['write_s']:.2f} s; {reference['lines']:,} lines)"
            )
            job = _spawn("job", args, month)
            jobs.append(job)
            print(
                f"  indicators_compute({month:%Y-%m})         : {job['seconds']:6.2f} s   "
                f"peak RSS {job['peak_rss_mib']:6.0f} MiB   "
                f"({job['rows_written']:,} rows written; {job['lines']:,} lines loaded)"
            )
            steps = "  ".join(f"{label} {seconds:.2f} s" for label, seconds in job["steps"])
            print(f"    steps: {steps}")
            for step in ("loading", "writing"):
                parts = "  ".join(f"{n} {s:.2f} s" for at, n, s in job["inner"] if at == step)
                print(f"    inside {step}: {parts}")
            ratio = job["seconds"] / reference["seconds"]
            print(f"  ratio job / reference               : {ratio:.2f}×")
            failed |= _compare(url, month) > 0
        failed |= not _verdict(references, jobs)
    finally:
        if args.drop:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {args.db}")
            print(f"dropped {args.db}")
    if failed:
        raise SystemExit(1)


def _vacuum(url: str) -> None:
    """VACUUM the tables both sides rewrite, as autovacuum does between monthly runs: this
    machine's PostgreSQL runs with autovacuum off, and back-to-back runs would otherwise
    each find the dead rows of all the runs before (millions after a few benches)."""
    tables = [t for pair in REFERENCE_TABLES.values() for t in pair]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the parent: database, month, children, check, verdict ---------------------------------


def _prepare(pg: str, db: str, url: str, *, reseed: bool) -> None:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
    if exists and not reseed and _has_data(url):
        # the kept database may predate the code's latest migrations
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env=_env(url),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return
    print(f"building {db}: createdb, migrate, seed_demo --scale city …", flush=True)
    start = time.perf_counter()
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {db}")
        admin.execute(f"CREATE DATABASE {db}")
    env = _env(url)
    for command in (
        ["migrate", "--verbosity", "0"],
        ["seed_demo", "--scale", "city", "--no-indicators"],
    ):
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    assert _has_data(url), f"{db} still has no customers or order lines"
    print(f"built {db} in {time.perf_counter() - start:.0f} s")


def _has_data(url: str) -> bool:
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT to_regclass('customers_customer'), to_regclass('markets_orderline')"
        ).fetchone()
        if None in tables:
            return False
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM customers_customer WHERE status = 'active')"
            " AND EXISTS (SELECT 1 FROM markets_orderline)"
        ).fetchone()[0]


def _describe(url: str) -> dt.date:
    """Print what the database holds; return the month of the latest order line. Reading the
    lines of M, M−1 and M−12 here also puts them in the cache for both measurements."""
    with psycopg.connect(url) as conn:
        first, last = conn.execute(
            "SELECT min(order_date), max(order_date) FROM markets_orderline"
        ).fetchone()
        month = last.replace(day=1)
        active, customers = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'active'), count(*) FROM customers_customer"
        ).fetchone()
        counts = {
            k: conn.execute(
                "SELECT count(*), sum(quantity) FROM markets_orderline"
                " WHERE order_date >= %s AND order_date < %s",
                [_add_months(month, -k), _add_months(month, 1 - k)],
            ).fetchone()[0]
            for k in (0, 1, 12)
        }
    print(
        f"database: {active:,} active of {customers:,} customers; order lines {first} … {last}\n"
        f"month {month:%Y-%m}: {counts[0]:,} lines in M, {counts[1]:,} in M−1, "
        f"{counts[12]:,} in M−12"
    )
    return month


def _spawn(kind: str, args, month: dt.date) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--month", f"{month:%Y-%m}"]
    command += ["--pg", args.pg, "--db", args.db]
    done = subprocess.run(
        command, cwd=ROOT, env=_env(f"{args.pg}/{args.db}"), capture_output=True, text=True
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the {kind} child failed ({done.returncode})")
    line = next(x for x in done.stdout.splitlines() if x.startswith(RESULT))
    return json.loads(line[len(RESULT) :])


def _env(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env.pop("REDIS_URL", None)
    return env


def _scratch_tables(url: str) -> None:
    """(Re)create the reference's tables as copies of the job's (columns, defaults, checks,
    indexes; no foreign keys), so they follow the current migrations."""
    with psycopg.connect(url, autocommit=True) as conn:
        for job_table, scratch in REFERENCE_TABLES.values():
            conn.execute(f"DROP TABLE IF EXISTS {scratch}")
            conn.execute(f"CREATE TABLE {scratch} (LIKE {job_table} INCLUDING ALL)")


def _compare(url: str, month: dt.date) -> int:
    """Match the job's and the reference's rows of ``month`` by natural key and compare every
    column; print what was compared and every kind of mismatch. Returns the mismatches."""
    mismatches = 0
    with psycopg.connect(url) as conn:
        for kind, (job_table, scratch) in REFERENCE_TABLES.items():
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                    " AND column_name <> 'id' ORDER BY ordinal_position",
                    [job_table],
                )
            ]
            select = ", ".join(columns)

            at = [columns.index(k) for k in KEYS[kind]]

            def rows(table, select=select, at=at):
                found = conn.execute(f"SELECT {select} FROM {table} WHERE month = %s", [month])
                return {tuple(r[i] for i in at): r for r in found.fetchall()}

            job, reference = rows(job_table), rows(scratch)
            only_job = job.keys() - reference.keys()
            only_reference = reference.keys() - job.keys()
            differ: dict[str, list] = {}
            for key in job.keys() & reference.keys():
                for i, name in enumerate(columns):
                    a, b = job[key][i], reference[key][i]
                    if not _same(a, b):
                        differ.setdefault(name, []).append((key, a, b))
            bad = len(only_job) + len(only_reference) + sum(len(v) for v in differ.values())
            mismatches += bad
            print(
                f"  check {kind:8}: {len(job):,} job rows, {len(reference):,} reference rows,"
                f" {len(job.keys() & reference.keys()):,} matched × {len(columns)} columns:"
                f" {bad} mismatches"
            )
            for label, keys in (
                ("only in the job", only_job),
                ("only in the reference", only_reference),
            ):
                if keys:
                    print(f"    {len(keys)} {label}, e.g. {sorted(keys, key=repr)[:3]}")
            for name, found in sorted(differ.items()):
                key, a, b = found[0]
                print(
                    f"    {name}: {len(found)} rows differ, e.g. {key}: job {a!r}, reference {b!r}"
                )
    return mismatches


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=RATE_TOLERANCE, abs_tol=1e-12)
    return a == b


def _verdict(references: list[dict], jobs: list[dict]) -> bool:
    def spread(values) -> str:
        return f"min {min(values):6.2f}  median {statistics.median(values):6.2f}"

    job_s = [j["seconds"] for j in jobs]
    reference_s = [r["seconds"] for r in references]
    ratios = [j / r for j, r in zip(job_s, reference_s, strict=True)]
    job_rss = max(j["peak_rss_mib"] for j in jobs)
    reference_rss = max(r["peak_rss_mib"] for r in references)
    print(f"\nsummary ({len(jobs)} runs; load average now {_load()}):")
    print(f"  job        {spread(job_s)} s   peak RSS {job_rss:6.0f} MiB")
    print(f"  reference  {spread(reference_s)} s   peak RSS {reference_rss:6.0f} MiB")
    print(f"  ratio      {spread(ratios)} ×  (each run's job / that run's reference)")
    job_median, ratio_median = statistics.median(job_s), statistics.median(ratios)
    checks = [
        (job_median <= TARGET_SECONDS, f"job time {job_median:.2f} s ≤ {TARGET_SECONDS:.0f} s"),
        (ratio_median <= TARGET_RATIO, f"job / reference {ratio_median:.2f}× ≤ {TARGET_RATIO}×"),
        (job_rss <= TARGET_RSS_MIB, f"job peak RSS {job_rss:.0f} MiB ≤ {TARGET_RSS_MIB} MiB"),
    ]
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return all(ok for ok, _ in checks)


def _add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


# --- the children ---------------------------------------------------------------------------


def _job(url: str, month: dt.date) -> dict:
    """The real job, with its steps timed through the progress callback and the parts of the
    loading step timed by wrapping the functions the job calls."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from reports import frames as frames_module
    from reports import services, shards, store

    # the stored warnings the job then queues (eagerly here, without Redis) are measured by
    # bench/analysis_pages.py; the reference computes indicators only
    settings.REPORTS_MONTH_WRITTEN = []

    inner: list[tuple[str, str, float]] = []
    loaded = {}

    def timed(module, name: str, label: str, step: str = "loading") -> None:
        original = getattr(module, name)

        def wrapper(*a, **kw):
            start = time.perf_counter()
            out = original(*a, **kw)
            if name == "insert_rows":
                label_now = f"{label} {a[0]._meta.model_name} ({len(a[1]):,} rows)"
            else:
                label_now = label
            inner.append((step, label_now, time.perf_counter() - start))
            if name == "load_lines":  # once per month, possibly in parallel threads
                loaded["lines"] = loaded.get("lines", 0) + len(out)
            return out

        setattr(module, name, wrapper)

    timed(frames_module, "load_lines", "load_lines (one month)")
    timed(shards, "load_frames", "load_frames (all)")
    timed(shards, "month_assemble", "month_assemble (objects, scopes)", "manager indicators")
    timed(services, "replace_month", "replace_month (all)", "writing")
    timed(store, "insert_rows", "COPY", "writing")

    marks: list[tuple[str, float]] = []

    def progress(percent: int, label: str) -> None:
        marks.append((label, time.perf_counter()))

    start = time.perf_counter()
    run = services.indicators_compute(month=month, progress=progress)
    seconds = time.perf_counter() - start
    assert run.status == "succeeded", run.error
    # each step lasts from its mark to the next one; "setup" is the run record before LOADING
    bounds = [("setup", start), *marks]
    steps = [
        (label, bounds[i + 1][1] - at)
        for i, (label, at) in enumerate(bounds[:-1])
        if label != "done"
    ]
    return {
        "seconds": seconds,
        "rows_written": run.rows_written,
        "lines": loaded.get("lines", 0),
        "steps": steps,
        "inner": inner,
    }


# --- the reference: the same three tables by another route ----------------------------------

# scratch tables the reference writes: copies of the job's tables (columns, defaults, checks,
# indexes; no foreign keys), so its writing maintains the same indexes
REFERENCE_TABLES = {
    "scope": ("reports_scopeindicator", "bench_ref_scopeindicator"),
    "customer": ("reports_customerindicator", "bench_ref_customerindicator"),
    "manager": ("reports_managerindicator", "bench_ref_managerindicator"),
}
# how the check matches rows of each table: by natural key
KEYS = {
    "scope": ["scope_type", "scope_key", "object_type", "object_key"],
    "customer": ["customer_id"],
    "manager": ["manager_id"],
}


def _psql_copy(url: str, query: str) -> subprocess.Popen:
    """Start ``psql`` writing ``query``'s rows as a binary COPY stream to its stdout (C, no
    Python per row); read it with ``.communicate()``."""
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c"]
    command.append(f"\\copy ({query}) TO STDOUT WITH (FORMAT binary)")
    return subprocess.Popen(command, stdout=subprocess.PIPE)


def _read_copy(started: subprocess.Popen) -> bytes:
    out, _ = started.communicate()
    if started.returncode:
        raise SystemExit(f"psql failed ({started.returncode})")
    return out


def _fixed_rows(data: bytes, columns: dict):
    """Parse a binary COPY stream of non-null fixed-size columns (``name: ">i4"/">i8"``)
    into a numpy record array: every row has the same length, so one ``frombuffer``."""
    import numpy as np

    fields = [("fields", ">i2")]
    for name, kind in columns.items():
        fields += [(f"{name}_size", ">i4"), (name, kind)]
    header = 19 + int.from_bytes(data[15:19], "big")  # signature, flags, extension
    body = data[header:-2]  # the trailer: -1 as int16
    return np.frombuffer(body, dtype=np.dtype(fields))


def _reference(url: str, month: dt.date) -> dict:
    """An independent, straightforward implementation of the three result tables, written.

    Reads (same inputs as the job): the active customers and their managers, the customer
    managers (by role, or owning an active customer) and teams, SKUs (brand, category,
    retail price, key flag, on sale), categories; the active customers' order lines of M
    (customer, SKU, day, delivered, requested, amount in cents) and of M−1 (customer, SKU,
    delivered) — each month one ``psql \\copy`` in binary (the two at once, while the small
    reads go on), parsed with one numpy ``frombuffer``; the M−12 volume per (manager, SKU)
    summed in SQL and whether M−12 has any line; forecasts; each (customer, SKU)'s latest
    shelf and inventory check of M (local Asia/Shanghai month, ties: the later record) and
    every price check of M, and the latest price check of M per (customer, SKU); the stored
    gross profit of M−1 and M−12 (the change's bases, by definition); the execution
    counts (actions planned/done, planned visits, valid visits ≥ 60 s) in SQL — not through
    the job's hook.

    Computes, in plain pandas group-bys and merges: (customer, SKU) sums → objects (SKU,
    brand, every category node above the SKU's leaf) → per manager → per scope (company,
    team, manager); ordering customers from de-duplicated (customer, object) pairs, and so
    on for every column of the three tables (DESIGN.md §5).

    Writes: ``DELETE`` of the month and a binary ``COPY`` into scratch copies of the job's
    tables (same columns and indexes, no foreign keys), in one transaction.
    Nothing is left out."""
    import numpy as np
    import pandas as pd

    timings = {}
    start = time.perf_counter()
    first, after = month, _add_months(month, 1)
    last_day = after - dt.timedelta(days=1)
    local = "Asia/Shanghai"

    def lines(period: int, detailed: bool):
        """Start reading one month's lines; returns (the psql process, the columns)."""
        begin = _add_months(month, -period)
        end = _add_months(begin, 1)
        columns = {"customer_id": ">i8", "sku_id": ">i8", "quantity": ">i4"}
        select = "o.customer_id, o.sku_id, o.quantity"
        if detailed:
            columns.update({"day": ">i4", "requested": ">i4", "cents": ">i8"})
            select += (
                f", (o.order_date - DATE '{first}')::int4, o.requested_quantity,"
                " (o.amount * 100)::int8"
            )
        query = (
            f"SELECT {select} FROM markets_orderline o"
            " JOIN customers_customer c ON c.id = o.customer_id AND c.status = 'active'"
            f" WHERE o.order_date >= '{begin}' AND o.order_date < '{end}'"
        )
        return _psql_copy(url, query), columns

    def parsed(started) -> pd.DataFrame:
        process, columns = started
        rows = _fixed_rows(_read_copy(process), columns)
        return pd.DataFrame({c: rows[c].astype("int64") for c in columns})

    # the two big reads run in psql processes of their own while the small ones go here
    reading = {0: lines(0, detailed=True), 1: lines(1, detailed=False)}
    with psycopg.connect(url) as conn:

        def frame(query: str, names: list[str], params=None) -> pd.DataFrame:
            return pd.DataFrame(conn.execute(query, params).fetchall(), columns=names)

        customers = frame(
            "SELECT id, manager_id FROM customers_customer WHERE status = 'active'",
            ["customer_id", "manager_id"],
        )
        managers = frame(
            "SELECT u.id, u.username, u.team_id, t.code FROM accounts_user u"
            " LEFT JOIN accounts_team t ON t.id = u.team_id"
            " WHERE u.role = 'customer_manager' OR u.id IN"
            " (SELECT manager_id FROM customers_customer WHERE status = 'active')",
            ["manager_id", "username", "team_id", "team_code"],
        )
        teams = frame("SELECT id, code FROM accounts_team", ["team_id", "team_code"])
        skus = frame(
            "SELECT s.id, s.code, s.name, b.name, s.category_id, s.retail_price::float8,"
            " s.is_key_brand, s.status = 'active' AND"
            " (s.launch_date IS NULL OR s.launch_date <= %s)"
            " FROM brands_sku s JOIN brands_brand b ON b.id = s.brand_id",
            ["sku_id", "code", "name", "brand", "category_id", "retail", "is_key", "on_sale"],
            [last_day],
        )
        categories = frame(
            "SELECT id, parent_id, name FROM brands_category", ["id", "parent_id", "name"]
        )
        year_ago = frame(
            "SELECT c.manager_id, o.sku_id, SUM(o.quantity) FROM markets_orderline o"
            " JOIN customers_customer c ON c.id = o.customer_id AND c.status = 'active'"
            " WHERE o.order_date >= %s AND o.order_date < %s GROUP BY 1, 2",
            ["manager_id", "sku_id", "quantity"],
            [_add_months(month, -12), _add_months(month, -11)],
        )
        has_year_ago = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM markets_orderline"
            " WHERE order_date >= %s AND order_date < %s)",
            [_add_months(month, -12), _add_months(month, -11)],
        ).fetchone()[0]
        forecasts = frame(
            "SELECT f.customer_id, f.quantity FROM markets_forecast f"
            " JOIN customers_customer c ON c.id = f.customer_id AND c.status = 'active'"
            " WHERE f.month = %s",
            ["customer_id", "forecast"],
            [first],
        )
        window = (
            f"observed_at >= (%s::timestamp AT TIME ZONE '{local}')"
            f" AND observed_at < (%s::timestamp AT TIME ZONE '{local}')"
        )

        def latest(table: str, value: str, name: str) -> pd.DataFrame:
            return frame(
                f"SELECT DISTINCT ON (k.customer_id, k.sku_id) k.customer_id, k.sku_id, {value}"
                f" FROM {table} k"
                " JOIN customers_customer c ON c.id = k.customer_id AND c.status = 'active'"
                f" WHERE {window}"
                " ORDER BY k.customer_id, k.sku_id, k.observed_at DESC, k.id DESC",
                ["customer_id", "sku_id", name],
                [first, after],
            )

        shelf = latest("markets_shelfcheck", "k.on_shelf", "on_shelf")
        inventory = latest("markets_inventorycheck", "k.quantity", "stock")
        latest_prices = latest("markets_pricecheck", "k.price::float8", "price")
        # the gross profit's bases: the job's own stored rows of M−1 and M−12 (by definition,
        # reports/profit_rates.py)
        past_profits = frame(
            "SELECT i.customer_id, i.month, (i.gross_profit * 100)::float8"
            " FROM reports_customerindicator i"
            " JOIN customers_customer c ON c.id = i.customer_id AND c.status = 'active'"
            " WHERE i.month IN (%s, %s) AND i.gross_profit IS NOT NULL",
            ["customer_id", "month", "cents"],
            [_add_months(month, -1), _add_months(month, -12)],
        )
        prices = frame(
            "SELECT k.customer_id, k.sku_id, k.price::float8 FROM markets_pricecheck k"
            " JOIN customers_customer c ON c.id = k.customer_id AND c.status = 'active'"
            f" WHERE {window}",
            ["customer_id", "sku_id", "price"],
            [first, after],
        )
        plan = (
            "FROM cycle_marketingaction a JOIN cycle_cycle y ON y.id = a.cycle_id"
            " WHERE y.month = %s AND a.removed_at IS NULL AND NOT a.temporary"
        )
        valid = (
            "FROM cycle_visit v JOIN cycle_cycle y ON y.id = v.cycle_id"
            " WHERE v.date >= %s AND v.date <= %s AND v.checked_in_at IS NOT NULL"
            " AND v.checked_out_at >= v.checked_in_at + interval '60 seconds'"
        )
        execution = {
            "actions_planned": frame(
                f"SELECT y.manager_id, count(*) {plan} GROUP BY 1", ["manager_id", "n"], [first]
            ),
            "actions_done": frame(
                f"SELECT y.manager_id, count(*) {plan} AND a.done_at IS NOT NULL GROUP BY 1",
                ["manager_id", "n"],
                [first],
            ),
            "visits_planned": frame(
                "SELECT y.manager_id, count(*) FROM cycle_plannedvisit p"
                " JOIN cycle_cycle y ON y.id = p.cycle_id WHERE y.month = %s GROUP BY 1",
                ["manager_id", "n"],
                [first],
            ),
            "visits_done": frame(
                f"SELECT y.manager_id, count(*) {valid} GROUP BY 1",
                ["manager_id", "n"],
                [first, last_day],
            ),
        }
        customer_execution = {
            "visits_done": frame(
                f"SELECT v.customer_id, count(*) {valid} GROUP BY 1",
                ["customer_id", "n"],
                [first, last_day],
            ),
            "actions_done": frame(
                f"SELECT a.customer_id, count(*) {plan} AND a.done_at IS NOT NULL GROUP BY 1",
                ["customer_id", "n"],
                [first],
            ),
        }
    now, before = parsed(reading[0]), parsed(reading[1])
    timings["read_s"] = time.perf_counter() - start

    # --- objects: every SKU on sale or seen, its brand, every category node above its leaf
    parent = dict(zip(categories["id"], categories["parent_id"], strict=True))
    name = dict(zip(categories["id"], categories["name"], strict=True))

    def path(node) -> str:
        names = []
        while node is not None and not pd.isna(node):
            names.append(name[node])
            node = parent[node]
        return " / ".join(reversed(names))

    seen = set(now["sku_id"]) | set(before["sku_id"]) | set(year_ago["sku_id"])
    seen |= set(shelf["sku_id"]) | set(inventory["sku_id"]) | set(prices["sku_id"])
    chosen = skus[skus["on_sale"] | skus["sku_id"].isin(seen)]
    members = []
    for sku in chosen.itertuples():
        members.append((sku.sku_id, "sku", sku.code, sku.name))
        members.append((sku.sku_id, "brand", sku.brand, sku.brand))
        node = sku.category_id
        while node is not None and not pd.isna(node):
            members.append((sku.sku_id, "category", str(int(node)), path(node)))
            node = parent[node]
    members = pd.DataFrame(
        members, columns=["sku_id", "object_type", "object_key", "object_name"]
    ).drop_duplicates(["sku_id", "object_type", "object_key"])
    objects = members[["object_type", "object_key", "object_name"]].drop_duplicates(
        ["object_type", "object_key"]
    )
    objects = objects.reset_index(drop=True)
    objects["object"] = objects.index
    members = members.merge(objects[["object_type", "object_key", "object"]])[["sku_id", "object"]]

    # --- scopes: which manager's customers make up which scope
    managers["team_code"] = managers["team_code"].astype(object)
    scope_of_manager = pd.concat(
        [
            pd.DataFrame(
                {"manager_id": managers["manager_id"], "scope_type": "company", "scope_key": ""}
            ),
            pd.DataFrame(
                {
                    "manager_id": managers["manager_id"],
                    "scope_type": "team",
                    "scope_key": managers["team_code"],
                }
            ).dropna(),
            pd.DataFrame(
                {
                    "manager_id": managers["manager_id"],
                    "scope_type": "manager",
                    "scope_key": managers["username"],
                }
            ),
        ],
        ignore_index=True,
    )
    scopes = pd.concat(
        [
            pd.DataFrame({"scope_type": ["company"], "scope_key": [""]}),
            pd.DataFrame({"scope_type": "team", "scope_key": teams["team_code"]}),
            pd.DataFrame({"scope_type": "manager", "scope_key": managers["username"]}),
        ],
        ignore_index=True,
    )
    scope_key = ["scope_type", "scope_key"]

    def to_scopes(per_manager: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        """Sums per manager (+ ``by``) → sums per scope (+ ``by``)."""
        merged = per_manager.merge(scope_of_manager, on="manager_id")
        values = [c for c in per_manager.columns if c not in ["manager_id", *by]]
        return merged.groupby([*scope_key, *by], as_index=False)[values].sum()

    manager_of = customers.set_index("customer_id")["manager_id"]

    def per_manager_object(frame: pd.DataFrame, values: list[str]) -> pd.DataFrame:
        """(manager_id or customer_id, sku_id, values…) → sums per (manager, object)."""
        if "manager_id" not in frame:
            frame = frame.assign(manager_id=frame["customer_id"].map(manager_of))
        frame = frame.groupby(["manager_id", "sku_id"], as_index=False)[values].sum()
        frame = frame.merge(members, on="sku_id")
        return frame.groupby(["manager_id", "object"], as_index=False)[values].sum()

    def customers_per_object(pairs: pd.DataFrame, name: str) -> pd.DataFrame:
        """(customer_id, object) pairs, distinct → customers per (manager, object)."""
        pairs = pairs.assign(manager_id=pairs["customer_id"].map(manager_of))
        return (
            pairs.groupby(["manager_id", "object"], as_index=False)
            .size()
            .rename(columns={"size": name})
        )

    sales = per_manager_object(now, ["quantity", "requested", "cents"]).rename(
        columns={"quantity": "volume"}
    )
    sales_before = per_manager_object(before, ["quantity"]).rename(
        columns={"quantity": "volume_before"}
    )
    sales_year_ago = per_manager_object(
        year_ago.astype({"quantity": "int64"}), ["quantity"]
    ).rename(columns={"quantity": "volume_year_ago"})

    def ordered_pairs(frame: pd.DataFrame) -> pd.DataFrame:
        pairs = frame[frame["quantity"] > 0][["customer_id", "sku_id"]].drop_duplicates()
        return pairs.merge(members, on="sku_id")[["customer_id", "object"]].drop_duplicates()

    ordered_now, ordered_before = ordered_pairs(now), ordered_pairs(before)
    ordered_both = ordered_now.merge(ordered_before)
    shelf_pairs = (
        shelf.merge(members, on="sku_id")
        .groupby(["customer_id", "object"], as_index=False)["on_shelf"]
        .any()
    )
    checked = customers_per_object(shelf_pairs, "checked")
    on_shelf = customers_per_object(shelf_pairs[shelf_pairs["on_shelf"]], "on_shelf")
    stock = per_manager_object(inventory.assign(stock_checks=1), ["stock", "stock_checks"])
    priced = prices.merge(skus[skus["retail"] > 0][["sku_id", "retail"]], on="sku_id")
    priced = priced.assign(price_ratio=priced["price"] / priced["retail"], observed=1)
    price = per_manager_object(priced, ["price_ratio", "observed"])
    total = (
        now.assign(manager_id=now["customer_id"].map(manager_of))
        .groupby("manager_id", as_index=False)["quantity"]
        .sum()
        .rename(columns={"quantity": "total"})
    )
    total_before = (
        before.assign(manager_id=before["customer_id"].map(manager_of))
        .groupby("manager_id", as_index=False)["quantity"]
        .sum()
        .rename(columns={"quantity": "total_before"})
    )
    counted = (
        customers.groupby("manager_id", as_index=False).size().rename(columns={"size": "customers"})
    )

    grid = scopes.merge(objects, how="cross")
    for part in (
        sales,
        sales_before,
        sales_year_ago,
        stock,
        price,
        customers_per_object(ordered_now, "ordering"),
        customers_per_object(ordered_before, "ordering_before"),
        customers_per_object(ordered_both, "ordering_both"),
        checked,
        on_shelf,
    ):
        grid = grid.merge(to_scopes(part, ["object"]), on=[*scope_key, "object"], how="left")
    for part in (total, total_before, counted):
        grid = grid.merge(to_scopes(part, []), on=scope_key, how="left")
    numbers = [c for c in grid.columns if c not in [*scope_key, *objects.columns]]
    grid[numbers] = grid[numbers].fillna(0)

    def rate(num, den, where=True):
        num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
        ok = (den > 0) & np.asarray(where)
        return np.where(ok, num / np.where(ok, den, 1), np.nan)

    def growth(a, b, where=True):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return rate(a - b, b, where)

    def per_unit(cents, units):  # whole cents, half away from zero (amounts are ≥ 0)
        return np.floor(rate(cents, units) + 0.5)

    def state(volume, requested):
        volume, requested = np.asarray(volume), np.asarray(requested)
        out = np.where(100 * volume < 95 * requested, "balanced", "ample")
        out = np.where(100 * volume < 70 * requested, "tight", out)
        return np.where(requested <= 0, "", out)

    g = grid
    share, share_before = rate(g["volume"], g["total"]), rate(g["volume_before"], g["total_before"])
    scope_rows = pd.DataFrame(
        {
            "month": month,
            "scope_type": g["scope_type"],
            "scope_key": g["scope_key"],
            "object_type": g["object_type"],
            "object_key": g["object_key"],
            "object_name": g["object_name"],
            "customers": g["customers"].astype("int64"),
            "ordering_customers": g["ordering"].astype("int64"),
            "coverage_rate": rate(g["ordering"], g["customers"]),
            "shelf_rate": rate(g["on_shelf"], g["checked"]),
            "repurchase_rate": rate(g["ordering_both"], g["ordering_before"]),
            "volume": g["volume"].astype("int64"),
            "amount": g["cents"].astype("int64"),
            "avg_price": per_unit(g["cents"], g["volume"]),
            "requested": g["requested"].astype("int64"),
            "supply_satisfaction": rate(g["volume"], g["requested"]),
            "supply_state": state(g["volume"], g["requested"]),
            "share": share,
            "share_growth": growth(share, share_before),
            "volume_growth_mom": growth(g["volume"], g["volume_before"]),
            "volume_growth_yoy": growth(g["volume"], g["volume_year_ago"], has_year_ago),
            "price_index": rate(g["price_ratio"], g["observed"]),
            "inventory_to_sales": rate(g["stock"], g["volume"], g["stock_checks"] > 0),
        }
    )

    # --- customers
    c = customers.merge(managers[["manager_id", "team_id"]], on="manager_id", how="left")
    by_customer = now.groupby("customer_id")
    delivered = now[now["quantity"] > 0]
    key_skus = set(skus.loc[skus["is_key"], "sku_id"])
    sku_volume = now.groupby(["customer_id", "sku_id"], as_index=False)["quantity"].sum()
    checked_stock = inventory.merge(sku_volume, on=["customer_id", "sku_id"], how="left")
    checked_stock = (
        checked_stock.fillna({"quantity": 0}).groupby("customer_id")[["stock", "quantity"]].sum()
    )

    def column(series, fill=0):
        return series.reindex(c["customer_id"]).fillna(fill).to_numpy()

    def counts(found: dict, key: str, ids) -> dict:
        return {
            n: f.set_index(key)["n"].reindex(ids).fillna(0).astype("int64").to_numpy()
            for n, f in found.items()
        }

    volume = column(by_customer["quantity"].sum()).astype("int64")
    requested = column(by_customer["requested"].sum()).astype("int64")
    cents = column(by_customer["cents"].sum()).astype("int64")
    volume_before = column(before.groupby("customer_id")["quantity"].sum()).astype("int64")
    # gross profit: Σ quantity × retail − amount over the lines with a retail price (the latest
    # check of M at the customer, else the suggested price)
    profit_lines = now.merge(latest_prices, on=["customer_id", "sku_id"], how="left").merge(
        skus[["sku_id", "retail"]], on="sku_id", how="left"
    )
    retail_cents = np.rint(profit_lines["price"].fillna(profit_lines["retail"]) * 100)
    profit_lines = profit_lines.assign(
        profit=profit_lines["quantity"] * retail_cents - profit_lines["cents"]
    )[retail_cents.notna()]
    gross_profit = np.rint(column(profit_lines.groupby("customer_id")["profit"].sum()))
    past_profits["cents"] = np.rint(past_profits["cents"].astype(float))

    def past_profit(back: int):
        rows = past_profits[past_profits["month"] == _add_months(month, -back)]
        return column(rows.set_index("customer_id")["cents"], np.nan)

    profit_before, profit_year_ago = past_profit(1), past_profit(12)
    forecast = forecasts.set_index("customer_id")["forecast"].reindex(c["customer_id"])
    done = counts(customer_execution, "customer_id", c["customer_id"])
    customer_rows = pd.DataFrame(
        {
            "month": month,
            "customer_id": c["customer_id"],
            "manager_id": c["manager_id"],
            "team_id": c["team_id"].astype("Int64"),
            "volume": volume,
            "amount": cents,
            "order_days": column(delivered.groupby("customer_id")["day"].nunique()),
            "distinct_skus": column(delivered.groupby("customer_id")["sku_id"].nunique()),
            "key_skus_ordered": column(
                delivered[delivered["sku_id"].isin(key_skus)]
                .groupby("customer_id")["sku_id"]
                .nunique()
            ),
            "avg_price": per_unit(cents, volume),
            "volume_change_mom": growth(volume, volume_before),
            "forecast": pd.array(forecast.to_numpy(dtype=float), dtype="Int64"),
            "requested": requested,
            "forecast_error": rate(
                forecast.to_numpy(dtype=float) - requested, requested, forecast.notna()
            ),
            "inventory_to_sales": rate(
                column(checked_stock["stock"], np.nan), column(checked_stock["quantity"])
            ),
            "visits_done": done["visits_done"],
            "actions_done": done["actions_done"],
            "gross_profit": gross_profit.astype("int64"),
            "gross_profit_change_mom": growth(gross_profit, profit_before),
            "gross_profit_change_yoy": growth(gross_profit, profit_year_ago),
        }
    )

    for name in ("order_days", "distinct_skus", "key_skus_ordered"):
        customer_rows[name] = customer_rows[name].astype("int64")

    # --- managers
    m = managers
    by_manager = customer_rows.assign(volume_before=volume_before).groupby("manager_id")
    with_forecast = customer_rows[customer_rows["forecast"].notna()]
    error = with_forecast["forecast"].astype("int64") - with_forecast["requested"]
    forecast_sums = (
        pd.DataFrame(
            {
                "manager_id": with_forecast["manager_id"],
                "n": 1,
                "requested": with_forecast["requested"],
                "error": error,
                "abs_error": error.abs(),
            }
        )
        .groupby("manager_id")
        .sum()
    )

    def of_manager(series):
        return series.reindex(m["manager_id"]).fillna(0).to_numpy()

    n_customers = of_manager(by_manager.size()).astype("int64")
    m_volume = of_manager(by_manager["volume"].sum()).astype("int64")
    f_requested = of_manager(forecast_sums["requested"])
    plan_counts = counts(execution, "manager_id", m["manager_id"])
    compared = customer_rows.assign(before=profit_before).dropna(subset=["before"])
    compared = compared.assign(grew=compared["gross_profit"] > compared["before"])
    by_compared = compared.groupby("manager_id")
    profit_compared = of_manager(by_compared.size()).astype("int64")
    profit_grew = of_manager(by_compared["grew"].sum()).astype("int64")
    profit_counts = {
        "gross_profit": of_manager(customer_rows.groupby("manager_id")["gross_profit"].sum()),
        "profit_compared": profit_compared,
        "profit_grew": profit_grew,
        "profit_grew_share": rate(profit_grew, profit_compared),
    }
    manager_rows = pd.DataFrame(
        {
            "month": month,
            "manager_id": m["manager_id"],
            "team_id": m["team_id"].astype("Int64"),
            "customers": n_customers,
            "volume": m_volume,
            "volume_growth_mom": growth(m_volume, of_manager(by_manager["volume_before"].sum())),
            "forecast_accuracy": 1.0 - rate(of_manager(forecast_sums["abs_error"]), f_requested),
            "forecast_bias": rate(of_manager(forecast_sums["error"]), f_requested),
            "forecast_coverage": rate(of_manager(forecast_sums["n"]), n_customers),
            **plan_counts,
            "completion_rate": rate(plan_counts["actions_done"], plan_counts["actions_planned"]),
            **profit_counts,
        }
    )
    timings["compute_s"] = time.perf_counter() - start - timings["read_s"]

    # --- writing: the month replaced in the scratch tables, in one transaction, by a binary
    # COPY of Python values (money as Decimal, NULL as None)
    from decimal import Decimal

    binary = {
        "bigint": "int8",
        "integer": "int4",
        "smallint": "int2",
        "numeric": "numeric",
        "double precision": "float8",
        "date": "date",
        "character varying": "text",
    }

    def values(series: pd.Series, kind: str) -> list:
        if kind == "numeric":  # cents
            return [
                None if x != x else Decimal(int(x)).scaleb(-2)
                for x in series.to_numpy(dtype=float).tolist()
            ]
        if kind == "double precision":
            return [None if x != x else x for x in series.to_numpy(dtype=float).tolist()]
        if kind in ("bigint", "integer", "smallint"):
            return [None if x is pd.NA else int(x) for x in series.astype("Int64").tolist()]
        return series.tolist()

    tables = {"scope": scope_rows, "customer": customer_rows, "manager": manager_rows}
    with psycopg.connect(url) as conn:
        for _, scratch in REFERENCE_TABLES.values():
            conn.execute(f"DELETE FROM {scratch} WHERE month = %s", [month])
        for kind, rows in tables.items():
            scratch = REFERENCE_TABLES[kind][1]
            types = dict(
                conn.execute(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_name = %s",
                    [scratch],
                ).fetchall()
            )
            names = list(rows.columns)
            columns = [values(rows[n], types[n]) for n in names]
            with conn.cursor().copy(
                f"COPY {scratch} ({', '.join(names)}) FROM STDIN (FORMAT binary)"
            ) as copy:
                copy.set_types([binary[types[n]] for n in names])
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
    timings["write_s"] = time.perf_counter() - start - timings["read_s"] - timings["compute_s"]
    return {
        "seconds": time.perf_counter() - start,
        **timings,
        "lines": len(now) + len(before),
        "rows": {k: len(v) for k, v in tables.items()},
    }


if __name__ == "__main__":
    main()
