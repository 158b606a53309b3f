"""Benchmark: 20 concurrent users on the main pages, against gunicorn with production settings.

    .venv/bin/python bench/load.py [--users 20] [--duration 60] [--workers N]
        [--pg postgresql://postgres@127.0.0.1:5432] [--db work135_load] [--months 13] [--keep]
        [--redis redis://127.0.0.1:6379/13 | --redis ""]

Creates the database ``work135_load`` on the local PostgreSQL (``migrate``, ``seed_demo``:
the small demo data), collects the static files into a temporary directory and starts
gunicorn (sync workers, 2 × CPUs + 1 unless ``--workers``) with ``config.settings.production``
(STATIC_ROOT moved to the temporary directory, nothing else changed) and, as in
docker-compose, Redis as the cache shared by the workers (``--redis``, emptied first;
``--redis ""`` leaves each worker its own in-process cache). The script stands in
for the TLS-terminating proxy: every request carries ``X-Forwarded-Proto: https``, so the
production settings (SSL redirect, secure cookies, HSTS) apply unchanged over plain http on
localhost, and the client sends the session cookie itself.

Then, in a child process running locust as a library:
  1. each demo account (cm01–cm08, mm1, mm2, brand1) logs in once, through the real login
     form (django-axes counts only failures, so nothing locks); virtual users on the same
     account share that session, like two tabs. Logins are timed but not in the figures.
  2. a preflight opens every page of every account once (following redirects to the page a
     user lands on; warms the template cache). A page that answers 4xx/5xx is an error and
     is left out of the load; the team board (/team/) is left out if it does not exist (404).
  3. ``--users`` virtual users (spread over the accounts, most of them customer managers)
     request their role's pages for ``--duration`` seconds with realistic weights and a
     think time of ``--think`` seconds between requests.
Prints per page and overall p50/p95/p99/max, request count, throughput and errors (any
status outside 2xx/3xx, a redirect to the login page, or an exception), the gunicorn
workers' CPU time per request and the load average, then PASS/FAIL against the target:
0 errors and p95 ≤ 300 ms. Exits 1 when there were errors. Afterwards stops gunicorn and
drops the database unless ``--keep``.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from load_scenarios import plan_pages
from load_users import RESULT, run_child

ROOT = Path(__file__).resolve().parent.parent
DB = "work135_load"
TARGET_P95_MS = 300.0
SETTINGS = '''"""bench/load.py: production settings, static files collected into a temporary dir."""
from config.settings.production import *  # noqa: F403

STATIC_ROOT = {static_root!r}
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users (20)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (60)")
    workers = 2 * (os.cpu_count() or 1) + 1
    parser.add_argument(
        "--workers", type=int, default=workers, help=f"gunicorn workers (2 × CPUs + 1 = {workers})"
    )
    parser.add_argument(
        "--think", default="0.5,1.5", help="seconds between a user's requests: min,max (0.5,1.5)"
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB)
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/13",
        help='the workers\' shared cache, emptied first ("": in-process caches)',
    )
    parser.add_argument("--months", type=int, help="seed_demo --months (its default: 13)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--skip", action="append", default=[], metavar="PAGE", help="leave a page out (diagnosis)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(Path(args.child))
        return

    url = f"{args.pg}/{args.db}"
    gunicorn = None
    with tempfile.TemporaryDirectory(prefix="work135_load_") as tmp:
        tmp = Path(tmp)
        try:
            env = _prepare(args, url, tmp)
            port = _free_port()
            plan = plan_pages(url, args, port)
            gunicorn = _start_gunicorn(env, port, args.workers, tmp)
            _wait_ready(gunicorn, port, args.workers, tmp, env)
            plan["gunicorn"] = gunicorn.pid
            (tmp / "plan.json").write_text(json.dumps(plan))
            result = _spawn(tmp / "plan.json")
            failed = _report(args, plan, result)
            if failed:
                _log_tail(tmp / "gunicorn.log")
        finally:
            if gunicorn is not None:
                _stop(gunicorn)
            if not args.keep:
                _drop(args.pg, args.db)
    sys.exit(1 if failed else 0)


# --- the parent: database, static files, gunicorn, report ----------------------------------


def _prepare(args, url: str, tmp: Path) -> dict:
    """Create, migrate and seed the database; collect the static files. Returns gunicorn's
    environment."""
    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {args.db}")
        admin.execute(f"CREATE DATABASE {args.db}")
    seed = ["seed_demo"] + (["--months", str(args.months)] if args.months else [])
    start = time.perf_counter()
    local = dict(_base_env(url), DJANGO_SETTINGS_MODULE="config.settings.local", DEBUG="0")
    for command in (["migrate", "--verbosity", "0"], seed):
        _manage(command, local)
    print(f"database {args.db}: migrated and seeded in {time.perf_counter() - start:.0f} s")

    (tmp / "bench_load_settings.py").write_text(SETTINGS.format(static_root=str(tmp / "static")))
    env = dict(
        _base_env(url),
        DJANGO_SETTINGS_MODULE="bench_load_settings",
        PYTHONPATH=os.pathsep.join([str(tmp), str(ROOT)]),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    _manage(["collectstatic", "--noinput", "--verbosity", "0"], env)
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        env["REDIS_URL"] = args.redis
    return env


def _base_env(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url)
    for name in ("REDIS_URL", "DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS"):
        env.pop(name, None)
    return env


def _manage(command: list[str], env: dict) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {command[0]} failed ({done.returncode})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(env: dict, port: int, workers: int, tmp: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=120",
        "--no-control-socket",  # gunicorn 27's default socket is one per machine
    ]
    # gunicorn's own log and Django's (tracebacks of 500s) both go to stderr: one file
    with open(tmp / "gunicorn.log", "ab") as log:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # own process group: stopped together, not by our Ctrl-C
        )


def _wait_ready(process: subprocess.Popen, port: int, workers: int, tmp: Path, env: dict) -> None:
    import urllib.request  # not at the top: the child must import locust before ssl

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _log_tail(tmp / "gunicorn.log")
            raise SystemExit(f"gunicorn exited ({process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        raise SystemExit("gunicorn did not answer /healthz within 120 s")
    time.sleep(1)  # let every worker finish booting (each loads Django on its own)
    cache = f"cache {env['REDIS_URL']}" if env.get("REDIS_URL") else "in-process caches"
    print(
        f"gunicorn: {workers} sync workers on 127.0.0.1:{port}, config.settings.production, {cache}"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of the workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the master and its workers
            process.wait()
    print("gunicorn stopped")


def _drop(pg: str, db: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        # gunicorn is gone, but end any connection it left behind before dropping
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [db],
        )
        admin.execute(f"DROP DATABASE IF EXISTS {db}")
    print(f"dropped {db}")


def _spawn(plan_path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(plan_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stdout)
        raise SystemExit(f"the load child failed ({done.returncode})")
    line = next(x for x in done.stdout.splitlines() if x.startswith(RESULT))
    return json.loads(line[len(RESULT) :])


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _report(args, plan, result) -> bool:
    samples = result["samples"]  # [name, ms, error or ""]
    roles = Counter(a.rstrip("0123456789") for a in plan["users"])
    print(
        f"\n{len(plan['users'])} users ({', '.join(f'{k} ×{v}' for k, v in roles.items())}) for "
        f"{plan['duration']:.0f} s, think time {plan['think'][0]}–{plan['think'][1]} s"
    )
    logins = sorted(ms for _, ms in result["logins"])
    print(
        f"logins: {len(logins)} accounts, once each, {_percentile(logins, 50):.0f} ms median, "
        f"{logins[-1]:.0f} ms max (not in the figures below)"
    )
    for note in result["notes"]:
        print(f"note: {note}")

    by_page = defaultdict(list)
    errors = Counter()
    for name, ms, error in samples:
        by_page[name].append(ms)
        if error:
            errors[(name, error)] += 1
    for account, name, path, error in result["preflight_errors"]:
        errors[(name, f"preflight {account} {path}: {error}")] += 1
    print(
        f"\n{'page':<16} {'requests':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'errors':>6}"
    )
    every = []
    for name in sorted(by_page, key=lambda n: -len(by_page[n])):
        times = sorted(by_page[name])
        every += times
        page_errors = sum(v for (n, _), v in errors.items() if n == name)
        print(_row(name, times, page_errors))
    every.sort()
    total_errors = sum(errors.values())
    print(_row("overall", every, total_errors))
    print("(milliseconds; nearest-rank percentiles of every request in the run)")

    elapsed = result["elapsed"]
    print(
        f"\nrequests: {len(samples):,} in {elapsed:.1f} s = {len(samples) / elapsed:.1f} req/s; "
        f"errors: {total_errors}"
    )
    if samples:
        cpu = result["cpu"]
        print(
            f"gunicorn CPU: {cpu:.1f} s during the load = {1000 * cpu / len(samples):.0f} ms "
            f"per request ({args.workers} sync workers = 2 × {os.cpu_count()} CPUs + 1"
            f"{'' if args.workers == 2 * (os.cpu_count() or 1) + 1 else ', set by --workers'})"
        )
    print(
        "load average (1/5/15 min): before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f} "
        "on {} CPUs (other work on the machine makes the figures pessimistic)".format(
            *result["load_before"], *result["load_after"], os.cpu_count()
        )
    )
    for (name, error), count in errors.most_common(10):
        print(f"  error ×{count} {name}: {error}")

    p95 = _percentile(every, 95)
    print()
    for ok, text in (
        (total_errors == 0, f"errors {total_errors} = 0"),
        (p95 <= TARGET_P95_MS, f"p95 {p95:.0f} ms ≤ {TARGET_P95_MS:.0f} ms"),
    ):
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return total_errors > 0


def _row(name: str, times: list[float], errors: int) -> str:
    figures = [_percentile(times, p) for p in (50, 95, 99)] + [times[-1] if times else 0]
    return (
        f"{name:<16} {len(times):>8,} " + " ".join(f"{x:>7.0f}" for x in figures) + f" {errors:>6}"
    )


def _log_tail(path: Path) -> None:
    if path.exists():
        lines = path.read_text(errors="replace").splitlines()[-40:]
        print("\ngunicorn log (last lines):\n" + "\n".join(lines), file=sys.stderr)


if __name__ == "__main__":
    main()
