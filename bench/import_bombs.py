"""Benchmark: hostile and big .xlsx files through both import paths, time and peak memory.

    .venv/bin/python bench/import_bombs.py [--rows 200000] [--files DIR] [--db URL]

Builds four workbooks (kept in --files, so another checkout can be measured on the very
same files), then runs each case in a fresh process and prints its wall time, the peak RSS
above what the process held just before (``resource.getrusage``: ``ru_maxrss``) and what
the import answered:

  forecast-bomb   a few-KB .xlsx whose sheet expands to --rows identical rows, imported by
                  a customer manager on their plan (``plan_forecasts_import``);
  admin-bomb      the same kind of bomb as an order file, through ``import_file`` (the
                  admin upload's job and ``import_data``), dry run;
  forecast-rows   --rows rows of distinct forecasts: compresses like a real sheet, so only
                  the row limit stops it, on the plan;
  orders          --rows real order lines (valid customers and SKUs) through ``import_file``,
                  dry run, on the portable path (SQLite; PostgreSQL with --copy).

The database (default: a new SQLite file under --files) gets 1,000 customers (300 of them
the customer manager's), 200 SKUs and the plan; it is migrated by the checkout that runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ["forecast-bomb", "admin-bomb", "forecast-rows", "orders"]
CUSTOMERS, OWN, SKUS = 1000, 300, 200
MONTH = "2026-11"

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'{_XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_DOC}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def sheet_xlsx(header: list[str], rows) -> bytes:
    """A minimal workbook whose one sheet holds a header of inline strings and ``rows``
    (each a list of cells: str as an inline string, int as a number), written straight into
    the zip (deflate, level 9)."""
    import io

    def cell(value) -> str:
        if isinstance(value, int):
            return f"<c><v>{value}</v></c>"
        return f'<c t="inlineStr"><is><t>{value}</t></is></c>'

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData>"
            )
            for row in [header, *rows]:
                sheet.write(("<row>" + "".join(map(cell, row)) + "</row>").encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def build_files(folder: Path, rows: int) -> None:
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    # The bombs: one number per row, the same row over and over (deflate's best case).
    files = {
        "forecast-bomb.xlsx": sheet_xlsx(["客户编码", "预测量"], ([1] for _ in range(rows))),
        "admin-bomb.xlsx": sheet_xlsx(
            ["order_date", "customer_code", "sku_code", "quantity"], ([1] for _ in range(rows))
        ),
        "forecast-rows.xlsx": sheet_xlsx(
            ["客户编码", "预测量"], ([f"C{i % CUSTOMERS:04d}", i] for i in range(rows))
        ),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    # a real workbook, as openpyxl writes it (typed cells; strings inline)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["order_date", "customer_code", "sku_code", "quantity", "amount"])
    days = [f"2026-10-{d:02d}" for d in range(1, 32)]
    for i in range(rows):
        customer, rest = i % CUSTOMERS, i // CUSTOMERS
        sheet.append([days[rest % 31], f"C{customer:04d}", f"S{rest // 31:03d}", 1 + i % 50, None])
    book.save(folder / "orders.xlsx")


def setup_database() -> None:
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.models import Role, User
    from brands.models import Brand, Sku
    from customers.models import Customer
    from cycle.models import Cycle

    call_command("migrate", verbosity=0)
    cm = User.objects.create(username="cm01", name="客户经理", role=Role.CUSTOMER_MANAGER)
    other = User.objects.create(username="cm02", name="另一位", role=Role.CUSTOMER_MANAGER)
    Customer.objects.bulk_create(
        Customer(
            code=f"C{i:04d}",
            name=f"店{i}",
            manager=cm if i < OWN else other,
            visit_method="onsite",
            status="active",
        )
        for i in range(CUSTOMERS)
    )
    brand = Brand.objects.create(name="品牌")
    Sku.objects.bulk_create(
        Sku(code=f"S{i:03d}", name=f"单品{i}", brand=brand, wholesale_price=Decimal("100.00"))
        for i in range(SKUS)
    )
    Cycle.objects.create(manager=cm, month=dt.date.fromisoformat(f"{MONTH}-01"))


def run_case(case: str, folder: Path, use_copy: bool) -> dict:
    import datetime as dt

    from django.core.exceptions import ValidationError

    from accounts.models import User
    from cycle.models import Cycle
    from cycle.services import plan_forecasts_import
    from imports.services import import_file

    content = (folder / f"{case}.xlsx").read_bytes()
    cm = User.objects.get(username="cm01")
    cycle = Cycle.objects.get(manager=cm, month=dt.date.fromisoformat(f"{MONTH}-01"))
    before = _rss_kb()
    start = time.perf_counter()
    if case.startswith("forecast"):
        try:
            result = plan_forecasts_import(cycle=cycle, by=cm, content=content, filename="f.xlsx")
        except ValidationError as exc:  # the file check, before any work
            result = exc.messages[0]
        if isinstance(result, str):
            answer = f"refused: {result[:90]}"
        else:
            # (before the bounded reader this returned (written, errors))
            errors = result[1] if isinstance(result, tuple) else result.errors
            count = len(errors) if isinstance(result, tuple) else result.error_count
            answer = f"{count:,} error(s): {str(errors[0])[:90]}" if errors else "imported"
    else:
        kind = "orders"
        result = import_file(
            kind=kind, content=content, filename=f"{case}.xlsx", dry_run=True, use_copy=use_copy
        )
        count = getattr(result, "error_count", len(result.errors))
        if result.file_error:
            answer = f"refused: {result.file_error[:90]}"
        elif result.errors:
            answer = f"{count:,} row error(s), {result.rows_total:,} rows"
        else:
            answer = f"valid, {result.rows_total:,} rows"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "case": case,
        "bytes": len(content),
        "seconds": round(seconds, 2),
        "peak_extra_mb": round(max(peak - before, 0) / 1024, 1),
        "answer": answer,
    }


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _django(db: str) -> None:
    os.environ["DATABASE_URL"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=Path, default=None, help="reuse or keep the files here")
    parser.add_argument("--db", default=None, help="database URL (default: new SQLite file)")
    parser.add_argument("--copy", action="store_true", help="orders through COPY (PostgreSQL)")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.case:  # one measurement, in its own process
        _django(args.db)
        print(json.dumps(run_case(args.case, args.files, args.copy)))
        return

    folder = args.files or Path(tempfile.mkdtemp(prefix="import-bombs-"))
    if not (folder / "orders.xlsx").exists():
        build_files(folder, args.rows)
    db = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='import-bombs-db-')) / 'db.sqlite3'}"
    _django(db)
    setup_database()
    print(f"files in {folder}; database {db}; checkout {ROOT}")
    print(f"{'case':<14} {'file':>10} {'seconds':>8} {'peak MB':>8}  answer")
    for case in CASES:
        command = [sys.executable, __file__, "--case", case, "--files", str(folder), "--db", db]
        if args.copy:
            command.append("--copy")
        line = subprocess.run(command, capture_output=True, text=True, check=False)
        if line.returncode:
            print(f"{case:<14} failed: {line.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(line.stdout.strip().splitlines()[-1])
        print(
            f"{r['case']:<14} {r['bytes'] / 1024:>8.0f}KB {r['seconds']:>8.2f} "
            f"{r['peak_extra_mb']:>8.1f}  {r['answer']}"
        )


if __name__ == "__main__":
    main()
