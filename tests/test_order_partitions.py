"""Order lines partitioned by month on PostgreSQL (markets/partitions.py, migration 0003):
the table behaves as before — keys, checks, references, idempotent re-import — while a
month's import and a month's replacement touch that month's partition only, and the
indicator job gives the same results as on the plain table. The portable replace runs on
SQLite too."""

import datetime as dt
import importlib
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext

from imports.services import import_file
from markets import partitions
from markets.models import OrderLine
from markets.selectors import order_line_count
from reports.models import CustomerIndicator, ManagerIndicator, ScopeIndicator
from reports.services import indicators_compute
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    ForecastFactory,
    OrderLineFactory,
    SkuFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

SEPT, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
HEADER = "order_date,customer_code,sku_code,quantity,requested_quantity,amount\n"
conversion = importlib.import_module("markets.migrations.0003_orderline_partitioned_by_month")


@pytest.fixture
def master(db):
    team = TeamFactory(code="T1")
    cm = CustomerManagerFactory(username="cm01", team=team)
    customers = [CustomerFactory(code=f"C{i}", manager=cm) for i in range(1, 4)]
    skus = [SkuFactory(code=f"S{i}", wholesale_price=Decimal("100.50")) for i in range(1, 3)]
    return {"customers": customers, "skus": skus}


def orders(*rows) -> bytes:
    return (HEADER + "".join(",".join(map(str, row)) + "\n" for row in rows)).encode()


OCT_FILE = orders(
    ("2026-10-01", "C1", "S1", 10, 12, "1005.00"),
    ("2026-10-01", "C1", "S2", 5, "", ""),
    ("2026-10-31", "C2", "S1", 0, 3, 0),
)
SEPT_FILE = orders(
    ("2026-09-03", "C1", "S1", 4, 4, "402.00"),
    ("2026-09-30", "C3", "S2", 7, 8, ""),
)


def load(content, **options):
    result = import_file(kind="orders", content=content, filename="o.csv", **options)
    assert result.ok, (result.errors, result.file_error)
    return result.counts


def lines(month=None):
    """Every line (or a month's) as (date, customer code, SKU code, delivered, requested,
    amount), sorted."""
    qs = OrderLine.objects.all()
    if month:
        qs = qs.filter(order_date__gte=month, order_date__lt=partitions.next_month(month))
    return sorted(
        qs.values_list(
            "order_date",
            "customer__code",
            "sku__code",
            "quantity",
            "requested_quantity",
            "amount",
        )
    )


def in_table(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def table_oid(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::regclass::oid", [table])
        return cursor.fetchone()[0]


# --- on PostgreSQL: the partitioned table ---------------------------------------------------


@pytest.fixture
def pg(postgres_only):
    assert partitions.is_partitioned()


def test_the_table_is_partitioned_by_month_with_its_keys_checks_and_index(pg):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'markets_orderline'"
        )
        indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'markets_orderline'::regclass"
        )
        constraints = {row[0] for row in cursor.fetchall()}
    assert "(id, order_date)" in indexes["markets_orderline_pkey"]
    assert "UNIQUE" in indexes["orderline_unique_customer_day_sku"]
    assert "(customer_id, order_date, sku_id)" in indexes["orderline_unique_customer_day_sku"]
    assert "(order_date, id)" in indexes["orderline_date_id_idx"]
    assert {
        "orderline_quantity_gte_0",
        "orderline_requested_gte_0",
        "orderline_amount_gte_0",
    } <= constraints
    assert partitions.month_partitions() == {}  # no lines yet: only the default partition
    assert in_table(partitions.DEFAULT) == 0


def test_a_new_month_gets_its_own_partition_holding_exactly_the_file(pg, master):
    counts = load(OCT_FILE)
    assert (counts.created, counts.updated, counts.unchanged) == (3, 0, 0)
    assert partitions.month_partitions() == {OCT: "markets_orderline_y2026m10"}
    assert in_table("markets_orderline_y2026m10") == 3
    assert in_table(partitions.DEFAULT) == 0
    assert lines() == [
        (dt.date(2026, 10, 1), "C1", "S1", 10, 12, Decimal("1005.00")),
        (dt.date(2026, 10, 1), "C1", "S2", 5, 5, Decimal("502.50")),  # defaults filled in
        (dt.date(2026, 10, 31), "C2", "S1", 0, 3, Decimal("0.00")),
    ]
    # ids come from the one sequence: the ORM's next line follows on
    ids = sorted(OrderLine.objects.values_list("pk", flat=True))
    assert len(set(ids)) == 3
    later = OrderLineFactory(
        customer=master["customers"][2], sku=master["skus"][0], order_date=dt.date(2026, 10, 9)
    )
    assert later.pk > ids[-1]
    assert OrderLine.objects.get(pk=later.pk).order_date == dt.date(2026, 10, 9)
    assert in_table("markets_orderline_y2026m10") == 4


def test_reimporting_the_same_file_changes_nothing_and_keeps_the_partition(pg, master):
    load(OCT_FILE)
    before, ids, oid = lines(), set(OrderLine.objects.values_list("pk", flat=True)), None
    oid = table_oid("markets_orderline_y2026m10")
    counts = load(OCT_FILE)
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 3)
    assert lines() == before
    assert set(OrderLine.objects.values_list("pk", flat=True)) == ids
    assert table_oid("markets_orderline_y2026m10") == oid  # not rebuilt


def test_a_changed_file_updates_and_adds_in_place(pg, master):
    load(OCT_FILE)
    kept = OrderLine.objects.get(customer__code="C1", sku__code="S1").pk
    counts = load(
        orders(
            ("2026-10-01", "C1", "S1", 11, 12, "1105.50"),  # changed
            ("2026-10-01", "C1", "S2", 5, "", ""),  # same
            ("2026-10-15", "C3", "S2", 2, 2, "201.00"),  # new
        )
    )
    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 1)
    line = OrderLine.objects.get(customer__code="C1", sku__code="S1")
    assert (line.pk, line.quantity, line.amount) == (kept, 11, Decimal("1105.50"))
    assert len(lines(OCT)) == 4  # the line not in the file stays (an upsert)


def test_duplicates_and_negative_quantities_are_refused_across_the_partitioned_table(pg, master):
    load(OCT_FILE)
    c1, s1 = master["customers"][0], master["skus"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLineFactory(customer=c1, sku=s1, order_date=dt.date(2026, 10, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLineFactory(customer=c1, sku=s1, order_date=dt.date(2026, 10, 2), quantity=-1)
    # a line waiting in the default partition is held to the same key
    OrderLineFactory(customer=c1, sku=s1, order_date=dt.date(2027, 1, 5))
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLineFactory(customer=c1, sku=s1, order_date=dt.date(2027, 1, 5))
    # a duplicate inside a file is reported by row, not raised by the index
    result = import_file(
        kind="orders",
        content=orders(("2026-12-01", "C1", "S1", 1, 1, 1), ("2026-12-01", "C1", "S1", 2, 2, 2)),
        filename="o.csv",
    )
    assert [(e.row, e.column) for e in result.errors] == [(3, "order_date+customer_code+sku_code")]
    assert NOV not in partitions.month_partitions()
    assert dt.date(2026, 12, 1) not in partitions.month_partitions()
    # found by the fresh month's unique key: nothing of that attempt is left in the way
    fixed = orders(("2026-12-01", "C1", "S1", 1, 1, 1), ("2026-12-01", "C1", "S2", 2, 2, 2))
    result = import_file(kind="orders", content=fixed, filename="o.csv")
    assert result.ok and result.counts.created == 2
    # the same repeated line in a month that holds lines is found before writing
    again = orders(("2026-10-01", "C3", "S1", 1, 1, 1), ("2026-10-01", "C3", "S1", 2, 2, 2))
    result = import_file(kind="orders", content=again, filename="o.csv")
    assert [(e.row, e.column) for e in result.errors] == [(3, "order_date+customer_code+sku_code")]
    assert not OrderLine.objects.filter(customer__code="C3").exists()


def test_references_are_checked_and_protected(pg, master):
    load(OCT_FILE)
    result = import_file(
        kind="orders", content=orders(("2026-11-02", "C9", "S1", 1, 1, 1)), filename="o.csv"
    )
    assert [(e.row, e.column, e.value) for e in result.errors] == [(2, "customer_code", "C9")]
    assert NOV not in partitions.month_partitions()  # the rejected file left nothing
    with pytest.raises(ProtectedError):
        master["customers"][0].delete()
    with pytest.raises(ProtectedError):
        master["skus"][0].delete()


def test_a_line_written_through_the_orm_waits_in_the_default_partition_until_its_month_comes(
    pg, master
):
    c1, s1 = master["customers"][0], master["skus"][0]
    waiting = OrderLineFactory(customer=c1, sku=s1, order_date=dt.date(2026, 10, 1), quantity=3)
    other = OrderLineFactory(customer=c1, sku=s1, order_date=dt.date(2026, 11, 1))
    assert in_table(partitions.DEFAULT) == 2
    counts = load(OCT_FILE)
    # the waiting line was moved into October's partition, keeping its id, then updated
    assert (counts.created, counts.updated, counts.unchanged) == (2, 1, 0)
    assert in_table("markets_orderline_y2026m10") == 3
    assert OrderLine.objects.get(pk=waiting.pk).quantity == 10
    assert list(OrderLine.objects.filter(order_date__gte=NOV).values_list("pk")) == [(other.pk,)]
    assert in_table(partitions.DEFAULT) == 1
    assert partitions.default_split() == [NOV]
    assert in_table(partitions.DEFAULT) == 0
    assert in_table("markets_orderline_y2026m11") == 1


def test_replacing_a_month_swaps_that_partition_only(pg, master):
    load(SEPT_FILE)
    load(OCT_FILE)
    late = OrderLineFactory(
        customer=master["customers"][0], sku=master["skus"][0], order_date=dt.date(2026, 11, 2)
    )
    september, sept_oid = lines(SEPT), table_oid("markets_orderline_y2026m09")
    oct_oid = table_oid("markets_orderline_y2026m10")
    counts = load(
        orders(("2026-10-01", "C1", "S1", 9, 9, "904.50"), ("2026-10-20", "C3", "S1", 1, 1, "")),
        replace_months=True,
    )
    assert (counts.created, counts.updated, counts.unchanged) == (2, 0, 0)
    assert lines(OCT) == [
        (dt.date(2026, 10, 1), "C1", "S1", 9, 9, Decimal("904.50")),
        (dt.date(2026, 10, 20), "C3", "S1", 1, 1, Decimal("100.50")),
    ]
    assert table_oid("markets_orderline_y2026m10") != oct_oid  # a fresh partition
    assert lines(SEPT) == september and table_oid("markets_orderline_y2026m09") == sept_oid
    assert OrderLine.objects.filter(pk=late.pk).exists()
    assert set(partitions.month_partitions()) == {SEPT, OCT}


def test_a_file_of_two_months_builds_one_and_updates_the_other(pg, master):
    load(OCT_FILE)
    counts = load(SEPT_FILE + orders(("2026-10-01", "C1", "S1", 10, 12, "1005.00"))[len(HEADER) :])
    assert (counts.created, counts.updated, counts.unchanged) == (2, 0, 1)
    assert set(partitions.month_partitions()) == {SEPT, OCT}
    assert len(lines(SEPT)) == 2 and len(lines(OCT)) == 3


def test_a_dry_run_creates_no_partition(pg, master):
    result = import_file(kind="orders", content=OCT_FILE, filename="o.csv", dry_run=True)
    assert result.ok and result.rows_total == 3
    assert partitions.month_partitions() == {} and OrderLine.objects.count() == 0


def test_the_line_count_estimate_adds_up_the_partitions(pg, master, monkeypatch):
    from markets import selectors

    load(OCT_FILE)
    load(SEPT_FILE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE markets_orderline")
    monkeypatch.setattr(selectors, "EXACT_COUNT_BELOW", 4)
    assert order_line_count() == (5, False)


def snapshot(month):
    def rows(model):
        values = model.objects.filter(month=month).values()
        return sorted(
            (tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in values), key=repr
        )

    return {m.__name__: rows(m) for m in (ScopeIndicator, CustomerIndicator, ManagerIndicator)}


def test_the_conversion_keeps_every_line_and_the_indicators_come_out_identical(pg, master):
    load(SEPT_FILE)
    load(OCT_FILE)
    OrderLineFactory(  # one line in the default partition too
        customer=master["customers"][2], sku=master["skus"][1], order_date=dt.date(2026, 10, 7)
    )
    ForecastFactory(customer=master["customers"][0], month=OCT, quantity=12)
    indicators_compute(month=OCT)
    partitioned = snapshot(OCT)
    assert partitioned["CustomerIndicator"]
    every_line = sorted(OrderLine.objects.values_list("pk", "order_date", "quantity", "amount"))

    editor = SimpleNamespace(connection=connection)
    conversion.unpartition(None, editor)
    assert not partitions.is_partitioned()
    assert sorted(OrderLine.objects.values_list("pk", "order_date", "quantity", "amount")) == (
        every_line
    )
    indicators_compute(month=OCT)
    assert snapshot(OCT) == partitioned

    conversion.partition(None, editor)  # the forward migration, on a table with lines
    assert partitions.is_partitioned()
    assert set(partitions.month_partitions()) == {SEPT, OCT}
    assert in_table(partitions.DEFAULT) == 0
    assert sorted(OrderLine.objects.values_list("pk", "order_date", "quantity", "amount")) == (
        every_line
    )
    indicators_compute(month=OCT)
    assert snapshot(OCT) == partitioned
    # the sequence went on from where it was
    new = OrderLineFactory(
        customer=master["customers"][1], sku=master["skus"][1], order_date=dt.date(2026, 10, 8)
    )
    assert new.pk > max(pk for pk, *_ in every_line)


# --- everywhere: replacing months through the portable path -----------------------------------


def test_replacing_months_through_the_portable_path(master):
    load(SEPT_FILE, use_copy=False)
    load(OCT_FILE, use_copy=False)
    september = lines(SEPT)
    counts = load(orders(("2026-10-02", "C2", "S2", 3, 3, "")), use_copy=False, replace_months=True)
    assert (counts.created, counts.updated, counts.unchanged) == (1, 0, 0)
    assert lines(OCT) == [(dt.date(2026, 10, 2), "C2", "S2", 3, 3, Decimal("301.50"))]
    assert lines(SEPT) == september


def test_only_orders_replace_months(master):
    with pytest.raises(ValueError):
        import_file(kind="forecasts", content=b"x", filename="f.csv", replace_months=True)


def test_import_data_replaces_months_on_request(master, tmp_path):
    load(OCT_FILE)
    path = tmp_path / "october.csv"
    path.write_bytes(orders(("2026-10-03", "C3", "S2", 1, 1, "")))
    out = io.StringIO()
    call_command("import_data", "orders", str(path), "--replace-months", stdout=out)
    assert "新增 1" in out.getvalue()
    assert lines(OCT) == [(dt.date(2026, 10, 3), "C3", "S2", 1, 1, Decimal("100.50"))]
    with pytest.raises(CommandError, match="只有订单导入"):
        call_command("import_data", "forecasts", str(path), "--replace-months")


# --- an unchanged file is recognised by its digest ------------------------------------------


def staged(queries):
    return [q["sql"] for q in queries if "CREATE UNLOGGED TABLE" in q["sql"]]


def test_an_unchanged_file_is_not_read_again(pg, master):
    load(OCT_FILE)
    with CaptureQueriesContext(connection) as queries:
        counts = load(OCT_FILE)
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 3)
    assert staged(queries) == []
    # a replace by the file a month was built from is unchanged too
    with CaptureQueriesContext(connection) as queries:
        counts = load(OCT_FILE, replace_months=True)
    assert (counts.created, counts.unchanged) == (0, 3) and staged(queries) == []


def test_a_write_since_the_import_makes_the_file_compared_again(pg, master):
    load(SEPT_FILE)
    load(OCT_FILE)
    OrderLine.objects.filter(customer__code="C1", sku__code="S1", order_date__gte=OCT).update(
        quantity=1
    )
    counts = load(OCT_FILE)  # compared, and the line put back
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 2)
    assert (
        OrderLine.objects.get(customer__code="C1", sku__code="S1", order_date__gte=OCT).quantity
        == 10
    )
    # written straight into a partition: only that month's mark goes
    load(SEPT_FILE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE markets_orderline_y2026m10 SET quantity = quantity + 1")
    with CaptureQueriesContext(connection) as queries:
        assert load(SEPT_FILE).unchanged == 2
    assert staged(queries) == []
    counts = load(OCT_FILE)
    assert (counts.updated, counts.unchanged) == (3, 0)


def test_a_changed_wholesale_price_makes_the_file_compared_again(pg, master):
    load(OCT_FILE)
    master["skus"][1].wholesale_price = Decimal("110.00")
    master["skus"][1].save()
    counts = load(OCT_FILE)  # the line without an amount takes the new price
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 2)
    assert OrderLine.objects.get(sku__code="S2").amount == Decimal("550.00")


def test_a_month_merged_into_is_replaced_in_full(pg, master):
    OrderLineFactory(
        customer=master["customers"][2], sku=master["skus"][1], order_date=dt.date(2026, 10, 7)
    )
    load(OCT_FILE)  # merged with the line already there: the month holds 4 lines
    assert len(lines(OCT)) == 4
    counts = load(OCT_FILE, replace_months=True)
    assert counts.created == 3 and len(lines(OCT)) == 3
