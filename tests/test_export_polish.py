"""Every workbook a user downloads opens ready to work in: the header row frozen, an autofilter
over the header and the data, and headers in Chinese (the `export_indicators` command alone
keeps its English snake_case contract, DESIGN.md §6)."""

import datetime as dt
import io
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from markets.models import Forecast
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
    CustomerFactory,
    CycleFactory,
    ForecastFactory,
    MarketingActionFactory,
    OrderLineFactory,
    VisitFactory,
)
from tests.test_spreadsheet_safety import EXPORTS, OCT, as_user, direct_export, downloaded, user_of

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
FORECASTS = "/plans/a1/2026-10/forecasts.xlsx"
PLAN_ACTIONS = "/plans/a1/2026-10/actions.xlsx"
XLSX_EXPORTS = {kind: spec for kind, spec in EXPORTS.items() if spec[2] == "xlsx"} | {
    "forecasts": ("a1", direct_export(FORECASTS), "xlsx"),
    "forecasts, market manager": ("mm_a", direct_export(FORECASTS), "xlsx"),
    "plan actions, market manager": ("mm_a", direct_export(PLAN_ACTIONS), "xlsx"),
}
# DESIGN.md §6: the command's files are read by other programs, by column name
ENGLISH_CONTRACT = {kind for kind in XLSX_EXPORTS if kind.startswith("export_indicators ")}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def october(two_teams):
    """Team TA for October 2026 with a few rows in every export: customers of a1 with planned
    actions and visits, and the stored indicators of the month."""
    a1, team = two_teams["cm"]["a1"], two_teams["team_a"]
    cycle = CycleFactory(manager=a1, month=OCT)
    IndicatorRun.objects.create(month=OCT, status=RunStatus.SUCCEEDED, started_at=timezone.now())
    ManagerIndicator.objects.create(
        month=OCT, manager=a1, team=team, customers=3, volume=9, forecast_accuracy=0.5
    )
    for n in range(3):
        customer = CustomerFactory(manager=a1, code=f"P-{n}")
        start = dt.datetime(2026, 10, 5 + n, 9, 0, tzinfo=SHANGHAI)
        MarketingActionFactory(cycle=cycle, customer=customer, visit_date=start.date())
        VisitFactory(
            cycle=cycle,
            customer=customer,
            date=start.date(),
            checked_in_at=start,
            checked_out_at=start + dt.timedelta(minutes=20),
        )
        CustomerIndicator.objects.create(
            month=OCT, customer=customer, manager=a1, team=team, amount=Decimal("120.00"), volume=7
        )
        for object_type in (ObjectType.SKU, ObjectType.BRAND):
            ScopeIndicator.objects.create(
                month=OCT,
                scope_type=ScopeType.COMPANY,
                object_type=object_type,
                object_key=f"K{n}",
                object_name=f"品牌{n}",
                amount=Decimal("10"),
            )
    return two_teams


@pytest.mark.parametrize("kind", XLSX_EXPORTS)
def test_every_sheet_is_frozen_and_filtered_with_chinese_headers(
    client, october, settings, django_capture_on_commit_callbacks, kind
):
    who, export, _ = XLSX_EXPORTS[kind]
    if who:
        as_user(client, user_of(october, who))
    book = load_workbook(io.BytesIO(export(client, settings, django_capture_on_commit_callbacks)))
    for sheet in book:
        header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
        assert header, sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        last = get_column_letter(len(header))
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        if kind in ENGLISH_CONTRACT:
            assert all(re.fullmatch(r"[a-z0-9_]+", h) for h in header), header
        else:
            assert [h for h in header if not CJK.search(str(h))] == [], (sheet.title, header)


def test_the_filter_spans_an_empty_table(client, two_teams):
    """No rows yet: the filter still sits on the header, ready for the rows to come."""
    as_user(client, two_teams["mm_b"])
    CustomerFactory._meta.model.objects.filter(manager__team=two_teams["team_b"]).delete()
    response = client.get("/customers/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}1"


# --- the forecast grid: export, then import the same file -----------------------------------


@pytest.fixture
def grid(two_teams):
    """a1's draft plan for October 2026: three customers with forecasts and deliveries in the
    three months before; b1's customer is none of it."""
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=OCT)
    customers = [two_teams["customers"]["a1"], *(CustomerFactory(manager=a1) for _ in range(2))]
    for n, customer in enumerate(customers):
        ForecastFactory(customer=customer, month=OCT, quantity=10 * n + 5)
        for month in (7, 8, 9):
            OrderLineFactory(customer=customer, order_date=dt.date(2026, month, 3), quantity=month)
    return two_teams | {"cycle": cycle, "grid_customers": customers}


def forecasts():
    return dict(Forecast.objects.filter(month=OCT).values_list("customer__code", "quantity"))


def test_the_grid_downloads_with_the_import_columns_first_and_context_after(client, grid):
    as_user(client, grid["mm_a"])  # a reader of the plan downloads it too
    response = client.get(FORECASTS)
    assert quote("需求预测") in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(downloaded(client, response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("客户编码", "预测量", "月份")
    assert "客户名称" in rows[0] and "2026-09 销量（条）" in rows[0]
    by_code = {r[0]: r for r in rows[1:]}
    assert set(by_code) == {c.code for c in grid["grid_customers"]}  # b1's is not there
    first = by_code[grid["customers"]["a1"].code]
    assert first[1:3] == (5, "2026-10")
    assert first[rows[0].index("2026-09 销量（条）")] == 9  # numbers stay numbers


def test_the_downloaded_grid_imports_back_unchanged(client, grid):
    as_user(client, grid["cm"]["a1"])
    before = forecasts()
    content = downloaded(client, client.get(FORECASTS))
    response = client.post(
        "/plans/a1/2026-10/forecasts/import/",
        {"file": SimpleUploadedFile("需求预测.xlsx", content)},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert forecasts() == before and len(before) == 3
    follow = client.get(response["Location"])
    assert "已导入 3 条需求预测。" in follow.content.decode()


def test_a_half_filled_grid_imports_back_unchanged(client, grid):
    """A customer not forecast yet is exported blank; importing the file leaves it blank and
    the others as they were."""
    Forecast.objects.filter(customer=grid["grid_customers"][2]).delete()
    as_user(client, grid["cm"]["a1"])
    before = forecasts()
    content = downloaded(client, client.get(FORECASTS))
    response = client.post(
        "/plans/a1/2026-10/forecasts/import/",
        {"file": SimpleUploadedFile("需求预测.xlsx", content)},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert forecasts() == before and len(before) == 2
    assert "已导入 2 条需求预测。" in client.get(response["Location"]).content.decode()


def test_the_grid_page_links_the_download(client, grid):
    as_user(client, grid["mm_a"])
    assert (
        'href="/plans/a1/2026-10/forecasts.xlsx"'
        in client.get("/plans/a1/2026-10/forecasts/").content.decode()
    )


def test_the_download_writes_nothing_and_refuses_a_post(client, grid):
    as_user(client, grid["cm"]["a1"])
    before = forecasts()
    assert client.post(FORECASTS).status_code == 405
    assert client.get(FORECASTS).status_code == 200
    assert forecasts() == before
