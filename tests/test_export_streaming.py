"""The large exports stream (issue #15): the workbook writer (core.xlsx) writes its parts
itself, the customer list and the indicator exports read their rows from the database as
they write them. What a user keeps: every row, the same cells as openpyxl wrote before (text
as text, numbers as numbers, dates as dates with their formats, the bold header, the frozen
header row, the filter and the column widths), and the job's progress as it goes. Also the
monthly plan PDF, made cheaper, still says everything it said."""

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core import xlsx
from core.export_jobs import KINDS
from core.spreadsheet_text import spreadsheet_value
from customers.exports import _sheet as customers_sheet
from customers.exports import write_customers
from customers.models import Customer
from cycle.documents import plan_document, plan_pdf
from reports.exports import (
    export_rows,
    export_table,
    page_columns,
    page_rows,
    parse_scope,
)
from reports.models import CustomerIndicator, IndicatorRun, RunStatus
from tests.factories import (
    SHANGHAI,
    CustomerFactory,
    CycleFactory,
    MarketingActionFactory,
    PlannedVisitFactory,
)

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
HOSTILE = ['=HYPERLINK("http://x","点此")', "+86 138", "-5", "@SUM(A1)", "a&b<c>", " 前后空格 "]


# --- the reference: openpyxl's write-only workbook, as core.xlsx wrote it before ------------


def openpyxl_workbook(sheets) -> bytes:
    """The sheets as core.xlsx wrote them with openpyxl until issue #15 (write-only mode, a
    WriteOnlyCell for the bold header and for each formatted cell)."""
    book = Workbook(write_only=True)
    for spec in sheets:
        sheet = book.create_sheet(xlsx._sheet_title(spec.title))
        for index, column in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in spec.columns:
            cell = WriteOnlyCell(sheet, value=spreadsheet_value(str(column.title)))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        rows = 0
        for row in spec.rows:
            cells = []
            for value, column in zip(row, spec.columns, strict=False):
                value = spreadsheet_value(value)
                if isinstance(value, dt.datetime) and timezone.is_aware(value):
                    value = timezone.localtime(value).replace(tzinfo=None)
                if value is not None and column.number_format is not None:
                    value = WriteOnlyCell(sheet, value=value)
                    value.number_format = column.number_format
                cells.append(value)
            sheet.append(cells)
            rows += 1
        if spec.columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{rows + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cells(content: bytes) -> list:
    """What a reader sees of each sheet: its title, frozen pane, filter, column widths, and
    every non-empty cell's value, type, number format and boldness."""
    book = load_workbook(io.BytesIO(content))
    seen = []
    for sheet in book:
        widths = {k: v.width for k, v in sheet.column_dimensions.items() if v.customWidth}
        seen.append((sheet.title, sheet.freeze_panes, sheet.auto_filter.ref, widths))
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                kind = {"inlineStr": "s"}.get(cell.data_type, cell.data_type)
                seen.append((cell.coordinate, cell.value, kind, cell.number_format, cell.font.b))
    return seen


def sample_sheets():
    columns = [
        xlsx.Column("名称", 20),
        xlsx.Column("数量", 8, "#,##0"),
        xlsx.Column("比率", 9, xlsx.PERCENT),
        xlsx.Column("日期", 10, xlsx.DATE),
        xlsx.Column("时间", 14, xlsx.DATETIME),
        xlsx.Column("无格式"),
        xlsx.Column("金额", 10, "0.00"),
    ]
    at = dt.datetime(2026, 10, 5, 9, 30, tzinfo=SHANGHAI)
    rows = [
        [text, n, Decimal("-0.1429"), dt.date(2026, 10, n + 1), at, dt.date(2026, 1, 2), 1.5]
        for n, text in enumerate(HOSTILE)
    ]
    rows += [
        ["第一行\n第二行\t制表", 10**12, 0.5, None, None, dt.datetime(2026, 1, 2, 3, 4), None],
        ["", None, None, None, None, True, Decimal("12.50")],
        ["x" * 40000, -3, None, None, None, None, None, "beyond the columns"],
    ]
    return [
        xlsx.Sheet("客户/指标:2026", columns, rows),
        xlsx.Sheet("客户/指标:2026", columns[:2], []),
    ]


def test_the_writer_gives_the_cells_openpyxl_gave():
    new = xlsx.workbook_bytes(sample_sheets())
    assert cells(new) == cells(openpyxl_workbook(sample_sheets()))
    book = load_workbook(io.BytesIO(new))
    assert book.sheetnames == ["客户 指标 2026", "客户 指标 20261"]
    sheet = book.worksheets[0]
    assert sheet["A2"].value == "'" + HOSTILE[0] and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 0 and sheet["C2"].number_format == xlsx.PERCENT
    assert sheet["E2"].value == dt.datetime(2026, 10, 5, 9, 30)  # local wall-clock time
    assert len(sheet["A10"].value) == xlsx.CELL_TEXT_MAX
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []


def test_the_workbook_is_a_valid_package_with_the_filter_named():
    archive = zipfile.ZipFile(io.BytesIO(xlsx.workbook_bytes(sample_sheets())))
    names = set(archive.namelist())
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml"} <= names
    assert {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} <= names
    workbook = archive.read("xl/workbook.xml").decode()
    assert "'客户 指标 2026'!$A$1:$G$10" in workbook  # Excel's _FilterDatabase name


def test_a_carriage_return_survives():
    """openpyxl wrote a bare CR, which XML readers turn into LF; it is kept as typed now."""
    content = xlsx.workbook_bytes([xlsx.Sheet("s", [xlsx.Column("a")], [["上\r下"]])])
    assert load_workbook(io.BytesIO(content)).active["A2"].value == "上\r下"


def test_progress_counts_rows_across_sheets(monkeypatch):
    monkeypatch.setattr(xlsx, "CHUNK", 3)
    seen = []
    sheets = [
        xlsx.Sheet("a", [xlsx.Column("n")], ([n] for n in range(5))),
        xlsx.Sheet("b", [xlsx.Column("n")], ([n] for n in range(4))),
    ]
    assert xlsx.write_workbook(io.BytesIO(), sheets, progress=seen.append) == 9
    assert seen == [3, 6, 9]


# --- the customer list ---------------------------------------------------------------------


@pytest.fixture
def many_customers(two_teams):
    """Team TA's a1 with 25 more customers (28 in all), hostile names among them."""
    a1 = two_teams["cm"]["a1"]
    Customer.objects.bulk_create(
        Customer(
            code=f"S-{n:03d}",
            name=HOSTILE[n % len(HOSTILE)] + str(n) if n % 3 == 0 else f"兴隆烟酒店{n}",
            manager=a1,
            address=f"城关区张掖路{n}号",
            phone=f"1390931{n:04d}",
            business_format="convenience",
            market_type="urban",
            visit_method="onsite",
            tier=n % 30 + 1,
            status="active" if n % 5 else "inactive",
            latitude=Decimal("36.061234") if n % 2 else None,
        )
        for n in range(25)
    )
    return two_teams


def test_the_customer_export_has_every_row_and_the_cells_openpyxl_gave(
    many_customers, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(xlsx, "CHUNK", 4)  # many blocks
    customers = Customer.objects.select_related("manager").order_by("code")
    seen = []
    buffer = io.BytesIO()
    with django_assert_max_num_queries(2):
        written = write_customers(customers, buffer, progress=seen.append)
    assert written == customers.count() == 28
    assert seen == [4, 8, 12, 16, 20, 24, 28]
    assert cells(buffer.getvalue()) == cells(openpyxl_workbook([customers_sheet(customers)]))
    rows = list(load_workbook(io.BytesIO(buffer.getvalue())).active.values)
    assert [r[0] for r in rows[1:]] == list(customers.values_list("code", flat=True))
    assert next(r for r in rows if r[0] == "S-000")[1] == "'" + HOSTILE[0] + "0"


def test_the_customer_job_writes_what_the_list_shows(many_customers, tmp_path):
    """Every status (the list's 全部状态), as the administrator sees them."""
    with open(tmp_path / "all.xlsx", "wb") as handle:
        written = KINDS["customers"].write(many_customers["admin"], {"status": ""}, handle, None)
    rows = list(load_workbook(tmp_path / "all.xlsx").active.values)
    assert written == len(rows) - 1 == Customer.objects.count()
    assert sorted(r[0] for r in rows[1:]) == sorted(Customer.objects.values_list("code", flat=True))


# --- the indicators ------------------------------------------------------------------------


@pytest.fixture
def indicators(many_customers):
    a1, team = many_customers["cm"]["a1"], many_customers["team_a"]
    IndicatorRun.objects.create(month=OCT, status=RunStatus.SUCCEEDED, started_at=timezone.now())
    for customer in Customer.objects.order_by("code"):
        n = int(customer.code[2:]) if customer.code.startswith("S-") else 50
        CustomerIndicator.objects.create(
            month=OCT,
            customer=customer,
            manager=a1 if n % 4 else None,
            team=team,
            volume=n * 7,
            amount=Decimal("1234.5") + n,
            avg_price=Decimal("176.3") if n % 2 else None,
            volume_change_mom=-0.00004 if n == 3 else (n - 10) / 7 if n % 3 else None,
            forecast=n * 5 if n % 2 else None,
            forecast_error=0.12345,
            visits_done=n % 4,
        )
    return many_customers


def test_streamed_indicator_rows_are_the_table(indicators, django_assert_max_num_queries):
    scope = parse_scope("company")
    header, table = export_table(month=OCT, kind="customer", scope=scope)
    with django_assert_max_num_queries(2):
        streamed_header, rows = export_rows(month=OCT, kind="customer", scope=scope)
        streamed = list(rows)
    assert streamed_header == header and streamed == table and len(table) == 28
    by_code = {row[2]: row for row in table}
    assert by_code["S-003"][header.index("volume_change_mom")] == Decimal("0.0000")  # not -0
    assert by_code["S-000"][header.index("manager")] == ""  # no manager: an empty cell
    assert str(by_code["S-000"][header.index("amount")]) == "1234.50"  # money: 2 places


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_indicator_job_streams_every_row(indicators, monkeypatch, tmp_path, file_format):
    monkeypatch.setattr(xlsx, "CHUNK", 5)
    monkeypatch.setattr("reports.exports.CHUNK", 5)
    params = {"month": "2026-10", "kind": "customer", "scope": "company", "format": file_format}
    seen = []
    path = tmp_path / f"indicators.{file_format}"
    with open(path, "wb") as handle:
        written = KINDS["indicators"].write(indicators["admin"], params, handle, seen.append)
    assert written == 28 and seen[:5] == [5, 10, 15, 20, 25]
    header, table = export_table(month=OCT, kind="customer", scope=parse_scope("company"))
    if file_format == "csv":
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        assert lines[0] == ",".join(header) and len(lines) == 29
        return
    title = f"客户指标 {OCT:%Y-%m}"
    reference = openpyxl_workbook(
        [xlsx.Sheet(title, page_columns(header), page_rows(header, table))]
    )
    assert cells(path.read_bytes()) == cells(reference)


# --- the monthly plan PDF ------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path) -> tuple[int, str]:
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "plan.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    return pages, text


def test_the_plan_pdf_still_says_everything(two_teams, tmp_path):
    """A plan of 40 customers over several pages: every customer with its actions and planned
    days, the weekly arrangement and the header on every page, in one embedded font."""
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=OCT, goal_volume=3200)
    for n in range(40):
        customer = CustomerFactory(manager=a1, code=f"P-{n:02d}", name=f"兴隆烟酒店{n}号")
        MarketingActionFactory(
            cycle=cycle, customer=customer, text=f"调整陈列{n}", visit_date=dt.date(2026, 10, 13)
        )
        PlannedVisitFactory(cycle=cycle, customer=customer, date=dt.date(2026, 10, 5 + n % 20))
    context = plan_document(user=a1, username=a1.username, month=OCT)
    content = plan_pdf(context)
    pages, text = pdf_text(content, tmp_path)
    assert pages >= 2
    flat = re.sub(r"\s+", "", text)
    lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]
    for n in range(40):  # the customer's row: name and code, action and planned day side by side
        day = f"10-{5 + n % 20:02d}"
        assert f"兴隆烟酒店{n}号P-{n:02d}☆[手工添加]调整陈列{n}（10-13）{day}" in lines
    assert flat.count(f"月计划{a1.display_name}（{a1.username}）2026-10") == pages  # header
    assert "周安排（计划拜访40户次）" in flat
    fonts = subprocess.run(["pdffonts", str(tmp_path / "plan.pdf")], capture_output=True)
    # one face: headings and table heads are set apart without a bold font
    assert fonts.stdout.decode().count("Noto") == 1
