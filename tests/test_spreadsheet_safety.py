"""Every spreadsheet the application writes, downloaded as its users get it, with hostile
text in the fields it shows: a value that a spreadsheet would run as a formula comes out as
the literal text behind a single quote (OWASP "CSV injection"), a control character left in
old data is dropped instead of breaking the file, and numbers stay numbers."""

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from core.models import ExportJob, ExportStatus
from core.spreadsheet_text import spreadsheet_value
from core.text import has_control_characters
from reports.models import (
    CustomerIndicator,
    IndicatorRun,
    ManagerIndicator,
    ObjectType,
    RunStatus,
    ScopeIndicator,
    ScopeType,
)
from tests.factories import (
    SHANGHAI,
    BrandFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CycleFactory,
    MarketingActionFactory,
    SkuFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)"]
CONTROL = "兴隆\x01烟酒\x1b店"  # what an old import or form let through
CLEANED = "兴隆烟酒店"
HOSTILE = [*FORMULAS, CONTROL]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hostile(two_teams):
    """Team TA for October 2026 with a hostile value in every kind of text an export shows:
    five customers of a1 named with them (each with a planned action of that text and a
    short visit), five more customer managers named with them, a brand and a SKU named and
    made by each, and the stored indicators of all of it (with negative rates, which must
    stay numbers)."""
    a1, team = two_teams["cm"]["a1"], two_teams["team_a"]
    cycle = CycleFactory(manager=a1, month=OCT)
    IndicatorRun.objects.create(month=OCT, status=RunStatus.SUCCEEDED, started_at=timezone.now())
    for n, text in enumerate(HOSTILE):
        customer = CustomerFactory(
            manager=a1, code=f"H-{n}", name=text, address=text, trade_area=text, contact=text
        )
        start = dt.datetime(2026, 10, 5 + n, 9, 0, tzinfo=SHANGHAI)
        MarketingActionFactory(cycle=cycle, customer=customer, text=text, visit_date=start.date())
        VisitFactory(
            cycle=cycle,
            customer=customer,
            date=start.date(),
            checked_in_at=start,
            checked_out_at=start + dt.timedelta(seconds=20),
        )
        CustomerIndicator.objects.create(
            month=OCT,
            customer=customer,
            manager=a1,
            team=team,
            amount=Decimal("120.00"),
            volume=7,
            volume_change_mom=-0.25,
        )
        brand = BrandFactory(name=text, manufacturer=text)
        SkuFactory(name=text, brand=brand, manufacturer=text, launch_date=OCT)
        manager = CustomerManagerFactory(username=f"h{n}", name=text, team=team)
        ManagerIndicator.objects.create(
            month=OCT,
            manager=manager,
            team=team,
            customers=3,
            volume=9,
            volume_growth_mom=-0.1,
            forecast_accuracy=0.5,
        )
        for object_type in (ObjectType.SKU, ObjectType.BRAND):
            ScopeIndicator.objects.create(
                month=OCT,
                scope_type=ScopeType.COMPANY,
                object_type=object_type,
                object_key=f"K{n}",
                object_name=text,
                amount=Decimal("0"),
                share_growth=-0.1429,
            )
    return two_teams


# --- getting each export as its user does ---------------------------------------------------


def ask(client, url, data=None):
    """An export as the page asks for it: the link's GET, then, where that only offers to
    start a large export, the offer's button (a POST to the same URL and query)."""
    response = client.get(url, data)
    if response.status_code == 405 or (
        response.status_code == 200 and "attachment" not in response.get("Content-Disposition", "")
    ):
        response = client.post(f"{url}?{urlencode(data or {})}")
    return response


def downloaded(client, response) -> bytes:
    """The file of a direct download, or of the export job it started (run eagerly)."""
    if response.status_code == 302 and "/exports/" in response["Location"]:
        job = ExportJob.objects.get()
        assert job.status == ExportStatus.SUCCEEDED, job.error
        download = client.get(f"/exports/{job.pk}/download/")
        assert download.status_code == 200
        return b"".join(download.streaming_content)
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    return response.content


def as_user(client, user):
    client.force_login(user)
    return client


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def csv_cells(content: bytes) -> list[str]:
    return [v for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for v in row]


def job_export(url, data=None):
    def export(client, settings, capture):
        settings.EXPORT_SYNC_MAX_ROWS = 1
        with capture(execute=True):
            response = ask(client, url, data)
        assert response.status_code == 302 and "/exports/" in response["Location"]
        return downloaded(client, response)

    return export


def direct_export(url, data=None):
    def export(client, settings, capture):
        return downloaded(client, ask(client, url, data))

    return export


def command_export(kind, extension):
    def export(client, settings, capture):
        path = settings.MEDIA_ROOT.parent / f"out-{kind}.{extension}"
        call_command(
            "export_indicators", "--month", "2026-10", "--kind", kind, "-o", str(path),
            stdout=io.StringIO(),
        )  # fmt: skip
        return path.read_bytes()

    return export


INDICATORS = "/analysis/export/"
CUSTOMER_ROWS = {"month": "2026-10", "kind": "customer", "scope": "team:TA"}

# (who asks, how, format)
EXPORTS = {
    "customer list": ("mm_a", direct_export("/customers/export.xlsx"), "xlsx"),
    "customer list job": ("mm_a", job_export("/customers/export.xlsx"), "xlsx"),
    "tasks": ("a1", direct_export("/plans/a1/2026-10/tasks.xlsx"), "xlsx"),
    "plan actions": ("a1", direct_export("/plans/a1/2026-10/actions.xlsx"), "xlsx"),
    "team board": ("mm_a", direct_export("/team/board.xlsx", {"month": "2026-10"}), "xlsx"),
    "guidance": ("mm_a", direct_export("/plans/guidance.xlsx", {"month": "2026-10"}), "xlsx"),
    "visit audit": ("mm_a", direct_export("/visits/audit.xlsx", {"month": "2026-10"}), "xlsx"),
    "visit audit job": ("mm_a", job_export("/visits/audit.xlsx", {"month": "2026-10"}), "xlsx"),
    "indicators xlsx": (
        "mm_a",
        direct_export(INDICATORS, {**CUSTOMER_ROWS, "format": "xlsx"}),
        "xlsx",
    ),
    "indicators csv": (
        "mm_a",
        direct_export(INDICATORS, {**CUSTOMER_ROWS, "format": "csv"}),
        "csv",
    ),
    "indicators job csv": (
        "mm_a",
        job_export(INDICATORS, {**CUSTOMER_ROWS, "format": "csv"}),
        "csv",
    ),
    "indicators job xlsx": (
        "mm_a",
        job_export(INDICATORS, {**CUSTOMER_ROWS, "format": "xlsx"}),
        "xlsx",
    ),
    "sku list": ("brand", direct_export("/brands/skus/export.xlsx"), "xlsx"),
    "brands": ("mm_a", direct_export("/brands/export.xlsx"), "xlsx"),
    **{
        f"export_indicators {kind} {extension}": (None, command_export(kind, extension), extension)
        for kind in ("customer", "manager", "brand")
        for extension in ("csv", "xlsx")
    },
}


def user_of(data, who):
    return data["cm"].get(who) or data[who]


@pytest.mark.parametrize("kind", EXPORTS)
def test_hostile_text_comes_out_as_text(
    client, hostile, settings, django_capture_on_commit_callbacks, kind
):
    who, export, extension = EXPORTS[kind]
    if who:
        as_user(client, user_of(hostile, who))
    content = export(client, settings, django_capture_on_commit_callbacks)
    if extension == "xlsx":
        cells = xlsx_cells(content)
        assert [c.coordinate for c in cells if c.data_type == "f"] == []  # no live formula
        texts = [c.value for c in cells if c.data_type == "s"]
        # numbers and dates are still typed cells, not text
        assert any(isinstance(c.value, (int, float, dt.date)) for c in cells)
    else:
        texts = csv_cells(content)
        # rates are written as decimals, a negative one without a quote (DESIGN.md §6)
        assert {"-0.2500", "-0.1000", "-0.1429"} & set(texts)
        assert not any(t.startswith("'") and t[1:2].isdigit() for t in texts)
    for formula in FORMULAS:
        assert "'" + formula in texts, formula
        assert formula not in texts, formula
    assert CLEANED in texts  # the file was written, the control characters left out
    assert [t for t in texts if has_control_characters(t)] == []


def test_headers_made_of_names_are_neutralised_too(client, hostile):
    """The day table of the visit audit has a column per customer manager, headed by name."""
    as_user(client, hostile["mm_a"])
    content = downloaded(client, ask(client, "/visits/audit.xlsx", {"month": "2026-10"}))
    header = [c.value for c in next(load_workbook(io.BytesIO(content))["每日有效拜访"].rows)]
    assert {"'" + f for f in FORMULAS} | {CLEANED} <= set(header)


def test_text_cells_are_strings_typed_as_strings(client, hostile):
    as_user(client, hostile["mm_a"])
    content = downloaded(client, ask(client, "/customers/export.xlsx"))
    sheet = load_workbook(io.BytesIO(content)).active
    names = {row[1].value: row[1] for row in sheet.iter_rows(min_row=2)}
    cell = names["'" + FORMULAS[0]]
    assert cell.data_type == "s" and cell.value == "'" + FORMULAS[0]
    tiers = [row[9].value for row in sheet.iter_rows(min_row=2)]
    assert tiers and all(t == 12 for t in tiers)  # the tier column is still a number


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("-1+1|cmd' /C calc'!A0", "'-1+1|cmd' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\u3000＝1+1", "'\u3000＝1+1"),
        ("＋1", "'＋1"),
        ("a\x00b\x01c\x1bd\x7f", "abcd"),
        ("\x01=1+1", "'=1+1"),
        ("第一行\n第二行\t制表", "第一行\n第二行\t制表"),
        ("1-2", "1-2"),
        ("张三 = 李四", "张三 = 李四"),
        ("", ""),
        (-5, -5),
        (Decimal("-0.1429"), Decimal("-0.1429")),
        (-0.5, -0.5),
        (None, None),
        (OCT, OCT),
    ],
)
def test_the_cell_rule(value, written):
    assert spreadsheet_value(value) == written
