"""Benchmark: the stored warnings (issue #15 point 5) on city-scale data (PostgreSQL): the
monthly computation ``warnings_compute`` next to an on-request reference, and the analysis
pages cold, next to the pages' old path (evaluating the rules on request).

    .venv/bin/python bench/analysis_pages.py [--pg postgresql://postgres@127.0.0.1:5432]
        [--db work135_warn] [--month 2026-11] [--runs 3]

The database must hold the city seed (``seed_demo --scale city``) and be migrated. The month
(default: the one of the latest order line) gets its indicators computed first when it has
none (not timed; the warnings hook is switched off for that). Each measurement runs in its
own child process, so each has its own peak RSS (``ru_maxrss``) and nothing is warm in it
but Django itself:

  1. ``compute``: ``warnings_compute(month=M)``: every manager's warnings evaluated from one
     load of the data and written (COPY) with their stamps, replacing the month's rows.
  2. ``reference``: the same work by the straightforward route the pages used to take: for
     each customer manager ``warnings_evaluate(manager, M)`` (one load of the data each) and
     ``warnings_summary`` of each team, then the same rows and stamps written with the ORM
     (``bulk_create``) in a transaction that deletes the month's rows first; rolled back at
     the end so that the stored rows stay those of ``compute``. Its output is then checked
     row for row against what the pages read from the stored rows (``manager_warnings``,
     every field of every warning, numbers and messages included; the stamps' counts
     against the summaries). It is the old route (one data load per manager), so it is
     slower by construction: it serves the row-for-row check and as the "before" time; no
     ratio against it is printed, since that would flatter the computation.
  3. ``pages``: the manager page of the customer manager with most active customers and the
     team page of the largest team, first request in the process (Django warmed on another
     URL first), through the test client (no cache anywhere); and the old path, the engine
     evaluated on request for that manager / team, as the "before" figure.

Targets (issue #15): manager page ≤ 150 ms, team page ≤ 300 ms cold. The pages' process CPU
time is printed next to their wall time: on a shared machine the difference is mostly waiting
for a core (and for PostgreSQL). ``--pages-only`` measures the pages alone.
"""

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "work135_warn"
TARGET_MANAGER_MS = 150.0
TARGET_TEAM_MS = 300.0
RESULT = "RESULT "  # prefix of the child's one line of JSON on stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--month", help="YYYY-MM (default: the latest order line's month)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages-only", action="store_true", help="measure the pages only")
    parser.add_argument("--child", choices=["setup", "compute", "reference", "pages"])
    args = parser.parse_args()
    url = f"{args.pg}/{args.db}"
    if args.child:
        _django(url)
        result = CHILDREN[args.child](args.month)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(RESULT + json.dumps(result, default=str), flush=True)
        return

    setup = _run(url, "setup", args.month)
    month = setup["month"]
    print(
        f"database {args.db}: month {month}, {setup['customers']:,} active customers, "
        f"{setup['managers']} managers, {setup['rules']} active rules "
        f"(indicators {'computed now' if setup['computed_now'] else 'already stored'})"
    )
    print(f"load: {_uptime()}")
    computes, references, pages = [], [], []
    for n in range(args.runs):
        if not args.pages_only:  # the pages read the warnings this stores (a fresh database)
            computes.append(_run(url, "compute", month))
            references.append(_run(url, "reference", month))
        pages.append(_run(url, "pages", month))
        p = pages[-1]
        if args.pages_only:
            print(
                f"run {n + 1}: manager page {p['manager_ms']:6.1f} ms "
                f"(CPU {p['manager_cpu_ms']:4.0f} ms) | team page {p['team_ms']:6.1f} ms "
                f"(CPU {p['team_cpu_ms']:4.0f} ms)"
            )
            continue
        c, r = computes[-1], references[-1]
        print(
            f"run {n + 1}: compute {c['seconds']:6.2f} s ({c['rows']:,} rows, "
            f"{c['rss']:.0f} MiB) | before, per manager {r['seconds']:6.2f} s ({r['rss']:.0f} MiB, "
            f"{r['mismatches']} mismatches of {r['rows']:,} rows) | manager page "
            f"{p['manager_ms']:6.1f} ms (before {p['manager_before_ms']:6.0f} ms) | team page "
            f"{p['team_ms']:6.1f} ms (before {p['team_before_ms']:6.0f} ms)"
        )
    print(f"load: {_uptime()}")
    if args.pages_only:
        _pages_verdict(pages)
        return
    _verdict(computes, references, pages)


# --- the parent -----------------------------------------------------------------------------


def _run(url: str, child: str, month: str | None) -> dict:
    command = [sys.executable, __file__, "--child", child]
    if month:
        command += ["--month", month]
    done = subprocess.run(command, env=_env(url), capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not lines:
        sys.exit(f"{child} failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1][len(RESULT) :])
    result["rss"] = result["peak_rss_mib"]
    return result


def _env(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", ALLOWED_HOSTS="testserver")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env.pop("REDIS_URL", None)
    return env


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _stats(values: list[float]) -> str:
    return f"min {min(values):7.2f}  median {statistics.median(values):7.2f}"


def _pages_verdict(pages: list[dict]) -> None:
    manager = [p["manager_ms"] for p in pages]
    team = [p["team_ms"] for p in pages]
    print(f"\nsummary ({len(pages)} runs, each in its own process):")
    print(f"  manager page cold (ms)  {_stats(manager)}   ({pages[0]['manager']})")
    print(f"    its process CPU (ms)  {_stats([p['manager_cpu_ms'] for p in pages])}")
    print(f"  team page cold (ms)     {_stats(team)}   ({pages[0]['team']})")
    print(f"    its process CPU (ms)  {_stats([p['team_cpu_ms'] for p in pages])}")
    for ok, text in (
        (
            statistics.median(manager) <= TARGET_MANAGER_MS,
            f"manager page median {statistics.median(manager):.1f} ms ≤ {TARGET_MANAGER_MS:.0f}",
        ),
        (
            statistics.median(team) <= TARGET_TEAM_MS,
            f"team page median {statistics.median(team):.1f} ms ≤ {TARGET_TEAM_MS:.0f}",
        ),
    ):
        print(f"{'PASS' if ok else 'FAIL'}  {text}")


def _verdict(computes: list[dict], references: list[dict], pages: list[dict]) -> None:
    manager = [p["manager_ms"] for p in pages]
    team = [p["team_ms"] for p in pages]
    print(f"\nsummary ({len(computes)} runs, each measurement in its own process):")
    print(f"  warnings_compute (s)        {_stats([c['seconds'] for c in computes])}")
    print(f"  before: per manager (s)     {_stats([r['seconds'] for r in references])}")
    print(
        f"  peak RSS (MiB)              compute {max(c['rss'] for c in computes):.0f}, "
        f"reference {max(r['rss'] for r in references):.0f}, "
        f"pages {max(p['rss'] for p in pages):.0f}"
    )
    print(f"  manager page cold (ms)      {_stats(manager)}   ({pages[0]['manager']})")
    print(f"    its process CPU (ms)      {_stats([p['manager_cpu_ms'] for p in pages])}")
    print(f"    before: engine on request {_stats([p['manager_before_ms'] for p in pages])}")
    print(f"  team page cold (ms)         {_stats(team)}   ({pages[0]['team']})")
    print(f"    its process CPU (ms)      {_stats([p['team_cpu_ms'] for p in pages])}")
    print(f"    before: engine on request {_stats([p['team_before_ms'] for p in pages])}")
    mismatches = sum(r["mismatches"] for r in references)
    for ok, text in (
        (mismatches == 0, f"stored = on-request engine, row for row ({mismatches} mismatches)"),
        (
            statistics.median(manager) <= TARGET_MANAGER_MS,
            f"manager page median {statistics.median(manager):.1f} ms ≤ {TARGET_MANAGER_MS:.0f}",
        ),
        (
            statistics.median(team) <= TARGET_TEAM_MS,
            f"team page median {statistics.median(team):.1f} ms ≤ {TARGET_TEAM_MS:.0f}",
        ),
    ):
        print(f"{'PASS' if ok else 'FAIL'}  {text}")


# --- the children ---------------------------------------------------------------------------


def _django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _month(text: str | None) -> dt.date:
    if text:
        return dt.date.fromisoformat(f"{text}-01")
    from markets.models import OrderLine

    latest = OrderLine.objects.order_by("-order_date").values_list("order_date", flat=True)[0]
    return latest.replace(day=1)


def _setup(month_text: str | None) -> dict:
    from django.conf import settings

    from accounts.policy import customer_managers
    from customers.selectors import active_customers
    from cycle.models import WarningRule
    from reports.selectors import indicators_stored
    from reports.services import indicators_compute

    month = _month(month_text)
    computed_now = not indicators_stored(month=month)
    if computed_now:
        settings.REPORTS_MONTH_WRITTEN = []  # the warnings are measured on their own
        indicators_compute(month=month)
    return {
        "month": f"{month:%Y-%m}",
        "computed_now": computed_now,
        "customers": active_customers().count(),
        "managers": customer_managers().count(),
        "rules": WarningRule.objects.filter(is_active=True).count(),
    }


def _compute(month_text: str) -> dict:
    from cycle.strategy.store import warnings_compute

    month = _month(month_text)
    start = time.perf_counter()
    run = warnings_compute(month=month)
    return {"seconds": time.perf_counter() - start, "rows": run.rows_written}


def _reference(month_text: str) -> dict:
    from django.db import transaction
    from django.utils import timezone, translation

    from accounts.models import Team, User
    from accounts.policy import customer_managers
    from cycle.models import StoredWarning, WarningRule, WarningStamp
    from cycle.selectors.warnings import manager_warnings
    from cycle.strategy.engine import warnings_evaluate, warnings_summary

    month = _month(month_text)
    admin = User(is_superuser=True, is_active=True)  # sees everything; never saved

    class Rollback(Exception):
        pass

    start = time.perf_counter()
    with translation.override("zh-hans"):
        managers = list(customer_managers(active=False).order_by("pk"))
        fresh = {m.pk: warnings_evaluate(manager=m, month=month) for m in managers}
        counts = {}
        for team in Team.objects.all():
            members = [m for m in managers if m.team_id == team.pk]
            counts.update(
                {c.manager_id: c for c in warnings_summary(managers=members, month=month)}
            )
        lonely = [m for m in managers if m.pk not in counts]
        if lonely:
            counts.update({c.manager_id: c for c in warnings_summary(managers=lonely, month=month)})
        rules = dict(WarningRule.objects.values_list("code", "pk"))
        try:
            with transaction.atomic():
                StoredWarning.objects.filter(month=month).delete()
                stamps = list(
                    WarningStamp.objects.filter(month=month).values_list("run", flat=True)
                )
                WarningStamp.objects.filter(month=month).delete()
                StoredWarning.objects.bulk_create(
                    (
                        StoredWarning(
                            month=month,
                            manager_id=w.manager_id,
                            customer_id=w.customer_id,
                            rule_id=rules[w.rule_code],
                            sku_id=w.sku_id,
                            numbers=w.numbers,
                            message=w.message,
                        )
                        for found in fresh.values()
                        for w in found
                    ),
                    batch_size=5000,
                )
                now = timezone.now()
                WarningStamp.objects.bulk_create(
                    WarningStamp(
                        month=month,
                        manager_id=c.manager_id,
                        run_id=stamps[0],
                        customers=c.customers,
                        flagged_customers=c.flagged_customers,
                        warnings=c.warnings,
                        by_severity=c.by_severity,
                        by_rule=c.by_rule,
                        computed_at=now,
                    )
                    for c in counts.values()
                )
                raise Rollback
        except Rollback:
            pass
        seconds = time.perf_counter() - start

        # what the pages read from the rows ``compute`` stored, against the engine's output
        rows = mismatches = 0
        for manager in managers:
            stored = manager_warnings(user=admin, manager=manager, month=month)
            expected = fresh[manager.pk]
            rows += len(expected)
            if stored is None:
                mismatches += len(expected) or 1
                continue
            got = list(stored.warnings)
            mismatches += sum(a != b for a, b in zip(got, expected, strict=False))
            mismatches += abs(len(got) - len(expected))
            mismatches += stored.warnings.skipped != expected.skipped
            c, s = counts[manager.pk], stored.stamp
            mismatches += (c.customers, c.flagged_customers, c.warnings, c.by_rule) != (
                s.customers,
                s.flagged_customers,
                s.warnings,
                s.by_rule,
            )
    return {"seconds": seconds, "rows": rows, "mismatches": mismatches}


def _pages(month_text: str) -> dict:
    from django.db.models import Count, Q
    from django.test import Client

    from accounts.models import Team, User
    from accounts.policy import customer_managers
    from cycle.strategy.engine import warnings_evaluate, warnings_summary

    month = _month(month_text)
    manager = (
        customer_managers()
        .annotate(n=Count("customers", filter=Q(customers__status="active")))
        .order_by("-n", "pk")
        .first()
    )
    team = (
        Team.objects.annotate(n=Count("members", filter=Q(members__role="customer_manager")))
        .order_by("-n", "pk")
        .first()
    )
    client = Client()
    client.force_login(manager)
    client.get(f"/analysis/manager/{manager.username}/?month=2000-01")  # Django warmed up
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/analysis/manager/{manager.username}/?month={month:%Y-%m}")
    manager_ms = (time.perf_counter() - start) * 1000
    manager_cpu_ms = (time.process_time() - cpu) * 1000
    assert response.status_code == 200 and "预警计算于".encode() in response.content

    client = Client()
    client.force_login(team.market_manager)
    client.get(f"/analysis/team/{team.code}/?month=2000-01")
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/analysis/team/{team.code}/?month={month:%Y-%m}")
    team_ms = (time.perf_counter() - start) * 1000
    team_cpu_ms = (time.process_time() - cpu) * 1000
    assert response.status_code == 200 and "预警计算于".encode() in response.content

    # the old path: what the cold pages evaluated on request (the rest of the page aside)
    start = time.perf_counter()
    warnings_evaluate(manager=manager, month=month)
    manager_before_ms = (time.perf_counter() - start) * 1000
    members = User.objects.filter(team=team, role="customer_manager", is_active=True)
    start = time.perf_counter()
    warnings_summary(managers=list(members), month=month)
    team_before_ms = (time.perf_counter() - start) * 1000
    return {
        "manager": f"{manager.username}, {manager.n} active customers",
        "team": f"{team.code}, {team.n} customer managers",
        "manager_ms": manager_ms,
        "team_ms": team_ms,
        "manager_cpu_ms": manager_cpu_ms,
        "team_cpu_ms": team_cpu_ms,
        "manager_before_ms": manager_before_ms,
        "team_before_ms": team_before_ms,
    }


CHILDREN = {"setup": _setup, "compute": _compute, "reference": _reference, "pages": _pages}


if __name__ == "__main__":
    main()
