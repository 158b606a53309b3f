"""Writing a month's indicators: one transaction deletes the month's rows and inserts the new
ones, so readers see the old month or the new one, never a mix, and a failure anywhere leaves
the old rows in place. Rows go in bulk: a binary COPY on PostgreSQL (each value sent as the
column's own binary type: no text to format or parse, floats exactly as computed),
executemany elsewhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection, transaction
from psycopg import sql

from .models import CustomerIndicator, ManagerIndicator, ScopeIndicator

CHUNK_ROWS = 50_000
# two-int advisory lock key: (this job, the month) — one writer per month at a time
LOCK_CLASS = 135_005


def replace_month(
    month: dt.date,
    *,
    scope_rows: pd.DataFrame,
    customer_rows: pd.DataFrame,
    manager_rows: pd.DataFrame,
) -> int:
    """Replace the month's rows of the three tables; returns the rows written."""
    tables = [
        (ScopeIndicator, scope_rows),
        (CustomerIndicator, customer_rows),
        (ManagerIndicator, manager_rows),
    ]
    written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # A second run of the same month waits here, then deletes what the first
                # committed (READ COMMITTED takes a new snapshot per statement).
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [LOCK_CLASS, month.year * 12 + month.month],
                )
        for model, _rows in tables:
            model.objects.filter(month=month).delete()
        for model, rows in tables:
            written += insert_rows(model, rows)
    return written


def insert_rows(model, rows: pd.DataFrame) -> int:
    """Append ``rows`` (columns named as the table's columns, money in cents) to the table."""
    if rows.empty:
        return 0
    if connection.vendor == "postgresql":
        return _copy_binary(model, rows)
    frame = _as_database_values(model, rows)
    table = model._meta.db_table
    qn = connection.ops.quote_name
    insert = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(table), ", ".join(qn(c) for c in frame.columns), ", ".join(["%s"] * len(frame.columns))
    )
    values = [_python_values(frame[c]) for c in frame.columns]
    with connection.cursor() as cursor:
        for start in range(0, len(frame), CHUNK_ROWS):
            cursor.executemany(
                insert, list(zip(*(v[start : start + CHUNK_ROWS] for v in values), strict=True))
            )
    return len(frame)


# the binary type psycopg sends for each kind of column (by the column's SQL type)
_BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "double precision": "float8",
    "date": "date",
    "varchar": "text",
    "numeric": "numeric",
}


def _copy_binary(model, rows: pd.DataFrame) -> int:
    """``COPY … FROM STDIN (FORMAT binary)``: each row's values as Python objects of the
    column's type (None for NULL), dumped by psycopg in its C implementation."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns, types, values = [], [], []
    for field in fields:
        db_type = field.db_type(connection).split("(")[0].strip()
        columns.append(field.column)
        types.append(_BINARY_TYPES[db_type])
        values.append(_binary_values(field, rows))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in zip(*values, strict=True):
            copy.write_row(row)
    return len(rows)


def _binary_values(field, rows: pd.DataFrame) -> list:
    """One column of ``rows`` as a list of Python values for ``field`` (None = NULL)."""
    n = len(rows)
    if field.attname not in rows:  # columns other work fills later keep their default
        return [field.get_default()] * n
    values = rows[field.attname]
    kind = field.get_internal_type()
    if kind == "DateField":
        days = pd.to_datetime(values)
        unique = {d: d.date() for d in days.unique()}  # one month: one date object
        return [unique[d] for d in days]
    if kind == "DecimalField":  # cents → Decimal with two places
        cents = values.to_numpy(dtype="float64", na_value=np.nan)
        return [None if c != c else Decimal(int(c)).scaleb(-2) for c in cents.tolist()]
    if kind == "FloatField":
        floats = values.to_numpy(dtype="float64", na_value=np.nan)
        return [None if f != f else f for f in floats.tolist()]
    if kind == "CharField":
        return values.astype(object).tolist()
    if values.isna().any():  # nullable integers and keys
        return [None if v is pd.NA else int(v) for v in values.astype("Int64").tolist()]
    return values.to_numpy(dtype="int64").tolist()


def _as_database_values(model, rows: pd.DataFrame) -> pd.DataFrame:
    """The model's columns in order: dates as ISO text, money (given in cents) as "123.45",
    integers as integers (nullable ones as Int64), rates as floats (NaN = NULL)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    out = {}
    for field in fields:
        if field.attname not in rows:  # columns other work fills later keep their default
            values = pd.Series([field.get_default()] * len(rows), index=rows.index)
        else:
            values = rows[field.attname]
        kind = field.get_internal_type()
        if kind == "DateField":
            out[field.column] = pd.to_datetime(values).dt.strftime("%Y-%m-%d").astype(object)
        elif kind == "DecimalField":
            out[field.column] = _money_text(values)
        elif kind == "FloatField":
            out[field.column] = values.astype("float64")
        elif kind == "CharField":
            out[field.column] = values.astype(object)
        else:  # integers and keys
            out[field.column] = values.astype("Int64" if field.null else "int64")
    return pd.DataFrame(out)


def _money_text(cents: pd.Series) -> pd.Series:
    values = cents.to_numpy(dtype="float64", na_value=np.nan)
    text = np.char.mod("%.2f", values / 100).astype(object)
    text[np.isnan(values)] = None
    return pd.Series(text, index=cents.index, dtype=object)


def _python_values(column: pd.Series) -> list:
    values = column.astype(object)
    return values.where(column.notna(), None).tolist()
