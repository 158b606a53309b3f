"""Writing the indicators on PostgreSQL: the binary COPY stream reports/copy_binary.py builds
in numpy (every kind of value the three tables hold reads back as written), and the brand
indicators' indexes (one that serves the reads, a BRIN on month for the replace)."""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from reports import copy_binary, partitions
from reports.models import ScopeIndicator

pytestmark = pytest.mark.django_db


def test_a_binary_copy_reads_back_exactly_what_was_encoded(postgres_only):
    rows = 5
    columns = [
        copy_binary.dates(
            np.array(
                ["2026-11-01", "1999-12-31", "2000-01-01", "2026-02-28", "2050-06-01"],
                dtype="datetime64[D]",
            )
        ),
        copy_binary.integers(pd.Series([0, -5, 32767, 1, 2], dtype="int64"), width=2),
        copy_binary.integers(pd.Series([2**31 - 1, -1, 0, 7, 8], dtype="int64"), width=4),
        copy_binary.integers(pd.Series([2**62, 0, -(2**40), 3, 4], dtype="int64"), width=8),
        copy_binary.integers(pd.array([None, 7, None, 1, 2], dtype="Int64"), width=8),
        copy_binary.floats([0.1 + 0.2, np.nan, -1e-300, 1 / 3, 2.5]),
        copy_binary.money([12345.0, -1.0, 0.0, np.nan, 123456789012345.0]),
        copy_binary.texts(["", "好又多超市 / 一类烟", None, "a\tb\nc", "玉溪"]),
    ]
    data = copy_binary.stream(columns, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE t (d date, i2 smallint, i4 integer, i8 bigint, n bigint,"
            " f double precision, m numeric(18, 2), t varchar(50))"
        )
        with (
            connection.connection.cursor() as raw,
            raw.copy("COPY t FROM STDIN (FORMAT binary)") as copy,
        ):
            copy.write(data)
        cursor.execute("SELECT * FROM t")
        got = cursor.fetchall()
    assert [r[:5] for r in got] == [
        (dt.date(2026, 11, 1), 0, 2**31 - 1, 2**62, None),
        (dt.date(1999, 12, 31), -5, -1, 0, 7),
        (dt.date(2000, 1, 1), 32767, 0, -(2**40), None),
        (dt.date(2026, 2, 28), 1, 7, 3, 1),
        (dt.date(2050, 6, 1), 2, 8, 4, 2),
    ]
    floats = [r[5] for r in got]
    assert floats[0] == 0.1 + 0.2 and floats[1] is None and floats[2] == -1e-300
    assert floats[3] == 1 / 3 and floats[4] == 2.5
    assert [r[6] for r in got] == [
        Decimal("123.45"),
        Decimal("-0.01"),
        Decimal("0.00"),
        None,
        Decimal("1234567890123.45"),
    ]
    assert [r[7] for r in got] == ["", "好又多超市 / 一类烟", None, "a\tb\nc", "玉溪"]
    assert not any(isinstance(v, float) and math.isnan(v) for r in got for v in r)


def test_money_beyond_the_column_is_refused():
    with pytest.raises(ValueError, match="numeric"):
        copy_binary.money([1e18])


def test_the_brand_indicators_keep_one_index_for_reads_and_a_partition_a_month(postgres_only):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            [ScopeIndicator._meta.db_table],
        )
        indexes = dict(cursor.fetchall())
    btrees = {n: d for n, d in indexes.items() if "USING btree" in d and "pkey" not in n}
    assert list(btrees) == ["scopeind_scope_object_month"]
    assert (
        "(scope_type, scope_key, object_type, month, object_key)"
        in btrees["scopeind_scope_object_month"]
    )
    # a month's rows are its partition (reports/partitions.py), no BRIN index to find them
    assert "scopeind_month_brin" not in indexes
    assert partitions.is_partitioned(ScopeIndicator._meta.db_table)
