"""Benchmark: the printed documents at city scale (PostgreSQL): the week of visit sheets
(拜访单) and the monthly plan (月计划) of the busiest customer manager, as the pages serve
them (data gathered, then the PDF rendered), min/median of ``--runs``.

    .venv/bin/python bench/plan_pdf.py --db work135_out [--pg postgresql://postgres@127.0.0.1:5432]
        [--runs 5] [--week 2026-12-07] [--save-text DIR | --check-text DIR]

The database must hold the city data set (``seed_demo --scale city``: plans of the current
month). The manager is the one with the most planned visits in the week (the week sheet) and
with the most actions in that week's month (the plan). Times are wall and CPU time of the
whole request's work (the sheet's or plan's queries, the template, WeasyPrint), printed with
the load average: on a busy machine CPU time says more. Each PDF's page count and text
(pdftotext, blanks squeezed, the "printed at" stamp left out) are printed as a digest;
``--save-text DIR`` writes them, ``--check-text DIR`` compares them with a saved run (e.g.
saved from a checkout of the code before a change): the same document, page for page.
Targets (issue #15): week of visit sheets ≤ 1 s, plan PDF ≤ 0.5 s. Last, the machine's speed:
a plain Python loop (CPU time), to compare runs of different days.
"""

import argparse
import datetime as dt
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"week of visit sheets": 1.0, "plan PDF": 0.5}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--week", default="2026-12-07", help="a day of the week to print")
    parser.add_argument("--save-text", type=Path)
    parser.add_argument("--check-text", type=Path)
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=f"{args.pg}/{args.db}",
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="config.settings.local",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count

    from accounts.models import User
    from cycle import visit_sheet
    from cycle.documents import plan_document, plan_pdf
    from cycle.models import MarketingAction, PlannedVisit

    week = visit_sheet.week_dates(dt.date.fromisoformat(args.week))
    month = week[0].replace(day=1)
    busiest = (
        PlannedVisit.objects.filter(date__range=(week[0], week[-1]))
        .values_list("cycle__manager__username")
        .annotate(n=Count("id"))
        .order_by("-n", "cycle__manager__username")
        .first()
    )
    most = (
        MarketingAction.objects.filter(cycle__month=month)
        .values_list("cycle__manager__username")
        .annotate(n=Count("id"))
        .order_by("-n", "cycle__manager__username")
        .first()
    )
    if busiest is None or most is None:
        sys.exit(f"no plans for {month:%Y-%m} in {args.db}: seed_demo --scale city first")
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()

    def week_sheet():
        sheet = visit_sheet.week_sheet(user=admin, username=busiest[0], date=week[0])
        return visit_sheet.sheet_pdf(sheet), f"{sheet.customer_count} customers"

    def plan():
        context = plan_document(user=admin, username=most[0], month=month)
        return plan_pdf(context), f"{context['counts']['total']} actions"

    works = {
        "week of visit sheets": (f"{busiest[0]} {week[0]}…{week[-1]}", week_sheet),
        "plan PDF": (f"{most[0]} {month:%Y-%m}", plan),
    }
    loads = []
    verdicts = []
    for label, (whose, work) in works.items():
        work()  # warm-up: fonts, templates, caches
        wall, cpu = [], []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            start, start_cpu = time.perf_counter(), time.process_time()
            pdf, size = work()
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        pages, digest, text = _document(pdf)
        target = TARGETS[label]
        met = statistics.median(wall) <= target
        verdicts.append(met)
        print(
            f"{label} ({whose}, {size}): wall min {min(wall):.3f} s median "
            f"{statistics.median(wall):.3f} s; CPU min {min(cpu):.3f} s median "
            f"{statistics.median(cpu):.3f} s; {pages} pages, text {digest}; target ≤ {target} s: "
            f"{'met' if met else 'NOT met'} (median wall)"
        )
        name = re.sub(r"\W+", "_", label) + ".txt"
        if args.save_text:
            args.save_text.mkdir(parents=True, exist_ok=True)
            (args.save_text / name).write_text(f"pages {pages}\n{text}")
        if args.check_text:
            saved = (args.check_text / name).read_text()
            same = saved == f"pages {pages}\n{text}"
            print(f"  same document as {args.check_text / name}: {'yes' if same else 'NO'}")
    print(
        f"load average {min(loads):.2f}–{max(loads):.2f} on {os.cpu_count()} CPUs, {args.runs} runs"
    )
    print(f"machine: a Python loop of 10 million additions, {_loop_seconds():.2f} s CPU (min of 3)")


def _loop_seconds() -> float:
    """How fast this machine is now (the same reference as bench/visit_sheet.py): shared
    machines differ from one day to the next by more than a change in the code does."""
    best = float("inf")
    for _ in range(3):
        start, total = time.process_time(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.process_time() - start)
    return best


def _document(pdf: bytes) -> tuple[str, str, str]:
    """Page count, a digest of the text and the text: pdftotext's reading order, runs of
    blanks squeezed, the "printed at" time left out."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
        text = subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], capture_output=True, text=True
        ).stdout
    pages = next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")), "?")
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "<printed at>", text)
    text = "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
    return pages, hashlib.sha256(text.encode()).hexdigest()[:12], text


if __name__ == "__main__":
    main()
