"""Admin lists over tables of millions of rows (order lines, forecasts, observations,
indicators, audit trails): a handful of queries whatever the row count, no date hierarchy
reading every row, a month filter, the planner's estimate instead of counting millions, and a
search that goes through the customer and SKU tables."""

import datetime as dt
import itertools
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import admin_lists
from core.months import add_months, current_month
from customers.models import Customer, CustomerChange
from markets.models import (
    Forecast,
    InventoryCheck,
    MarketInfo,
    OrderLine,
    PriceCheck,
    ShelfCheck,
)
from reports.models import CustomerIndicator, ScopeIndicator
from tests.factories import (
    CustomerFactory,
    ForecastFactory,
    InventoryCheckFactory,
    OrderLineFactory,
    PriceCheckFactory,
    ShelfCheckFactory,
    SkuFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
_serial = itertools.count()

BIG_TABLES = [
    OrderLine,
    Forecast,
    ShelfCheck,
    InventoryCheck,
    PriceCheck,
    MarketInfo,
    Customer,
    CustomerChange,
    CustomerIndicator,
    ScopeIndicator,
]


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def make_rows(model, count: int) -> None:
    """``count`` rows of ``model``, each with its own customer (and SKU) where it has them."""
    for n in range(count):
        day = dt.date(2026, 10, 1) + dt.timedelta(days=n % 28)
        at = dt.datetime(2026, 10, 1 + n % 28, 10, 0, tzinfo=SHANGHAI)
        if model is OrderLine:
            OrderLineFactory(order_date=day)
        elif model is Forecast:
            ForecastFactory(month=dt.date(2026, 1 + n % 12, 1))
        elif model is ShelfCheck:
            ShelfCheckFactory(observed_at=at)
        elif model is InventoryCheck:
            InventoryCheckFactory(observed_at=at)
        elif model is PriceCheck:
            PriceCheckFactory(observed_at=at)
        elif model is MarketInfo:
            MarketInfo.objects.create(
                customer=CustomerFactory(), observed_at=at, content="竞品促销"
            )
        elif model is Customer:
            CustomerFactory()
        elif model is CustomerChange:
            CustomerChange.objects.create(
                customer=CustomerFactory(), field="phone", old_value="1", new_value="2"
            )
        elif model is CustomerIndicator:
            customer = CustomerFactory()
            customer_indicator(customer)
        elif model is ScopeIndicator:
            ScopeIndicator.objects.create(
                month=dt.date(2026, 10, 1),
                scope_type="company",
                object_type="sku",
                object_key=f"690{next(_serial):010d}",
                object_name=f"单品{n}",
                amount=Decimal("0"),
            )


def customer_indicator(customer) -> CustomerIndicator:
    return CustomerIndicator.objects.create(
        month=dt.date(2026, 10, 1), customer=customer, manager=customer.manager, amount=0
    )


def queries_of(client, url, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


# --- queries: few, flat, no scan for a date hierarchy ------------------------------------------


@pytest.mark.parametrize("model", BIG_TABLES, ids=lambda m: m._meta.label)
def test_a_big_list_takes_the_same_few_queries_for_3_rows_as_for_30(
    admin_client, model, django_assert_max_num_queries
):
    make_rows(model, 3)
    url = changelist_url(model)
    admin_client.get(url)  # the session and the content types are read once
    few = len(queries_of(admin_client, url))
    make_rows(model, 27)
    with django_assert_max_num_queries(9):
        many = len(queries_of(admin_client, url))
    assert many == few  # nothing per row: every reference shown is fetched with the page


@pytest.mark.parametrize("model", BIG_TABLES, ids=lambda m: m._meta.label)
def test_no_big_list_reads_every_row_for_a_date_hierarchy(admin_client, model):
    make_rows(model, 3)
    assert admin.site._registry[model].date_hierarchy is None
    for sql in queries_of(admin_client, changelist_url(model)):
        assert "date_trunc" not in sql.lower(), sql
        # nor for a filter's choices: the sidebar's values come from elsewhere
        assert "SELECT DISTINCT" not in sql.upper(), sql


def test_the_price_class_filter_does_not_read_the_order_lines_for_its_choices(admin_client):
    """Django's filter for a field without choices lists the distinct values over the joined
    order lines; the price classes are 1–5."""
    line = OrderLineFactory(sku=SkuFactory(price_class=4))
    OrderLineFactory(sku=SkuFactory(price_class=2))
    url = changelist_url(OrderLine)
    sqls = queries_of(admin_client, url)
    assert not any("DISTINCT" in sql.upper() and "markets_orderline" in sql for sql in sqls)
    response = admin_client.get(url, {"price_class": "4"})
    assert list(response.context["cl"].result_list) == [line]


# --- the month filter ---------------------------------------------------------------------


def test_the_month_filter_keeps_the_lines_of_that_month_only(admin_client):
    inside = [
        OrderLineFactory(order_date=dt.date(2026, 10, 1)),
        OrderLineFactory(order_date=dt.date(2026, 10, 31)),
    ]
    OrderLineFactory(order_date=dt.date(2026, 9, 30))
    OrderLineFactory(order_date=dt.date(2026, 11, 1))
    response = admin_client.get(changelist_url(OrderLine), {"month": "2026-10"})
    assert set(response.context["cl"].result_list) == set(inside)
    assert response.context["cl"].result_count == 2


def test_the_month_of_an_observation_is_the_month_in_the_company_time_zone(admin_client):
    """23:30 on 31 October in Shanghai is 15:30 UTC, October; 00:30 on 1 November is still
    31 October in UTC, but November for the company."""
    october = ShelfCheckFactory(observed_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))
    november = ShelfCheckFactory(observed_at=dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))
    url = changelist_url(ShelfCheck)
    assert list(admin_client.get(url, {"month": "2026-10"}).context["cl"].result_list) == [october]
    assert list(admin_client.get(url, {"month": "2026-11"}).context["cl"].result_list) == [november]


def test_the_month_filter_offers_the_last_months_from_today_without_reading_the_data(
    admin_client,
):
    OrderLineFactory(order_date=dt.date(2020, 3, 5))  # the data's own months do not matter
    page = admin_client.get(changelist_url(OrderLine)).content.decode()
    this = current_month()
    for back in range(13):
        assert f"?month={add_months(this, -back):%Y-%m}" in page
    assert "?month=2020-03" not in page
    assert "?month=" + f"{add_months(this, -13):%Y-%m}" not in page


def test_a_forecast_month_is_picked_exactly(admin_client):
    october = ForecastFactory(month=dt.date(2026, 10, 1))
    ForecastFactory(month=dt.date(2026, 11, 1))
    response = admin_client.get(changelist_url(Forecast), {"month": "2026-10"})
    assert list(response.context["cl"].result_list) == [october]


def test_a_month_that_is_not_one_gives_the_admin_error_page_not_a_500(admin_client):
    response = admin_client.get(changelist_url(OrderLine), {"month": "2026-13"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


# --- counting -------------------------------------------------------------------------------


def test_a_small_list_is_counted_exactly(admin_client):
    make_rows(OrderLine, 3)
    response = admin_client.get(changelist_url(OrderLine))
    cl = response.context["cl"]
    assert cl.result_count == 3 and not cl.paginator.count_is_estimate
    assert "约" not in response.content.decode().split('class="paginator"', 1)[1]


def test_a_planner_overestimate_never_shows_for_a_small_result(admin_client, monkeypatch):
    """The estimate is only taken once a bounded count has seen more rows than are counted
    exactly."""
    make_rows(OrderLine, 4)
    monkeypatch.setattr(admin_lists, "EXACT_COUNT_UP_TO", 10)
    monkeypatch.setattr(admin_lists, "planner_row_estimate", lambda queryset: 5_000_000)
    cl = admin_client.get(changelist_url(OrderLine)).context["cl"]
    assert cl.result_count == 4 and not cl.paginator.count_is_estimate


@pytest.mark.postgres
def test_a_big_table_gives_the_planner_estimate_and_a_filtered_few_are_counted_exactly(
    admin_client, postgres_only, monkeypatch
):
    make_rows(OrderLine, 30)  # all in October 2026
    november = OrderLineFactory(order_date=dt.date(2026, 11, 3))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE markets_orderline")
    # rows deleted after ANALYZE: the planner still believes in 31, a count would say 21
    OrderLine.objects.filter(pk__in=OrderLine.objects.order_by("pk")[:10].values("pk")).delete()
    monkeypatch.setattr(admin_lists, "EXACT_COUNT_UP_TO", 5)  # stands for 100,000
    url = changelist_url(OrderLine)

    response = admin_client.get(url)
    cl = response.context["cl"]
    assert OrderLine.objects.count() == 21
    assert cl.paginator.count_is_estimate and cl.result_count == 31
    assert "约 31 " in response.content.decode()

    filtered = admin_client.get(url, {"month": "2026-11"}).context["cl"]
    assert filtered.result_count == 1 and not filtered.paginator.count_is_estimate
    assert list(filtered.result_list) == [november]

    # a filter keeping many rows is estimated too, and the search bar's count says so
    response = admin_client.get(url, {"month": "2026-10"})
    many = response.context["cl"]
    assert many.paginator.count_is_estimate and many.result_count > 5
    assert f"约 {many.result_count} 条结果" in response.content.decode()


@pytest.mark.postgres
def test_no_count_star_over_the_whole_big_table(admin_client, postgres_only, monkeypatch):
    make_rows(OrderLine, 12)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE markets_orderline")
    monkeypatch.setattr(admin_lists, "EXACT_COUNT_UP_TO", 5)
    sqls = queries_of(admin_client, changelist_url(OrderLine))
    counts = [sql for sql in sqls if "COUNT(" in sql.upper()]
    assert counts and all("LIMIT 6" in sql for sql in counts), counts


# --- search -------------------------------------------------------------------------------


@pytest.fixture
def two_customers_lines():
    mine = CustomerFactory(code="620102100777", name="陶记便利店")
    other = CustomerFactory(code="620102100778", name="白记日杂店")
    sku = SkuFactory(code="6901028100013", name="中华(硬)")
    return {
        "mine": OrderLineFactory(customer=mine),
        "other": OrderLineFactory(customer=other, sku=sku),
    }


@pytest.mark.parametrize(
    "term, expected",
    [
        ("620102100777", "mine"),  # customer code
        ("陶记", "mine"),  # the start of the customer's name
        ("6901028100013", "other"),  # SKU code
        ("中华", "other"),  # the start of the SKU's name
        ('"620102100778"', "other"),  # quoted, as the admin allows
    ],
)
def test_order_lines_are_found_by_customer_and_sku(
    admin_client, two_customers_lines, term, expected
):
    response = admin_client.get(changelist_url(OrderLine), {"q": term})
    assert list(response.context["cl"].result_list) == [two_customers_lines[expected]]


def test_order_line_search_goes_through_the_customer_table_not_a_like_over_the_lines(
    admin_client, two_customers_lines
):
    sqls = queries_of(admin_client, changelist_url(OrderLine), {"q": "620102100777"})
    over_lines = [sql for sql in sqls if 'FROM "markets_orderline"' in sql]
    assert over_lines
    customer_id = two_customers_lines["mine"].customer_id
    for sql in over_lines:
        # the customer table is searched first; the lines are read by their customer index
        assert "JOIN" not in sql.upper() and "LIKE" not in sql.upper(), sql
        assert f'"markets_orderline"."customer_id" IN ({customer_id})' in sql


def test_a_term_matching_no_customer_or_sku_reads_no_order_line(admin_client, two_customers_lines):
    sqls = queries_of(admin_client, changelist_url(OrderLine), {"q": "无此客户"})
    assert not any('FROM "markets_orderline"' in sql for sql in sqls)
    assert (
        "0 订单明细"
        in admin_client.get(changelist_url(OrderLine), {"q": "无此客户"}).content.decode()
    )


def test_the_search_box_says_what_it_matches(admin_client):
    page = admin_client.get(changelist_url(OrderLine)).content.decode()
    assert "完整的客户编码或单品编码" in page


@pytest.mark.parametrize("term", ["620102100777", "100777", "烟酒", "陶记烟酒"])
def test_customers_are_found_by_code_and_by_part_of_the_name(admin_client, term):
    found = CustomerFactory(code="620102100777", name="陶记烟酒商行")
    CustomerFactory(code="620102100999", name="白记日杂店")
    response = admin_client.get(changelist_url(Customer), {"q": term})
    assert list(response.context["cl"].result_list) == [found]


def test_customers_are_found_by_their_manager(admin_client):
    found = CustomerFactory()
    CustomerFactory()
    response = admin_client.get(changelist_url(Customer), {"q": found.manager.username})
    assert list(response.context["cl"].result_list) == [found]


def test_observations_and_indicators_are_found_by_customer_code(admin_client):
    check = PriceCheckFactory(price=Decimal("150.00"))
    PriceCheckFactory()
    response = admin_client.get(changelist_url(PriceCheck), {"q": check.customer.code})
    assert list(response.context["cl"].result_list) == [check]

    customer = CustomerFactory()
    indicator = customer_indicator(customer)
    customer_indicator(CustomerFactory())
    response = admin_client.get(changelist_url(CustomerIndicator), {"q": customer.code})
    assert list(response.context["cl"].result_list) == [indicator]


def test_market_info_is_found_by_its_text_too(admin_client):
    info = MarketInfo.objects.create(
        customer=CustomerFactory(),
        observed_at=dt.datetime(2026, 10, 5, tzinfo=SHANGHAI),
        content="竞品降价促销",
    )
    MarketInfo.objects.create(
        customer=CustomerFactory(),
        observed_at=dt.datetime(2026, 10, 6, tzinfo=SHANGHAI),
        content="无变化",
    )
    response = admin_client.get(changelist_url(MarketInfo), {"q": "降价"})
    assert list(response.context["cl"].result_list) == [info]


# --- ordering and the row checkbox --------------------------------------------------------


def test_order_lines_are_newest_first_and_only_the_date_column_sorts(admin_client):
    old = OrderLineFactory(order_date=dt.date(2026, 9, 2))
    new = OrderLineFactory(order_date=dt.date(2026, 11, 20))
    mid = OrderLineFactory(order_date=dt.date(2026, 10, 10))
    response = admin_client.get(changelist_url(OrderLine))
    assert list(response.context["cl"].result_list) == [new, mid, old]
    page = response.content.decode()
    assert page.count('class="sortable') == 1  # order_date; the others would sort millions


@pytest.mark.postgres
@pytest.mark.parametrize(
    "model, params",
    [(OrderLine, {}), (OrderLine, {"month": "2026-10"}), (Customer, {})],
    ids=["order lines", "order lines of a month", "customers"],
)
def test_a_page_is_read_in_index_order_not_sorted(admin_client, postgres_only, model, params):
    """The list's ORDER BY … LIMIT can be answered by walking an index: no sort of a day's
    (or the whole table's) rows for every page. On a test table of a few rows the planner
    would rightly prefer to scan and sort, so those plans are priced out: a sort remains
    only where no index gives the order."""
    make_rows(model, 5)
    cl = admin_client.get(changelist_url(model), params).context["cl"]
    sql, params = cl.queryset[:100].query.sql_with_params()
    with connection.cursor() as cursor:
        for plan_kind in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cursor.execute(f"SET LOCAL enable_{plan_kind} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan and "Index Scan" in plan, plan


def test_the_row_checkbox_still_selects_rows_for_an_action(admin_client):
    line = OrderLineFactory()
    page = admin_client.get(changelist_url(OrderLine)).content.decode()
    assert (
        f'<input type="checkbox" name="_selected_action" value="{line.pk}" class="action-select"'
        in page
    )
    response = admin_client.post(
        changelist_url(OrderLine),
        {"action": "delete_selected", "_selected_action": [line.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not OrderLine.objects.exists()


# --- the benchmark keeps working ----------------------------------------------------------


@pytest.mark.postgres
def test_the_admin_list_benchmark_runs_on_a_small_data_set(postgres_only):
    """bench/admin_lists.py on the small demo in its own database, one run: every page it
    times answers 200 (the script asserts it) and the database is dropped afterwards."""
    db = connection.settings_dict
    server = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "bench/admin_lists.py", "--scale", "small", "--runs", "1"]
        + ["--pg", server, "--db", "work135_f_admin_bench", "--drop"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "order lines, month" in result.stdout and "customers, search" in result.stdout
    assert "dropped work135_f_admin_bench" in result.stdout
