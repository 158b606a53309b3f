"""Benchmark: the monthly indicators job fanned out over Celery workers (reports/fanout.py)
on a city month, with 1 and with 2 worker processes, next to the job in one process —
measured in the same run, and checked row for row against each other.

    .venv/bin/python bench/fanout.py [--pg postgresql://postgres@127.0.0.1:5432]
        [--db work135_city13] [--redis redis://127.0.0.1:6379/9] [--runs 3] [--shards 8]

Needs a city database (``seed_demo --scale city --months 13``, see bench/indicators.py) and a
Redis server; the Redis database given is flushed. The month M is the latest order line's
(as in bench/indicators.py).

Each run, in turn:
  1. ``indicators_compute(month=M)`` in this process (the job without Celery);
  2. the fanned-out job with **one** worker process (``celery worker -c 1``), then with
     **two** (two such workers, as two machines would run them): the bench records the run
     and publishes its ``--shards`` shard tasks (``indicators_fan_out``), and measures until
     the run is recorded succeeded (the month written). Workers are started before and
     killed after each measurement, with the queue emptied before and after (the warnings the
     month's hook queues are not part of the job measured).
Before each measurement the tables the job rewrites are vacuumed (autovacuum is off on
this machine's PostgreSQL). After the first runs of each kind, the month's three tables are
compared with those the one-process job wrote (every column; rates rounded to 1e-9): any
difference fails the bench (exit status 1).

Figures: min and median of each kind, and per run the speed-up 1 worker / 2 workers (same
run) with its min and median. Target (issue #15): speed-up ≥ 1.6×.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SPEEDUP = 1.6
TABLES = {
    "reports_scopeindicator": "month, scope_type, scope_key, object_type, object_key",
    "reports_customerindicator": "month, customer_id",
    "reports_managerindicator": "month, manager_id",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="work135_city13")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args()
    env = dict(
        os.environ,
        DATABASE_URL=f"{args.pg}/{args.db}",
        REDIS_URL=args.redis,
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        INDICATOR_SHARDS=str(args.shards),
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.db import connection

    from core.months import month_start
    from markets.models import OrderLine
    from reports.fanout import indicators_fan_out
    from reports.models import IndicatorRun
    from reports.services import indicators_compute

    queue = redis.Redis.from_url(args.redis)
    queue.flushdb()
    latest = OrderLine.objects.order_by("-order_date").values_list("order_date", flat=True)[0]
    month = month_start(latest)
    print(f"month {month:%Y-%m}, {args.shards} shards, {os.cpu_count()} cores")

    def table_rows() -> dict[str, list]:
        out = {}
        with connection.cursor() as cursor:
            for table, order in TABLES.items():
                cursor.execute(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
                    [table],
                )
                columns = [
                    f"round({c}::numeric, 9)" if t == "double precision" else c
                    for c, t in cursor.fetchall()
                ]
                cursor.execute(
                    f"SELECT {', '.join(columns)} FROM {table} WHERE month = %s ORDER BY {order}",
                    [month],
                )
                out[table] = cursor.fetchall()
        return out

    def vacuum() -> None:
        """As autovacuum does between monthly runs: this machine runs PostgreSQL with
        autovacuum off, and back-to-back runs would each find the dead rows of all before."""
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}, reports_indicatorshard")

    def one_process() -> float:
        vacuum()
        start = time.perf_counter()
        run = indicators_compute(month=month)
        assert run.status == "succeeded", run.error
        return time.perf_counter() - start

    def fanned(workers: int) -> float:
        vacuum()
        queue.flushdb()
        procs = [start_worker(env, f"bench{i}") for i in range(workers)]
        try:
            wait_ready(workers)
            start = time.perf_counter()
            run = indicators_fan_out(month=month, shards=args.shards)
            while True:
                run = IndicatorRun.objects.get(pk=run.pk)
                if run.status in ("succeeded", "failed"):
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - start
            assert run.status == "succeeded", run.error
            return seconds
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGKILL)
            for proc in procs:
                proc.wait(timeout=60)
            queue.flushdb()

    results: dict[str, list[float]] = {"one process": [], "1 worker": [], "2 workers": []}
    speedups = []
    reference = None
    for n in range(args.runs):
        results["one process"].append(one_process())
        if reference is None:
            reference = table_rows()
        for workers in (1, 2):
            results[f"{workers} worker" + ("s" if workers > 1 else "")].append(fanned(workers))
            if n == 0:
                got = table_rows()
                for table in TABLES:
                    same = got[table] == reference[table]
                    print(
                        f"  check {workers} worker(s) {table}: {len(got[table]):,} rows,"
                        f" {'identical' if same else 'DIFFERENT'}"
                    )
                    if not same:
                        sys.exit(1)
        speedups.append(results["1 worker"][-1] / results["2 workers"][-1])
        print(
            f"run {n + 1}: one process {results['one process'][-1]:.2f} s, "
            f"1 worker {results['1 worker'][-1]:.2f} s, 2 workers {results['2 workers'][-1]:.2f} s,"
            f" speed-up {speedups[-1]:.2f}×  (load {os.getloadavg()[0]:.1f})"
        )
    for name, values in results.items():
        print(f"{name:12}: min {min(values):6.2f} s, median {statistics.median(values):6.2f} s")
    median = statistics.median(speedups)
    met = "met" if median >= TARGET_SPEEDUP else "NOT met"
    print(
        f"speed-up 1→2 workers: min {min(speedups):.2f}×, median {median:.2f}×"
        f"  (target ≥ {TARGET_SPEEDUP}×: {met})"
    )


def start_worker(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config.celery_app",
            "worker",
            "-c",
            "1",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killed with its pool
    )


def wait_ready(workers: int) -> None:
    from config.celery_app import app

    for _ in range(600):
        if len(app.control.ping(timeout=0.5) or []) >= workers:
            return
    raise SystemExit("the workers did not start")


if __name__ == "__main__":
    main()
