"""The annual brand evaluation (年度品牌评价, issue #16 point 3): built from the stored monthly
indicators (each of the twelve months is the month's stored row, the year's figures are
their sums and means), the year-on-year change over the months both years have, the rank,
where each brand sells (trade areas, business formats) from the year's order lines; the
page, its Excel workbook and its PDF; a year without data says so."""

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Role, User
from customers.models import Customer, CustomerStatus
from markets.models import OrderLine
from reports import tasks
from reports.annual import annual_evaluation
from reports.models import ObjectType, ScopeIndicator, ScopeType
from reports.services import indicators_compute
from tests.factories import CustomerFactory, OrderLineFactory, SkuFactory

pytestmark = pytest.mark.django_db

PAGE, XLSX, PDF = "/analysis/annual/", "/analysis/annual/xlsx/", "/analysis/annual/pdf/"


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "annual.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def company_rows(object_type: str, key: str, year: int) -> list[ScopeIndicator]:
    return list(
        ScopeIndicator.objects.filter(
            scope_type=ScopeType.COMPANY,
            object_type=object_type,
            object_key=key,
            month__year=year,
        ).order_by("month")
    )


# --- the demo's twelve months ---------------------------------------------------------------


@pytest.fixture
def demo_2025(monkeypatch):
    """The small demo with its orders in the twelve months of 2025, each month computed."""
    monkeypatch.setattr("demo.seed.previous_month", lambda: dt.date(2025, 12, 1))
    call_command("seed_demo", "--months", "12", stdout=io.StringIO())
    return User.objects.get(username="brand1")


def test_a_brands_year_is_built_from_its_twelve_demo_months(demo_2025):
    evaluation = annual_evaluation(user=demo_2025, year=2025)
    assert [m.month for m in evaluation.computed] == list(range(1, 13))
    assert evaluation.common == 0  # 2024 was never computed: no year-on-year change
    assert evaluation.brands and evaluation.skus

    line = evaluation.brands[0]
    rows = company_rows(ObjectType.BRAND, line.key, 2025)
    assert len(rows) == 12
    # each month is the month's stored row, as it is
    for cell, row in zip(line.cells, rows, strict=True):
        assert cell["month"] == row.month
        assert cell["volume"] == row.volume and cell["amount"] == row.amount
        assert cell["coverage_rate"] == row.coverage_rate
        assert cell["shelf_rate"] == row.shelf_rate
        assert cell["repurchase_rate"] == row.repurchase_rate
        assert cell["volume_growth_mom"] == row.volume_growth_mom
        assert cell["share_growth"] == row.share_growth
    table = {metric.key: metric for metric in line.table}
    assert table["volume"].cells == [row.volume for row in rows]
    assert table["coverage_rate"].cells == [row.coverage_rate for row in rows]

    # the year: sums of the months …
    volume = sum(row.volume for row in rows)
    amount = sum(row.amount for row in rows)
    requested = sum(row.requested for row in rows)
    assert line.volume == volume and line.year["amount"] == amount
    assert line.year["avg_price"] == (amount / volume).quantize(Decimal("0.01"))
    assert line.year["supply_satisfaction"] == pytest.approx(volume / requested)
    # … and the same from the order lines themselves (active customers, the brand's SKUs)
    lines = OrderLine.objects.filter(
        order_date__year=2025,
        sku__brand__name=line.key,
        customer__status=CustomerStatus.ACTIVE,
    )
    assert lines.aggregate(v=Sum("quantity"))["v"] == volume
    # coverage over the year's customer-months; shelf and repurchase the months' mean
    assert line.year["coverage_rate"] == pytest.approx(
        sum(r.ordering_customers for r in rows) / sum(r.customers for r in rows)
    )
    shelf = [r.shelf_rate for r in rows if r.shelf_rate is not None]
    assert line.year["shelf_rate"] == pytest.approx(sum(shelf) / len(shelf))
    repurchase = [r.repurchase_rate for r in rows if r.repurchase_rate is not None]
    assert line.year["repurchase_rate"] == pytest.approx(sum(repurchase) / len(repurchase))
    # share: the brand's volume over all SKUs' volume of the months (each month's total is
    # the one its stored share was computed against)
    totals = [r.volume / r.share for r in rows]
    assert line.year["share"] == pytest.approx(volume / sum(totals))
    all_lines = OrderLine.objects.filter(
        order_date__year=2025, customer__status=CustomerStatus.ACTIVE
    ).aggregate(v=Sum("quantity"))["v"]
    assert sum(totals) == pytest.approx(all_lines)

    # ranks follow the year's volume, among the key brands and among the key SKUs
    for lines_ in (evaluation.brands, evaluation.skus):
        volumes = [x.volume for x in lines_]
        assert volumes == sorted(volumes, reverse=True)
        assert [x.rank for x in lines_][:2] == [1, 2]

    # where it sells: every active customer in one trade area and one format; the brand's
    # ordering customers summed over the segments are the customers who ordered it in 2025
    active = Customer.objects.filter(status=CustomerStatus.ACTIVE).count()
    assert evaluation.customers == active
    assert sum(s.customers for s in evaluation.trade_areas) == active
    assert sum(s.customers for s in evaluation.formats) == active
    buyers = lines.filter(quantity__gt=0).values("customer_id").distinct().count()
    assert sum(s.cells[0].ordering for s in evaluation.trade_areas) == buyers
    assert sum(s.cells[0].ordering for s in evaluation.formats) == buyers
    assert sum(s.cells[0].volume for s in evaluation.trade_areas) == volume
    assert line.reach == pytest.approx(buyers / active)

    # the workbook holds the same year and the same months
    from reports.annual_export import annual_sheets

    sheets = {sheet.title: list(sheet.rows) for sheet in annual_sheets(evaluation)}
    brand_row = next(r for r in sheets["品牌年度"] if r[1] == line.name)
    assert brand_row[0] == 1 and brand_row[2] == volume
    months = [r for r in sheets["品牌月度"] if r[0] == line.name]
    assert [r[7] for r in months] == [row.volume for row in rows]


# --- a hand-made two years --------------------------------------------------------------------


@pytest.fixture
def two_years(two_teams):
    """Key brand 兰州 and key brand 云烟 (one key SKU each) and an unmarked SKU: in 2024 only
    March is computed, in 2025 March and April. 兰州 sells at two customers of the railway
    station area and none of the old town; 云烟 at the old town only."""
    lanzhou = SkuFactory(code="LZ1", name="兰州(硬珍品)", brand__name="兰州", is_key_brand=True)
    yunyan = SkuFactory(code="YY1", name="云烟(紫)", brand__name="云烟", is_key_brand=True)
    other = SkuFactory(code="OT1", name="其他", brand__name="其他")
    a1 = two_teams["cm"]["a1"]
    station = [two_teams["customers"]["a1"], CustomerFactory(manager=a1, code="C-s2")]
    old_town = [
        CustomerFactory(
            manager=a1, code=f"C-o{i}", trade_area="老城区商圈", business_format="grocery"
        )
        for i in range(2)
    ]

    def order(day, customer, sku, quantity, requested=None):
        OrderLineFactory(
            order_date=day,
            customer=customer,
            sku=sku,
            quantity=quantity,
            requested_quantity=requested or quantity,
            amount=Decimal(quantity) * Decimal("150.00"),
        )

    order(dt.date(2024, 3, 5), station[0], lanzhou, 10)
    order(dt.date(2024, 3, 5), old_town[0], other, 30)
    order(dt.date(2025, 3, 5), station[0], lanzhou, 12)
    order(dt.date(2025, 3, 6), station[1], lanzhou, 3, requested=10)
    order(dt.date(2025, 3, 6), old_town[0], other, 25)
    order(dt.date(2025, 4, 7), station[0], lanzhou, 5)
    order(dt.date(2025, 4, 7), old_town[1], yunyan, 18)
    for month in (dt.date(2024, 3, 1), dt.date(2025, 3, 1), dt.date(2025, 4, 1)):
        indicators_compute(month=month)
    return two_teams


def sell_key_sku(customer, code: str, brand: str, quantity: int, day: dt.date) -> None:
    """A new key SKU of ``brand`` delivered to ``customer`` on ``day``."""
    sku = SkuFactory(code=code, brand__name=brand, is_key_brand=True)
    OrderLineFactory(
        order_date=day, customer=customer, sku=sku, quantity=quantity, requested_quantity=quantity
    )


def test_the_year_before_is_compared_on_the_months_both_years_have(two_years):
    evaluation = annual_evaluation(user=two_years["brand"], year=2025)
    assert [m.month for m in evaluation.computed] == [3, 4]
    assert evaluation.common == 1  # only March was computed in 2024
    lanzhou, yunyan = evaluation.brands
    assert (lanzhou.key, lanzhou.rank, lanzhou.volume) == ("兰州", 1, 20)
    assert (yunyan.key, yunyan.rank, yunyan.volume) == ("云烟", 2, 18)
    # March 2025 (15) against March 2024 (10): +50 %; April is not compared
    assert lanzhou.volume_growth == pytest.approx(0.5)
    assert lanzhou.changes["volume"] == pytest.approx(0.5)
    # share: 15 of 40 in March 2025 against 10 of 40 in March 2024
    assert lanzhou.share_growth == pytest.approx((15 / 40 - 10 / 40) / (10 / 40))
    assert lanzhou.changes["share"] == pytest.approx(15 / 40 - 10 / 40)
    # coverage in points: 2 of 6 customers in March 2025, 1 of 6 in March 2024
    assert lanzhou.changes["coverage_rate"] == pytest.approx(2 / 6 - 1 / 6)
    # supply: 20 delivered of 27 requested over the year, 74 %: balanced
    assert lanzhou.year["supply_satisfaction"] == pytest.approx(20 / 27)
    assert lanzhou.year["supply_state"] == "balanced"
    assert yunyan.volume_growth is None  # nothing in March of either year to compare
    # a December of 2025 that nobody computed is empty, not 0
    assert lanzhou.cells[11] is None
    assert {m.key: m.cells[11] for m in lanzhou.table}["volume"] is None


def test_equal_volumes_share_a_rank(two_years):
    sell_key_sku(two_years["customers"]["a2"], "ZH1", "中华", 20, dt.date(2025, 4, 8))
    indicators_compute(month=dt.date(2025, 4, 1))
    evaluation = annual_evaluation(user=two_years["brand"], year=2025)
    assert [(line.key, line.rank) for line in evaluation.brands] == [
        ("中华", 1),
        ("兰州", 1),
        ("云烟", 3),
    ]


def test_trade_areas_and_formats_show_where_each_brand_is_strong_and_absent(two_years):
    evaluation = annual_evaluation(user=two_years["brand"], year=2025)
    areas = {s.name: s for s in evaluation.trade_areas}
    # a1, a2, b1 and C-s2 are in the railway station area (the factory's), two in the old town
    assert areas["火车站商圈"].customers == 4 and areas["老城区商圈"].customers == 2
    station, old_town = areas["火车站商圈"].cells, areas["老城区商圈"].cells
    assert (station[0].ordering, station[0].volume) == (2, 20)  # 兰州
    assert (old_town[0].ordering, old_town[0].rate, old_town[0].mark) == (0, 0, "absent")
    assert (old_town[1].ordering, old_town[1].rate) == (1, 0.5)  # 云烟
    assert station[1].mark == "absent"
    formats = {s.name: s for s in evaluation.formats}
    assert set(formats) == {"便利店", "食杂店"}
    assert evaluation.brands[0].reach == pytest.approx(2 / 6)


def test_the_page_shows_the_year_side_by_side(client, two_years, django_assert_max_num_queries):
    client.force_login(two_years["brand"])
    with django_assert_max_num_queries(25):
        page = client.get(PAGE, {"year": "2025"}).content.decode()
    assert "年度品牌评价" in page and "2025 年 · 全公司" in page
    assert "重点品牌年度排名" in page and "兰州(硬珍品)" in page
    assert "同比按两年都已计算的 1 个月比较。" in page
    assert "+50.0%" in page  # 兰州's volume against March 2024
    assert '<th scope="col" class="num">12月</th>' in page
    assert "老城区商圈" in page and "空白" in page
    assert 'class="table-wrap"' in page  # the twelve months scroll sideways on a phone
    assert f'href="{XLSX}?year=2025"' in page and f'href="{PDF}?year=2025"' in page
    # the default year is the latest with a computed month
    assert "2025 年 · 全公司" in client.get(PAGE).content.decode()


def test_the_monthly_job_leaves_the_segment_table_ready(
    client, two_years, django_capture_on_commit_callbacks, monkeypatch
):
    """Computing a month queues the warming of the year's segment table for a worker: the
    first opening of the page then reads no order lines. Without a worker (tasks in process,
    as in development) nothing is warmed and the page computes it."""
    client.force_login(two_years["brand"])

    def lines_read() -> bool:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(PAGE, {"year": "2025"}).content.decode()
        assert "老城区商圈" in page
        return any("markets_orderline" in q["sql"] for q in queries.captured_queries)

    assert lines_read()  # the fixture's months were computed with nothing queued after
    sell_key_sku(two_years["customers"]["b1"], "LZ2", "兰州", 4, dt.date(2025, 4, 9))
    with django_capture_on_commit_callbacks(execute=True):
        indicators_compute(month=dt.date(2025, 4, 1))
    assert lines_read()  # in process: not warmed
    monkeypatch.setattr(tasks, "_in_process", lambda: False)  # a broker: the task runs there
    with django_capture_on_commit_callbacks(execute=True):
        indicators_compute(month=dt.date(2025, 4, 1))
    assert not lines_read()
    evaluation = annual_evaluation(user=two_years["brand"], year=2025)
    station = {s.name: s for s in evaluation.trade_areas}["火车站商圈"]
    assert station.cells[0].ordering == 3  # b1 now orders 兰州 too


def test_the_menu_leads_brand_managers_to_it(client, two_years):
    client.force_login(two_years["brand"])
    nav = client.get("/").content.decode().split('<nav class="nav"', 1)[1].split("</nav>")[0]
    assert f'<a href="{PAGE}">年度评价</a>' in nav


def test_a_year_without_data_says_so(client, two_years):
    client.force_login(two_years["brand"])
    page = client.get(PAGE, {"year": "2023"}).content.decode()
    assert "2023 年没有已计算的月度指标，无法评价。" in page
    assert "重点品牌年度排名" not in page and 'href="/analysis/annual/xlsx/' not in page
    refused = client.get(PAGE, {"year": "20x5"}).content.decode()
    assert "年份应为四位数字" in refused and "2025 年 · 全公司" in refused
    assert "年份无效" not in client.get(PAGE, {"year": "2025"}).content.decode()
    text = client.get(PDF, {"year": "2023"})
    assert text.status_code == 200 and text["Content-Type"] == "application/pdf"


def test_nothing_computed_yet(client, two_teams):
    client.force_login(two_teams["admin"])
    page = client.get(PAGE).content.decode()
    assert "还没有计算过任何月份的指标" in page


def test_the_workbook(client, two_years):
    client.force_login(two_years["admin"])
    response = client.get(XLSX, {"year": "2025"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "品牌年度",
        "单品年度",
        "品牌月度",
        "单品月度",
        "商圈分布",
        "业态分布",
    ]
    brands = list(book["品牌年度"].values)
    assert brands[0][:4] == ("名次", "品牌", "销量（条）", "销量成长率（同比）")
    assert brands[1][:4] == (1, "兰州", 20, 0.5)
    months = [row for row in book["品牌月度"].values if row[0] == "兰州"]
    assert [(row[1], row[7]) for row in months] == [("2025-03", 15), ("2025-04", 5)]
    areas = [row for row in book["商圈分布"].values if row[0] == "老城区商圈"]
    assert ("老城区商圈", 2, "兰州", 0, 0, pytest.approx(2 / 6), 0, "空白") in [
        tuple(r) for r in areas
    ]


def test_the_pdf_reads_as_the_page(client, two_years, tmp_path):
    client.force_login(two_years["brand"])
    response = client.get(PDF, {"year": "2025"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for words in (
        "年度品牌评价 2025 年",
        "重点品牌年度排名",
        "重点单品逐月五率与量价",
        "兰州(硬珍品)",
        "各商圈的品牌覆盖",
        "老城区商圈",
        "口径说明",
    ):
        assert words in text, words
    assert "12月" in text and "+50.0%" in text


def test_in_english(client, two_years):
    client.force_login(two_years["brand"])
    page = client.get("/en" + PAGE, {"year": "2025"}).content.decode()
    assert "Annual brand evaluation" in page and "Key brands ranked by volume" in page


@pytest.mark.parametrize("role", [Role.CUSTOMER_MANAGER, Role.MARKET_MANAGER])
def test_only_brand_managers_and_admins(client, two_years, role):
    user = two_years["cm"]["a1"] if role == Role.CUSTOMER_MANAGER else two_years["mm_a"]
    client.force_login(user)
    for url in (PAGE, XLSX, PDF):
        assert client.get(url).status_code == 403
