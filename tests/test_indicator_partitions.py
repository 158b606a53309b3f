"""The indicator tables partitioned by month on PostgreSQL (reports/partitions.py, migration
0010): a month is written by building its partition aside and swapping it in, and the tables
behave as before — keys, references, a row found by its id, a failed write leaving the month
as it was, rows written through the ORM into a month without a partition. The conversion and
its reverse keep every row and id."""

import datetime as dt

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from psycopg.errors import DeadlockDetected

from reports import partitions, store
from reports.models import CustomerIndicator, ManagerIndicator, ScopeIndicator
from reports.services import indicators_compute
from tests.test_indicators_job import M, data, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db
SEPT = dt.date(2026, 9, 1)


@pytest.fixture
def pg(postgres_only):
    for table in partitions.TABLES:
        assert partitions.is_partitioned(table)


def tables_named(pattern: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s ORDER BY 1",
            [pattern],
        )
        return [row[0] for row in cursor.fetchall()]


def where(model, month) -> str:
    """The partition holding the model's rows of ``month``."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE month = %s", [month]
        )
        return [row[0] for row in cursor.fetchall()]


def test_each_month_is_its_own_partition_swapped_in_by_the_job(pg, data):  # noqa: F811
    indicators_compute(month=SEPT)  # first: October's gross profit compares with it
    indicators_compute(month=M)
    for model in (ScopeIndicator, CustomerIndicator, ManagerIndicator):
        table = model._meta.db_table
        assert where(model, M) == [f"{table}_y2026m10"]
        assert where(model, SEPT) == [f"{table}_y2026m09"]
    first = snapshot()
    ids = set(ScopeIndicator.objects.filter(month=M).values_list("id", flat=True))
    indicators_compute(month=M)  # the month again: a new partition, the same rows
    assert snapshot() == first
    assert not ids & set(ScopeIndicator.objects.filter(month=M).values_list("id", flat=True))
    assert ScopeIndicator.objects.filter(month=SEPT).count() == 20  # the other month untouched
    assert tables_named("reports_%indicator_new_%") == []  # nothing built aside is left
    # ids come from one sequence: unique across months, and a row is found by its id
    all_ids = list(CustomerIndicator.objects.values_list("id", flat=True))
    assert len(all_ids) == len(set(all_ids)) == 6
    row = CustomerIndicator.objects.filter(month=M).first()
    assert CustomerIndicator.objects.get(pk=row.pk).customer_id == row.customer_id


def test_rows_written_through_the_orm_wait_in_the_default_partition(pg, data):  # noqa: F811
    ManagerIndicator.objects.create(month=M, manager=data["m1"], customers=99)
    assert where(ManagerIndicator, M) == ["reports_managerindicator_default"]
    indicators_compute(month=M)  # replaces them: the month is the job's rows only
    customers = ManagerIndicator.objects.filter(month=M).values_list("customers", flat=True)
    assert sorted(customers) == [1, 2]
    assert where(ManagerIndicator, M) == ["reports_managerindicator_y2026m10"]


def test_keys_and_references_hold_in_every_partition(pg, data):  # noqa: F811
    indicators_compute(month=M)
    row = CustomerIndicator.objects.filter(month=M, customer=data["k1"]).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerIndicator.objects.create(
            month=M, customer=data["k1"], manager=data["m1"], team=row.team
        )
    # a customer that does not exist
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "UPDATE reports_customerindicator SET customer_id = 987654 WHERE id = %s",
            [row.pk],
        )
    gone = data["k3"].pk
    data["k3"].delete()  # a customer's indicators go with it, in whichever partition
    assert not CustomerIndicator.objects.filter(customer_id=gone).exists()


def test_a_failed_write_leaves_the_month_and_nothing_aside(pg, data, monkeypatch):  # noqa: F811
    indicators_compute(month=M)
    before = snapshot()
    real_index = partitions.standalone_index

    def index_then_fail(cursor, table, name):
        real_index(cursor, table, name)
        if table == ManagerIndicator._meta.db_table:
            raise RuntimeError("disk full")

    monkeypatch.setattr(partitions, "standalone_index", index_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        indicators_compute(month=M)
    assert snapshot() == before
    assert tables_named("reports_%indicator_new_%") == []


def test_a_deadlock_with_a_reader_is_tried_again(pg, data, monkeypatch):  # noqa: F811
    """A reader holding one table and waiting for another while the swap holds that one:
    PostgreSQL fails one of them. When it is the swap, it is tried again (its savepoint
    released the locks, so the reader finishes), and the month is written; it gives up
    after ``SWAP_ATTEMPTS``."""
    real_swap = partitions.swap
    failures = []

    def deadlocked_once(cursor, table, name, month):
        real_swap(cursor, table, name, month)
        if table == CustomerIndicator._meta.db_table and len(failures) < failing:
            failures.append(table)
            cursor.execute("SELECT pg_advisory_xact_lock(1)")  # held by the savepoint
            raise OperationalError("deadlock detected") from DeadlockDetected()

    monkeypatch.setattr(partitions, "swap", deadlocked_once)
    failing = 1
    indicators_compute(month=M)
    assert len(failures) == 1
    assert ScopeIndicator.objects.filter(month=M).count() == 20
    assert where(CustomerIndicator, M) == ["reports_customerindicator_y2026m10"]
    before = snapshot()
    failing, failures[:] = store.SWAP_ATTEMPTS, []
    with pytest.raises(OperationalError):
        indicators_compute(month=M)
    assert len(failures) == store.SWAP_ATTEMPTS
    assert snapshot() == before
    assert tables_named("reports_%indicator_new_%") == []


def test_the_rows_are_laid_out_in_their_reading_order(pg, data):  # noqa: F811
    indicators_compute(month=M)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope_type, scope_key, object_type, object_key "
            "FROM reports_scopeindicator_y2026m10 ORDER BY ctid"
        )
        stored = cursor.fetchall()
    assert stored == sorted(stored)
    assert store.LAYOUT[ScopeIndicator] == ["scope_type", "scope_key", "object_type", "object_key"]


def test_the_conversion_and_its_reverse_keep_every_row_and_id(pg, data):  # noqa: F811
    indicators_compute(month=M)
    indicators_compute(month=SEPT)
    before = {
        model: sorted(model.objects.values_list("id", "month"))
        for model in (ScopeIndicator, CustomerIndicator, ManagerIndicator)
    }
    with connection.cursor() as cursor:
        for table in partitions.TABLES:
            partitions.unpartition(cursor, table)
            assert not partitions.is_partitioned(table, cursor)
        for table in partitions.TABLES:
            partitions.partition(cursor, table)
            assert partitions.is_partitioned(table, cursor)
    for model, rows in before.items():
        assert sorted(model.objects.values_list("id", "month")) == rows
        assert where(model, M) == [f"{model._meta.db_table}_y2026m10"]
    # the identity sequence carried on: a new row gets a new id
    created = ManagerIndicator.objects.create(month=dt.date(2026, 8, 1), manager=data["m2"])
    assert created.pk > max(pk for pk, _month in before[ManagerIndicator])
