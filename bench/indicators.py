"""Benchmark: the monthly indicators job on city-scale data (PostgreSQL), next to a reference
lower bound measured in the same run.

    .venv/bin/python bench/indicators.py [--pg postgresql://postgres@127.0.0.1:5432]
        [--db work135_indcity] [--reseed] [--drop] [--runs 1]

Uses the database ``work135_indcity`` when it already holds customers and order lines;
otherwise (or with ``--reseed``) creates it: ``migrate`` and ``seed_demo --scale city``
(about 40 s). The database is kept afterwards (it is expensive to build) unless ``--drop``.

The month is the one of the latest order line. Each measurement runs in its own child
process, so each has its own peak RSS (``ru_maxrss``):
  1. the reference lower bound: one ``COPY`` of the active customers' lines of M−1 and M
     read by ``pd.read_csv``, then the group-bys the formulas need (per customer × SKU volume
     and requested for M and M−1 → coverage, repurchase, volume, share; per SKU totals; per
     customer totals), in plain pandas, nothing stored;
  2. ``indicators_compute(month=M)``: the real job, stored results and run record included.
Targets: the job ≤ 20 s, ≤ 2× the reference, peak RSS ≤ 2 GiB.
"""

import argparse
import datetime as dt
import io
import json
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
TARGET_SECONDS = 20.0
TARGET_RATIO = 2.0
TARGET_RSS_MIB = 2048
RESULT = "RESULT "  # prefix of the child's one line of JSON on stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--reseed", action="store_true", help="rebuild the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument("--runs", type=int, default=1)
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

    try:
        _prepare(args.pg, args.db, url, reseed=args.reseed)
        month = _describe(url)
        references, jobs = [], []
        for run in range(1, args.runs + 1):
            print(f"\nrun {run}/{args.runs}  (load average {os.getloadavg()[0]:.2f})")
            reference = _spawn("reference", args, month)
            references.append(reference)
            print(
                f"  reference (COPY M−1..M + group-bys) : {reference['seconds']:6.2f} s   "
                f"peak RSS {reference['peak_rss_mib']:6.0f} MiB   "
                f"({reference['lines']:,} lines: COPY {reference['copy_s']:.2f} s, "
                f"read_csv {reference['read_s']:.2f} s, group-bys {reference['group_s']:.2f} s)"
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
        _verdict(references, jobs)
    finally:
        if args.drop:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {args.db}")
            print(f"dropped {args.db}")


# --- the parent: database, month, children, verdict ---------------------------------------


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


def _verdict(references: list[dict], jobs: list[dict]) -> None:
    job_s = statistics.median(j["seconds"] for j in jobs)
    reference_s = statistics.median(r["seconds"] for r in references)
    ratio = job_s / reference_s
    job_rss = max(j["peak_rss_mib"] for j in jobs)
    reference_rss = max(r["peak_rss_mib"] for r in references)
    which = "median of runs" if len(jobs) > 1 else "one run"
    print(f"\nsummary ({which}):")
    print(f"  job       {job_s:6.2f} s   peak RSS {job_rss:6.0f} MiB")
    print(f"  reference {reference_s:6.2f} s   peak RSS {reference_rss:6.0f} MiB")
    print(f"  ratio     {ratio:6.2f}×")
    for ok, text in (
        (job_s <= TARGET_SECONDS, f"job time {job_s:.2f} s ≤ {TARGET_SECONDS:.0f} s"),
        (ratio <= TARGET_RATIO, f"job / reference {ratio:.2f}× ≤ {TARGET_RATIO:.0f}×"),
        (
            job_rss <= TARGET_RSS_MIB,
            f"job peak RSS {job_rss:.0f} MiB ≤ {TARGET_RSS_MIB} MiB (2 GiB)",
        ),
    ):
        print(f"{'PASS' if ok else 'FAIL'}  {text}")


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
    from reports import frames as frames_module
    from reports import services, store

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
    timed(services, "load_frames", "load_frames (all)")
    timed(services, "build_objects", "build_objects")
    timed(services, "all_scopes", "all_scopes")
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


def _reference(url: str, month: dt.date) -> dict:
    """The floor: one COPY of M−1 and M into pandas and the group-bys the formulas need."""
    import pandas as pd

    previous, following = _add_months(month, -1), _add_months(month, 1)
    query = (
        "SELECT o.order_date, o.customer_id, o.sku_id, o.quantity, o.requested_quantity,"
        " o.amount FROM markets_orderline o"
        " JOIN customers_customer c ON c.id = o.customer_id AND c.status = 'active'"
        f" WHERE o.order_date >= '{previous:%Y-%m-%d}' AND o.order_date < '{following:%Y-%m-%d}'"
    )
    start = time.perf_counter()
    buffer = io.BytesIO()
    with (
        psycopg.connect(url) as conn,
        conn.cursor() as cursor,
        cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy,
    ):
        for block in copy:
            buffer.write(block)
    copied = time.perf_counter()
    buffer.seek(0)
    lines = pd.read_csv(
        buffer,
        header=None,
        names=["order_date", "customer_id", "sku_id", "quantity", "requested", "amount"],
        dtype={
            "customer_id": "int64",
            "sku_id": "int64",
            "quantity": "int32",
            "requested": "int32",
            "amount": "float64",
        },
        parse_dates=["order_date"],
        date_format="%Y-%m-%d",
    )
    buffer.close()
    read = time.perf_counter()

    this = lines["order_date"] >= pd.Timestamp(month)
    now, before = lines[this], lines[~this]
    pair = ["customer_id", "sku_id"]
    # per customer × SKU: volume, requested, amount in M; volume in M−1
    pairs_now = now.groupby(pair)[["quantity", "requested", "amount"]].sum()
    pairs_before = before.groupby(pair)["quantity"].sum()
    ordered_now = pairs_now[pairs_now["quantity"] > 0]
    ordered_before = pairs_before[pairs_before > 0]
    both = ordered_now.index.intersection(ordered_before.index)
    # per SKU: totals, coverage (ordering customers), repurchase (ordered in M−1 and M), share
    per_sku = pairs_now.groupby(level="sku_id").sum()
    per_sku["volume_before"] = pairs_before.groupby(level="sku_id").sum()
    per_sku["ordering"] = ordered_now.groupby(level="sku_id").size()
    per_sku["ordering_before"] = ordered_before.groupby(level="sku_id").size()
    per_sku["ordering_both"] = both.get_level_values("sku_id").value_counts()
    per_sku["share"] = per_sku["quantity"] / per_sku["quantity"].sum()
    # per customer: totals, M−1 volume, order days, distinct SKUs ordered
    per_customer = now.groupby("customer_id")[["quantity", "requested", "amount"]].sum()
    per_customer["volume_before"] = before.groupby("customer_id")["quantity"].sum()
    delivered = now[now["quantity"] > 0]
    per_customer["order_days"] = delivered.groupby("customer_id")["order_date"].nunique()
    per_customer["distinct_skus"] = ordered_now.groupby(level="customer_id").size()
    done = time.perf_counter()
    assert len(per_sku) and len(per_customer)
    return {
        "seconds": done - start,
        "copy_s": copied - start,
        "read_s": read - copied,
        "group_s": done - read,
        "lines": len(lines),
    }


if __name__ == "__main__":
    main()
