"""Benchmark: the two large exports at city scale (PostgreSQL), each next to a second route that
does the same work by a straightforward way (pandas and openpyxl), measured in the same run.

The second route is there to check the files, cell by cell, not as a bound: it spends most of
its time in openpyxl's per-cell work (≈ 15 µs a cell), so a ratio against it would flatter the
export and none is printed. The exports are judged by the issue's absolute targets.

    .venv/bin/python bench/exports.py --db work135_out [--pg postgresql://postgres@127.0.0.1:5432]
        [--runs 3] [--month 2026-11]

The database must hold the city data set (``seed_demo --scale city``) and the stored
indicators of the month (default: the latest month computed; ``manage.py compute_indicators
--month M`` first otherwise). Nothing is written to it but export-free reads.

Four measurements, each in its own child process, ``--runs`` times (≥ 3 gives min/median):
  1. customers: the export job's writer of the customer list (``customers`` kind) as the
     administrator, every customer (the list with 全部状态), into a file;
  2. customers, reference: the same customers read by one plain SQL query into pandas
     (``cursor.fetchall`` → DataFrame), choice codes turned into their labels, text through
     the spreadsheet cell rule, written with ``DataFrame.to_excel`` (openpyxl);
  3. indicators: the export job's writer of the month's customer indicators for the company
     (``indicators`` kind, the analysis page's xlsx);
  4. indicators, reference: the same rows by one SQL query into pandas, rates and money
     rounded half-up, written with ``DataFrame.to_excel``.
Each child reports its wall time, its CPU time (what a busy machine distorts least) and its
extra memory: ``ru_maxrss`` after the export minus
``ru_maxrss`` of the same process just before it (Django loaded, connection open). The
agreement check then reads the last files of both routes back with openpyxl and compares
them cell by cell (headers, every row, numbers to 1e-9). Targets: customers ≤ 4 s, indicators
≤ 5 s, each ≤ 100 MB extra memory.
"""

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"customers": 4.0, "indicators": 5.0}
TARGET_EXTRA_MB = 100
RESULT = "RESULT "  # prefix of the child's one line of JSON on stdout
CHILDREN = ["customers", "customers-reference", "indicators", "indicators-reference"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--month", help="YYYY-MM (default: the latest computed)")
    parser.add_argument("--child", choices=CHILDREN, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = f"{args.pg}/{args.db}"
    if args.child:
        _setup(url)
        result = _child(args.child, args.month, Path(args.out))
        print(RESULT + json.dumps(result), flush=True)
        return
    _setup(url)
    month = args.month or _latest_month()
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        results: dict[str, list[dict]] = {name: [] for name in CHILDREN}
        loads = []
        for run in range(1, args.runs + 1):
            loads.append(os.getloadavg()[0])
            print(f"run {run}/{args.runs}  (load average {loads[-1]:.2f})", flush=True)
            for name in CHILDREN:
                result = _spawn(url, name, month, Path(tmp) / f"{name}.xlsx")
                results[name].append(result)
                print(
                    f"  {name:22s} {result['seconds']:6.2f} s (CPU {result['cpu']:6.2f} s)   "
                    f"extra memory {result['extra_mb']:6.1f} MB   {result['rows']:,} rows",
                    flush=True,
                )
        print()
        agree = {
            kind: _compare(Path(tmp) / f"{kind}.xlsx", Path(tmp) / f"{kind}-reference.xlsx")
            for kind in TARGETS
        }
    _summary(results, agree, month, loads)


# --- the parent -------------------------------------------------------------------------------


def _setup(url: str) -> None:
    os.environ.update(DATABASE_URL=url, DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings.local")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _latest_month() -> str:
    from reports.models import IndicatorRun, RunStatus

    run = IndicatorRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-month").first()
    if run is None:
        sys.exit("no month's indicators are computed: manage.py compute_indicators --month M")
    return f"{run.month:%Y-%m}"


def _spawn(url: str, name: str, month: str, out: Path) -> dict:
    command = [sys.executable, __file__, "--pg", url.rsplit("/", 1)[0], "--db"]
    command += [url.rsplit("/", 1)[1], "--child", name, "--month", month, "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    line = next((x for x in done.stdout.splitlines() if x.startswith(RESULT)), None)
    if done.returncode or line is None:
        sys.exit(f"{name} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(line[len(RESULT) :])


def _summary(results: dict, agree: dict, month: str, loads: list[float]) -> None:
    runs = len(results["customers"])
    print(f"summary: month {month}, {runs} runs, load average {min(loads):.2f}–{max(loads):.2f}")
    print(f"  {'work':22s} {'min':>7s} {'median':>7s} {'CPU min':>8s} {'extra MB':>9s}  rows")
    for name in CHILDREN:
        seconds = [r["seconds"] for r in results[name]]
        cpu = min(r["cpu"] for r in results[name])
        extra = max(r["extra_mb"] for r in results[name])
        print(
            f"  {name:22s} {min(seconds):6.2f}s {statistics.median(seconds):6.2f}s "
            f"{cpu:7.2f}s {extra:8.1f}  {results[name][0]['rows']:,}"
        )
    for kind, target in TARGETS.items():
        median = statistics.median(r["seconds"] for r in results[kind])
        extra = max(r["extra_mb"] for r in results[kind])
        met = median <= target and extra <= TARGET_EXTRA_MB and agree[kind]
        print(
            f"  {kind}: target ≤ {target:.0f} s and ≤ "
            f"{TARGET_EXTRA_MB} MB: {'met' if met else 'NOT met'} (median {median:.2f} s, "
            f"{extra:.1f} MB; files {'agree' if agree[kind] else 'DISAGREE'})"
        )


def _compare(path: Path, reference: Path) -> bool:
    """Both files read back with openpyxl, compared cell by cell: the header, then every row
    (numbers as numbers to 1e-9, text as text, empty cells as None)."""
    from openpyxl import load_workbook

    def rows(p):
        book = load_workbook(p, read_only=True)
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]

    ours, theirs = rows(path), rows(reference)
    problems = []
    if len(ours) != len(theirs):
        problems.append(f"{len(ours)} rows against {len(theirs)}")
    for n, (a, b) in enumerate(zip(ours, theirs, strict=False), start=1):
        width = max(len(a), len(b))
        a, b = a + [None] * (width - len(a)), b + [None] * (width - len(b))
        for column, (x, y) in enumerate(zip(a, b, strict=True), start=1):
            if not _same(x, y):
                problems.append(f"row {n} column {column}: {x!r} against {y!r}")
    cells = sum(len(r) for r in ours)
    print(
        f"agreement {path.stem}: {len(ours) - 1:,} rows, {cells:,} cells, "
        f"{len(problems)} mismatches" + "".join(f"\n    {p}" for p in problems[:10])
    )
    return not problems


def _same(x, y) -> bool:
    if x == "":
        x = None
    if y == "":
        y = None
    if isinstance(x, int | float) and isinstance(y, int | float):
        return abs(x - y) <= 1e-9 * max(1.0, abs(y))
    return x == y


# --- the children -----------------------------------------------------------------------------


def _child(name: str, month: str, out: Path) -> dict:
    from django.db import connection

    from accounts.models import User

    admin = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.get(
        username="admin"
    )
    connection.ensure_connection()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, start_cpu = time.perf_counter(), time.process_time()
    rows = {
        # the list page with "全部状态": every customer, whatever the status
        "customers": lambda: _job("customers", admin, {"status": ""}, out),
        "customers-reference": lambda: _customers_reference(out),
        "indicators": lambda: _job(
            "indicators",
            admin,
            {"month": month, "kind": "customer", "scope": "company", "format": "xlsx"},
            out,
        ),
        "indicators-reference": lambda: _indicators_reference(month, out),
    }[name]()
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "extra_mb": (after - before) / 1024}


def _job(kind: str, user, params: dict, out: Path) -> int:
    """What the export job's worker does (core.export_jobs.export_job_run): the kind's
    writer into a file."""
    from core.export_jobs import KINDS

    with open(out, "wb") as handle:
        return KINDS[kind].write(user, params, handle, None)


def _frame(sql: str, params: list):
    import pandas as pd
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=names)


def _customers_reference(out: Path) -> int:
    """Every customer by one query, in code order, as the list page's export writes it."""
    from django.utils.translation import gettext as _

    from core.spreadsheet_text import spreadsheet_value
    from customers.models import (
        BusinessFormat,
        CustomerStatus,
        MarketType,
        VisitFrequency,
        VisitMethod,
    )

    frame = _frame(
        """SELECT c.code, c.name, c.license_no, u.username, u.name AS manager_name, c.contact,
                  c.phone, c.address, c.business_format, c.tier, c.market_type, c.trade_area,
                  c.visit_method, c.visit_frequency, c.status, c.latitude, c.longitude
           FROM customers_customer c LEFT JOIN accounts_user u ON u.id = c.manager_id
           ORDER BY c.code""",
        [],
    )
    for column, choices in (
        ("business_format", BusinessFormat),
        ("market_type", MarketType),
        ("visit_method", VisitMethod),
        ("visit_frequency", VisitFrequency),
        ("status", CustomerStatus),
    ):
        labels = {k: str(v) for k, v in choices.choices}
        frame[column] = frame[column].map(lambda v, labels=labels: labels.get(v, v) if v else v)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(spreadsheet_value)
    for column in ("latitude", "longitude"):
        frame[column] = frame[column].map(lambda v: None if v is None else float(v))
    titles = ["客户编码", "客户名称", "许可证号", "客户经理账号", "客户经理", "联系人", "电话"]
    titles += ["地址", "经营业态", "档位", "市场类型", "商圈", "拜访方式", "拜访频率", "状态"]
    frame.columns = [_(t) for t in titles + ["纬度", "经度"]]
    frame.to_excel(out, sheet_name=_("客户"), index=False, engine="openpyxl")
    return len(frame)


RATES = ["volume_change_mom", "forecast_error", "inventory_to_sales", "gross_profit_change_mom"]


def _indicators_reference(month: str, out: Path) -> int:
    """The month's customer indicators for the company by one query, in customer code
    order, rates and money rounded half-up as DESIGN.md §6 says."""
    from django.utils.translation import gettext as _

    from core.spreadsheet_text import spreadsheet_value

    first = dt.date.fromisoformat(f"{month}-01")
    frame = _frame(
        """SELECT c.code AS customer_code, c.name AS customer_name, u.username AS manager,
                  i.volume, i.amount, i.order_days, i.distinct_skus, i.key_skus_ordered,
                  i.avg_price, i.volume_change_mom, i.forecast, i.requested, i.forecast_error,
                  i.inventory_to_sales, i.visits_done, i.actions_done, i.gross_profit,
                  i.gross_profit_change_mom
           FROM reports_customerindicator i
           JOIN customers_customer c ON c.id = i.customer_id
           LEFT JOIN accounts_user u ON u.id = i.manager_id
           WHERE i.month = %s ORDER BY c.code""",
        [first],
    )

    def half_up(places):
        quantum = Decimal(1).scaleb(-places)
        return lambda v: (
            None
            if v is None or v != v
            else float(Decimal(repr(float(v))).quantize(quantum, rounding=ROUND_HALF_UP))
        )

    for column in RATES:
        frame[column] = frame[column].map(half_up(4))
    for column in ("amount", "avg_price", "gross_profit"):
        frame[column] = frame[column].map(half_up(2))
    for column in ("forecast",):
        frame[column] = frame[column].map(lambda v: None if v is None or v != v else int(v))
    frame["manager"] = frame["manager"].map(lambda v: "" if v is None else v)
    for column in ("customer_code", "customer_name", "manager"):
        frame[column] = frame[column].map(spreadsheet_value)
    frame.insert(0, "scope", _("全公司"))
    frame.insert(0, "month", month)
    titles = ["月份", "范围", "客户编码", "客户名称", "客户经理账号", "销量（条）", "金额（元）"]
    titles += ["订货天数", "订购规格数", "订购重点规格数", "条均价（元）", "销量环比"]
    titles += ["预测量（条）", "需求量（条）", "预测误差", "存销比", "已拜访次数", "已完成动作"]
    titles += ["客户毛利（元）", "毛利环比"]
    frame.columns = [_(t) for t in titles]
    frame.to_excel(out, sheet_name=f"{_('客户指标')} {month}", index=False, engine="openpyxl")
    return len(frame)


if __name__ == "__main__":
    main()
