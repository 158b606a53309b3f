"""Benchmark: the visit sheet PDF (拜访单) of a day with 30 customers, 3 actions each.

    .venv/bin/python bench/visit_sheet.py [--runs 10] [--customers 30]

Builds a throwaway SQLite database in a temporary directory (migrate, then one team, one
customer manager, the customers with addresses and phones, 12 key SKUs with three months
of orders and earlier inventory and price checks, an approved plan with the day arranged),
then times, separately, gathering the sheet's data (``visit_sheet.day_sheet``, with its
query count) and rendering the PDF (``visit_sheet.sheet_pdf``: template + WeasyPrint), and
prints the PDF's pages, size and fonts. A further rendering after each timed one is cut into
phases: the template, WeasyPrint's HTML parsing, its styling and layout, and drawing and
writing the PDF (font subset, compression). Target: rendering ≤ 0.5 s for 30 customers.
Two references measured in the same run say how fast the machine is: a one-line Chinese PDF
in the same font (WeasyPrint's floor: font subsetting, PDF writing) and a plain Python loop
of 10 million additions.

WeasyPrint needs HarfBuzz's subsetter (Debian: libharfbuzz-subset0) to embed only the glyphs
used; without it the CJK font goes through fontTools, which takes seconds, and the script
says so. CPU time is printed next to wall time: on a busy machine wall time says little.
"""

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.5
DAY = dt.date(2026, 11, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--customers", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sheet-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
        os.environ["DEBUG"] = "0"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        manager = _dataset(args.customers)
        print(f"dataset built in {time.perf_counter() - started:.1f} s")
        _measure(manager, args.runs, Path(tmp))


def _dataset(n: int):
    from accounts.models import Role, Team, User
    from brands.models import Brand, Sku
    from customers.models import Customer
    from cycle.models import Cycle, MarketingAction, PlannedVisit, PlanStatus
    from markets.models import InventoryCheck, OrderLine, PriceCheck

    boss = User.objects.create_user("mm_bench", password="x", role=Role.MARKET_MANAGER)
    team = Team.objects.create(code="TB1", name="城区一部", market_manager=boss)
    cm = User.objects.create_user(
        "cm_bench", password="x", role=Role.CUSTOMER_MANAGER, team=team, name="王海燕"
    )
    names = ["中华(硬)", "云烟(紫)", "兰州(硬珍品)", "利群(新版)", "南京(炫赫门)", "娇子(宽窄好运)"]
    names += [
        "玉溪(软)",
        "白沙(硬精品)",
        "红塔山(经典)",
        "芙蓉王(硬)",
        "贵烟(跨越)",
        "黄鹤楼(硬金砂)",
    ]
    skus = []
    for i, name in enumerate(names):
        brand = Brand.objects.create(name=name.split("(")[0])
        skus.append(
            Sku.objects.create(
                code=f"69010{i:05d}",
                name=name,
                brand=brand,
                is_key_brand=True,
                retail_price=Decimal("250"),
                wholesale_price=Decimal("220"),
            )
        )
    customers = Customer.objects.bulk_create(
        Customer(
            code=f"6201021{i:05d}",
            name=f"惠民便利店{i}号",
            manager=cm,
            contact="张女士",
            phone=f"1390931{i:04d}",
            address=f"城关区张掖路{i + 1}号（步行街东口）",
            business_format="convenience",
            market_type="urban",
            trade_area="张掖路商圈",
            visit_method="onsite",
            visit_frequency="weekly",
            status="active",
            tier=12,
        )
        for i in range(n)
    )
    cycle = Cycle.objects.create(manager=cm, month=DAY.replace(day=1))
    Cycle.objects.filter(pk=cycle.pk).update(plan_status=PlanStatus.APPROVED)
    zone = dt.timezone(dt.timedelta(hours=8))
    seen = dt.datetime(2026, 10, 20, 10, tzinfo=zone)
    orders, inventory, prices, planned, actions = [], [], [], [], []
    for i, customer in enumerate(customers):
        planned.append(PlannedVisit(cycle=cycle, customer=customer, date=DAY))
        carried = [skus[(i + k) % len(skus)] for k in range(5)]
        for k, sku in enumerate(carried):
            orders.append(
                OrderLine(
                    order_date=dt.date(2026, 10, 5),
                    customer=customer,
                    sku=sku,
                    quantity=20 - k,
                    requested_quantity=20 - k,
                    amount=Decimal("4400"),
                )
            )
        for sku in carried[:3]:
            inventory.append(
                InventoryCheck(customer=customer, sku=sku, observed_at=seen, quantity=8)
            )
            prices.append(
                PriceCheck(customer=customer, sku=sku, observed_at=seen, price=Decimal("255"))
            )
        texts = ["检查重点品牌陈列，调整至黄金位置", "核对库存，建议补货", "了解竞品动态并记录价格"]
        for k, text in enumerate(texts):
            actions.append(
                MarketingAction(
                    cycle=cycle,
                    customer=customer,
                    source="manual",
                    text=text,
                    sku=skus[i % len(skus)] if k == 1 else None,
                    temporary=k == 2 and i % 4 == 0,
                    visit_date=DAY,
                )
            )
    PlannedVisit.objects.bulk_create(planned)
    OrderLine.objects.bulk_create(orders)
    InventoryCheck.objects.bulk_create(inventory)
    PriceCheck.objects.bulk_create(prices)
    MarketingAction.objects.bulk_create(actions)
    return cm


def _measure(manager, runs: int, tmp: Path) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from weasyprint import HTML
    from weasyprint.text.ffi import harfbuzz_subset

    from core.pdf import NO_FETCHING
    from cycle import visit_sheet

    if harfbuzz_subset is None:
        print("WARNING: HarfBuzz's subsetter is missing (libharfbuzz-subset0): slow fallback")
    with CaptureQueriesContext(connection) as queries:
        sheet = visit_sheet.day_sheet(user=manager, username=manager.username, date=DAY)
    print(f"sheet of {DAY}: {sheet.customer_count} customers, {len(queries)} queries")
    pdf = visit_sheet.sheet_pdf(sheet)  # warm-up: fonts loaded, caches filled
    # the machine's floor: one line of Chinese in the same font (font subsetting, PDF writing)
    one_line = (
        "<p style=\"font-family: 'Noto Sans Mono CJK SC'\">拜访单 惠民便利店 检查陈列 □☆★●</p>"
    )
    data, wall, cpu, floor = [], [], [], []
    phases: dict[str, list[float]] = {}
    for _ in range(runs):
        start = time.perf_counter()
        sheet = visit_sheet.day_sheet(user=manager, username=manager.username, date=DAY)
        data.append(time.perf_counter() - start)
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = visit_sheet.sheet_pdf(sheet)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        start = time.perf_counter()
        HTML(string=one_line, url_fetcher=NO_FETCHING).write_pdf()
        floor.append(time.perf_counter() - start)
        for name, seconds in _phases(sheet):
            phases.setdefault(name, []).append(seconds)
    path = tmp / "sheet.pdf"
    path.write_bytes(pdf)
    start = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    loop = time.process_time() - start
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs, {runs} runs")
    print(f"gathering data      median {_ms(statistics.median(data))}   min {_ms(min(data))}")
    print(
        f"rendering the PDF   median {_ms(statistics.median(wall))}   min {_ms(min(wall))}"
        f"   (CPU time median {_ms(statistics.median(cpu))}, min {_ms(min(cpu))})"
    )
    print(
        "  in phases (medians of as many further renders): "
        + ", ".join(f"{name} {_ms(statistics.median(t)).strip()}" for name, t in phases.items())
    )
    print(f"one line of Chinese median {_ms(statistics.median(floor))}   min {_ms(min(floor))}")
    print(f"Python loop, 10 million additions: {_ms(loop)} CPU")
    print(f"PDF: {_pages(path)} pages, {len(pdf) / 1024:.0f} KB")
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        for line in fonts.splitlines()[2:]:
            name, emb, sub = line.split()[0], line.split()[-5], line.split()[-4]
            print(f"  font {name}  embedded {emb}  subset {sub}")
    verdict = "met" if min(wall) <= TARGET_SECONDS else "NOT met"
    print(f"target ≤ {TARGET_SECONDS} s for {sheet.customer_count} customers: {verdict} (best run)")


def _phases(sheet) -> list[tuple[str, float]]:
    """One more rendering, cut into phases: the template, WeasyPrint's HTML parsing, its
    styling and layout (``sheet_document`` parses the HTML again: the parse is taken off),
    and drawing the pages into the PDF with the font subset and compression (``write_pdf``)."""
    from weasyprint import HTML

    from core.pdf import NO_FETCHING, collecting_once
    from cycle import visit_sheet

    with collecting_once():  # as in ``sheet_pdf``
        start = time.perf_counter()
        html = visit_sheet.sheet_html(sheet)
        template = time.perf_counter()
        HTML(string=html, url_fetcher=NO_FETCHING)
        parse = time.perf_counter()
        document = visit_sheet.sheet_document(html)
        layout = time.perf_counter()
        document.write_pdf()
        end = time.perf_counter()
    return [
        ("template", template - start),
        ("HTML parse", parse - template),
        ("style + layout", layout - parse - (parse - template)),
        ("drawing + PDF", end - layout),
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:5.0f} ms"


def _pages(path: Path) -> str:
    if not shutil.which("pdfinfo"):
        return "?"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")), "?")


if __name__ == "__main__":
    main()
