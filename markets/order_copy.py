"""Order lines on PostgreSQL: the file goes through COPY into a staging table, is validated
there in SQL (same rules and messages as ``importers.validate_orders``) and written month
by month into the month's partition (markets/partitions.py). Millions of lines never
become Python objects.

Writing a month:
- a month without lines (a new month): its partition is built as a standalone table (rows
  in key order, keys and index built in bulk) and attached at the end — the same work as
  a COPY into the indexed table, minus a million index insertions;
- a month with lines: one set-based comparison of the file's lines with the partition; a
  re-import of an unchanged file stops there and writes nothing; otherwise one UPDATE of
  the changed lines and one INSERT of the new ones, in that partition only;
- ``replace``: the month's lines become exactly the file's: a fresh partition is built and
  swapped for the old one (detach and drop instead of deleting millions of rows).

Measured choices (bench/import_orders.py, 1M lines): unlogged staging tables, because
temporary tables live in the session's small temp_buffers; dates and quantities checked
once per distinct (date, quantity, requested) text — a file holds a few thousand — and
joined back in one hash join, instead of a regex per row (0.9 s a column) or a join per
column; that small table analysed and merge joins off while resolving, or the planner
sorted the million staged rows to merge-join them with it (0.9 s); the resolved table
analysed so that a small correction file probes the index while a month's file is
hash-joined; no JIT (compiling the queries of an import took seconds, more than it saved).
A file whose every month is written afresh is not searched for repeated lines up front
(a hash aggregate of the million keys, 0.9 s): the fresh partition's unique key, built
anyway, finds them, and only then is the file searched for the lines to report. The
table lock makes imports take turns while readers carry on; the partition swap at the end
holds a lock that readers wait for only until commit."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import uuid

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core.tabular.columns import DUPLICATE_IN_FILE, RowError, resolve_columns
from core.tabular.reading import ImportFileError
from core.tabular.upsert import WriteCounts

from . import partitions
from .importers import NO_PRICE, ORDER_COLUMNS, UNKNOWN_CUSTOMER, UNKNOWN_SKU
from .models import OrderMonthImport

_STAGED = ["order_date", "customer_code", "sku_code", "quantity", "requested_quantity", "amount"]
_CHUNK = 1 << 20


def csv_header(content: bytes) -> tuple[list[str], int]:
    """The header's cells and the byte offset where the data starts."""
    newline = content.find(b"\n")
    first = content if newline < 0 else content[: newline + 1]
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8”。")) from exc
    cells = next(csv.reader([text.rstrip("\r\n")]), [])
    if not any(c.strip() for c in cells):
        raise ImportFileError(_("文件是空的。"))
    return [c.strip() for c in cells], len(first)


def import_orders_copy(
    content: bytes, *, dry_run: bool, max_errors: int, replace_months: bool = False
) -> tuple[list[RowError], int, int, int, WriteCounts]:
    """Runs inside the caller's transaction; the caller rolls back on errors or a dry run.
    Returns the first ``max_errors`` errors, how many errors and bad rows there are in all,
    the number of rows and what was written. ``replace_months``: each month in the file keeps
    only the file's lines (the others of that month are removed)."""
    header, offset = csv_header(content)
    names = resolve_columns(header, ORDER_COLUMNS)
    suffix = uuid.uuid4().hex[:12]
    # Created inside the caller's transaction, they vanish with a rollback.
    tables = {
        "stage": f"import_order_stage_{suffix}",
        "resolved": f"import_order_resolved_{suffix}",
        "values": f"import_order_values_{suffix}",
    }
    digest = hashlib.sha256(content).hexdigest()
    with connection.cursor() as cursor:
        partitioned = partitions.is_partitioned(cursor)
        if partitioned:
            master = _master_digest(cursor)
            if _unchanged(cursor, digest, master, replace_months) is not None:
                if not dry_run:  # looked again under the lock imports take turns with
                    cursor.execute("LOCK TABLE markets_orderline IN SHARE ROW EXCLUSIVE MODE")
                known = _unchanged(cursor, digest, master, replace_months)
                if known is not None:
                    return [], 0, 0, known, WriteCounts(unchanged=known)
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Parallel workers each rebuilt the whole duplicate-key hash table: slower, not faster.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL jit = off")
        columns = ", ".join(f'"{n}" text' for n in names)
        cursor.execute(
            f"CREATE UNLOGGED TABLE {tables['stage']} "
            f"(line_no bigint GENERATED ALWAYS AS IDENTITY, {columns})"
        )
        _copy(cursor, tables["stage"], names, memoryview(content)[offset:])
        for column in (c for c in _STAGED if c not in names):
            cursor.execute(f'ALTER TABLE {tables["stage"]} ADD COLUMN "{column}" text')
        cursor.execute(_VALUES_SQL.format(**tables), _PATTERNS)
        cursor.execute(f"ANALYZE {tables['values']}")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(_RESOLVE_SQL.format(**tables), _PATTERNS)
        rows_total = cursor.rowcount
        cursor.execute("SET LOCAL enable_mergejoin TO DEFAULT")
        if rows_total == 0:
            raise ImportFileError(_("文件没有数据行。"))
        plan = []
        if not dry_run:  # taken before the months are looked at: the plan holds until commit
            cursor.execute("LOCK TABLE markets_orderline IN SHARE ROW EXCLUSIVE MODE")
            if partitioned:
                plan = _month_plan(cursor, tables, replace=replace_months)
        # every month built afresh: its unique key finds repeated lines (below)
        fresh_only = bool(plan) and all(fresh for _month, fresh in plan)
        errors, error_count, bad_rows = _errors(
            cursor, tables, max_errors, duplicates=not fresh_only
        )
        if errors and fresh_only:  # the report names repeated lines too
            errors, error_count, bad_rows = _errors(cursor, tables, max_errors, duplicates=True)
        counts = WriteCounts()
        if not errors and not dry_run:
            if partitioned:
                try:
                    with transaction.atomic():  # a savepoint, for repeated lines
                        counts, written = _write_months(cursor, tables, plan)
                except IntegrityError:
                    if not fresh_only:
                        raise
                    errors, error_count, bad_rows = _errors(
                        cursor, tables, max_errors, duplicates=True
                    )
                    if not errors:
                        raise
                else:
                    _mark(cursor, written, digest, master, rows_total)
            else:
                counts = _write_plain(cursor, tables["resolved"], replace=replace_months)
            counts.unchanged = rows_total - counts.created - counts.updated
        cursor.execute(f"DROP TABLE {', '.join(tables.values())}")
    return errors, error_count, bad_rows, rows_total, counts


def _errors(
    cursor, tables: dict[str, str], max_errors: int, *, duplicates: bool
) -> tuple[list[RowError], int, int]:
    """The first ``max_errors`` errors, how many there are and on how many rows;
    ``duplicates``: also the lines repeating an earlier line's key."""
    repeated = _DUPLICATES_SQL.format(**tables) if duplicates else ""
    sql = _ERRORS_SQL.format(**tables, duplicates=repeated)
    cursor.execute(sql, {**_PATTERNS, "max_errors": max_errors})
    found = cursor.fetchall()
    count, rows = found[0][5:] if found else (0, 0)
    return [_row_error(*row[:5]) for row in found], count, rows


def _master_digest(cursor) -> str:
    """What resolving a file depends on besides the file: customer and SKU codes and ids,
    SKU wholesale prices (the default amount)."""
    cursor.execute(
        "SELECT md5((SELECT string_agg(code || ':' || id, ',' ORDER BY id) "
        "FROM customers_customer) || '|' || (SELECT string_agg(code || ':' || id || ':' "
        "|| coalesce(wholesale_price::text, ''), ',' ORDER BY id) FROM brands_sku))"
    )
    return cursor.fetchone()[0] or ""


def _unchanged(cursor, digest: str, master: str, replace: bool) -> int | None:
    """The file's row count if importing it would change nothing: the same file was the
    last written into each of its months, resolved with the same codes, ids and prices, and
    nothing has written into those months since (their marks are still there, their
    partitions the same tables). A replace also needs each month to hold only that file's
    lines. None otherwise."""
    marks = list(OrderMonthImport.objects.filter(content_sha256=digest))
    if not marks or len(marks) != marks[0].file_months:
        return None
    if any(m.master_sha256 != master or (replace and not m.exact) for m in marks):
        return None
    names = partitions.month_partitions(cursor)
    for mark in marks:
        if mark.month not in names:
            return None
        cursor.execute("SELECT %s::regclass::oid", [names[mark.month]])
        if cursor.fetchone()[0] != mark.partition_oid:
            return None
    return marks[0].rows_total


def _mark(cursor, written, digest: str, master: str, rows_total: int) -> None:
    """Remember the file each month was just written from (see ``_unchanged``)."""
    names = partitions.month_partitions(cursor)
    marks = []
    for month, exact in written:
        cursor.execute("SELECT %s::regclass::oid", [names[month]])
        marks.append(
            OrderMonthImport(
                month=month,
                content_sha256=digest,
                master_sha256=master,
                partition_oid=cursor.fetchone()[0],
                file_months=len(written),
                rows_total=rows_total,
                exact=exact,
            )
        )
    OrderMonthImport.objects.filter(month__in=[m for m, _ in written]).delete()
    OrderMonthImport.objects.bulk_create(marks)


def _month_plan(cursor, tables: dict[str, str], *, replace: bool) -> list[tuple[dt.date, bool]]:
    """The file's months, each with whether it is built afresh (a new month, or a replaced
    one) rather than compared with the lines it holds. Under the imports' table lock."""
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', day)::date FROM {tables['values']} "
        "WHERE day IS NOT NULL"
    )
    months = sorted(row[0] for row in cursor.fetchall())
    existing = partitions.month_partitions(cursor)
    plan = []
    for month in months:
        name = existing.get(month)
        held = partitions.default_has_month(cursor, month) or (
            name is not None and _has_lines(cursor, name)
        )
        plan.append((month, replace or not held))
    return plan


def _write_months(
    cursor, tables: dict[str, str], plan: list[tuple[dt.date, bool]]
) -> tuple[WriteCounts, list[tuple[dt.date, bool]]]:
    """Write each month of ``plan`` (``_month_plan``); returns what was written and each
    month written, with whether it now holds exactly the file's lines."""
    counts = WriteCounts()
    written = []
    resolved = tables["resolved"]
    existing = partitions.month_partitions(cursor)
    swaps, analysed = [], False
    for month, fresh in plan:
        name = existing.get(month)
        waiting = partitions.default_has_month(cursor, month)
        if fresh:  # a new month, or a replaced one: built aside, swapped in at the end
            fresh = partitions.partition_name(month) + "_new"
            partitions.standalone_create(cursor, fresh, month)
            cursor.execute(
                _FRESH_SQL.format(
                    table=fresh,
                    resolved=resolved,
                    sequence=partitions.SEQUENCE,
                    bounds=partitions.month_bounds_sql(month, "r."),
                )
            )
            counts.created += cursor.rowcount
            partitions.standalone_index(cursor, fresh)
            swaps.append((fresh, month, name, waiting))
            written.append((month, True))
            continue
        if not analysed:  # a comparison's plan depends on how many lines the file holds
            cursor.execute(f"ANALYZE {resolved}")
            analysed = True
        if name is None:
            name = partitions.month_partition_ensure(month, cursor)
        bounds = partitions.month_bounds_sql(month, "r.")
        sql = {"table": name, "resolved": resolved, "bounds": bounds}
        cursor.execute(_DIFF_SQL.format(**sql))
        new, changed = cursor.fetchone()
        if changed:
            cursor.execute(_UPDATE_SQL.format(**sql))
            counts.updated += cursor.rowcount
        if new:
            cursor.execute(_INSERT_SQL.format(**sql, sequence=partitions.SEQUENCE))
            counts.created += cursor.rowcount
        written.append((month, False))
    # last, so that the locks readers wait for are held only until commit
    for fresh, month, name, waiting in swaps:
        if name:
            partitions.partition_drop(cursor, month)
        if waiting:
            cursor.execute(
                f"DELETE FROM {partitions.DEFAULT} WHERE {partitions.month_bounds_sql(month)}"
            )
        partitions.standalone_attach(cursor, fresh, month)
    return counts, written


def _has_lines(cursor, table: str) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return cursor.fetchone()[0]


def _write_plain(cursor, resolved: str, *, replace: bool) -> WriteCounts:
    """A table that is not partitioned (PostgreSQL before the partitioning migration)."""
    counts = WriteCounts()
    sql = {"table": "markets_orderline", "resolved": resolved, "bounds": "true"}
    if replace:
        cursor.execute(
            "DELETE FROM markets_orderline t WHERE date_trunc('month', t.order_date) IN "
            f"(SELECT DISTINCT date_trunc('month', order_date) FROM {resolved})"
        )
    cursor.execute(_UPDATE_SQL.format(**sql))
    counts.updated = cursor.rowcount
    cursor.execute(_INSERT_SQL.format(**sql, sequence=partitions.SEQUENCE))
    counts.created = cursor.rowcount
    return counts


def _copy(cursor, table: str, names: list[str], data: memoryview) -> None:
    column_list = ", ".join(f'"{n}"' for n in names)
    try:
        with cursor.connection.cursor().copy(
            f"COPY {table} ({column_list}) FROM STDIN (FORMAT csv)"
        ) as copy:
            for start in range(0, len(data), _CHUNK):
                copy.write(data[start : start + _CHUNK])
    except psycopg.errors.CharacterNotInRepertoire as exc:
        raise ImportFileError(_("文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8”。")) from exc
    except psycopg.errors.DataError as exc:
        # e.g. a row with more cells than the header; PostgreSQL names the line.
        raise ImportFileError(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc


def _messages() -> dict[str, str]:
    return {
        "required": _("必填，不能为空"),
        "date": _("日期格式应为 YYYY-MM-DD"),
        "int": _("不是整数"),
        "negative": _("不能为负数"),
        "decimal": _("不是数字"),
        "customer": str(UNKNOWN_CUSTOMER),
        "sku": str(UNKNOWN_SKU),
        "price": str(NO_PRICE),
    }


def _row_error(line_no, column, value, code, first) -> RowError:
    if code == "duplicate":
        message = DUPLICATE_IN_FILE % {"first": first + 1}
    else:
        message = _messages()[code]
    # line_no counts data lines from 1; the header is row 1 of the file.
    return RowError(int(line_no) + 1, column, value or "", str(message))


_PATTERNS = {
    "int_re": r"^\s*[+]?\d{1,9}(\.0*)?\s*$",
    "neg_re": r"^\s*-\d+(\.\d*)?\s*$",
    "dec_re": r"^\s*[+]?\d{1,12}(\.\d{1,2})?\s*$",
}

# Every staged row once: ids and checked casts (NULL where invalid); the texts stay in the
# stage table for the error report. Dates and quantities are checked once per distinct
# (date, quantity, requested) text — a file holds a few thousand — and joined back in one
# hash join: cheaper than a regex on every row or a join per column. '' stands for an
# empty cell (NULL) so that the join can use equality.
_VALUES_SQL = """
CREATE UNLOGGED TABLE {values} AS
SELECT x.d, x.q, x.r, cal.day,
       CASE WHEN x.q ~ %(int_re)s THEN x.q::numeric::int END AS quantity,
       CASE WHEN x.r ~ %(int_re)s THEN x.r::numeric::int END AS requested
  FROM (SELECT DISTINCT coalesce(order_date, '') AS d, coalesce(quantity, '') AS q,
               coalesce(requested_quantity, '') AS r
          FROM {stage}) x
  LEFT JOIN (SELECT to_char(g, 'YYYY-MM-DD') AS text, g::date AS day
               FROM generate_series(date '1990-01-01', date '2099-12-31', interval '1 day') g
            ) cal ON cal.text = btrim(x.d)
"""

_RESOLVE_SQL = """
CREATE UNLOGGED TABLE {resolved} AS
SELECT s.line_no, v.day AS order_date, c.id AS customer_id, k.id AS sku_id,
       k.wholesale_price, v.quantity, v.requested,
       CASE WHEN s.amount ~ %(dec_re)s THEN s.amount::numeric(14, 2) END AS amount,
       coalesce(btrim(s.requested_quantity), '') <> '' AS has_requested,
       coalesce(btrim(s.amount), '') <> '' AS has_amount
  FROM {stage} s
  LEFT JOIN {values} v
    ON v.d = coalesce(s.order_date, '') AND v.q = coalesce(s.quantity, '')
   AND v.r = coalesce(s.requested_quantity, '')
  LEFT JOIN customers_customer c ON c.code = btrim(s.customer_code)
  LEFT JOIN brands_sku k ON k.code = btrim(s.sku_code)
"""

# One pass picks the few bad rows and fetches their texts; the reasons are worked out on
# those alone. Duplicates (``_DUPLICATES_SQL``, when asked for) are found on the resolved
# ids with a hash aggregate.
_ERRORS_SQL = """
WITH bad_rows AS MATERIALIZED (
  SELECT * FROM {resolved}
   WHERE order_date IS NULL OR customer_id IS NULL OR sku_id IS NULL OR quantity IS NULL
      OR (requested IS NULL AND has_requested) OR (amount IS NULL AND has_amount)
      OR (NOT has_amount AND wholesale_price IS NULL)
),
bad AS MATERIALIZED (
  SELECT r.*, btrim(s.order_date) AS order_date_text, btrim(s.customer_code) AS customer_code,
         btrim(s.sku_code) AS sku_code, coalesce(btrim(s.quantity), '') AS quantity_text,
         btrim(s.requested_quantity) AS requested_text, btrim(s.amount) AS amount_text
    FROM bad_rows r JOIN {stage} s USING (line_no)
),
errors AS MATERIALIZED (
SELECT line_no, col, val, code, first_line FROM (
  SELECT line_no, 'order_date' AS col, order_date_text AS val,
         CASE WHEN coalesce(order_date_text, '') = '' THEN 'required' ELSE 'date' END AS code,
         0 AS first_line
    FROM bad WHERE order_date IS NULL
  UNION ALL
  SELECT line_no, 'customer_code', customer_code,
         CASE WHEN coalesce(customer_code, '') = '' THEN 'required' ELSE 'customer' END, 0
    FROM bad WHERE customer_id IS NULL
  UNION ALL
  SELECT line_no, 'sku_code', sku_code,
         CASE WHEN coalesce(sku_code, '') = '' THEN 'required' ELSE 'sku' END, 0
    FROM bad WHERE sku_id IS NULL
  UNION ALL
  SELECT line_no, 'quantity', quantity_text,
         CASE WHEN quantity_text = '' THEN 'required'
              WHEN quantity_text ~ %(neg_re)s THEN 'negative' ELSE 'int' END, 0
    FROM bad WHERE quantity IS NULL
  UNION ALL
  SELECT line_no, 'requested_quantity', requested_text,
         CASE WHEN requested_text ~ %(neg_re)s THEN 'negative' ELSE 'int' END, 0
    FROM bad WHERE requested IS NULL AND has_requested
  UNION ALL
  SELECT line_no, 'amount', amount_text,
         CASE WHEN amount_text ~ %(neg_re)s THEN 'negative' ELSE 'decimal' END, 0
    FROM bad WHERE amount IS NULL AND has_amount
  UNION ALL
  SELECT line_no, 'amount', sku_code, 'price', 0
    FROM bad
   WHERE NOT has_amount AND sku_id IS NOT NULL AND wholesale_price IS NULL
     AND quantity IS NOT NULL
  {duplicates}
) e
)
-- a file of a million bad lines is reported by its first few and the totals
SELECT line_no, col, val, code, first_line,
       (SELECT count(*) FROM errors), (SELECT count(DISTINCT line_no) FROM errors)
  FROM errors ORDER BY line_no, col LIMIT %(max_errors)s
"""

_DUPLICATES_SQL = """
  UNION ALL
  SELECT r.line_no, 'order_date+customer_code+sku_code',
         btrim(s.order_date) || ' / ' || btrim(s.customer_code) || ' / ' || btrim(s.sku_code),
         'duplicate', dup.first_line
    FROM {resolved} r
    JOIN (SELECT customer_id, order_date, sku_id, min(line_no) AS first_line
            FROM {resolved}
           WHERE customer_id IS NOT NULL AND order_date IS NOT NULL AND sku_id IS NOT NULL
           GROUP BY customer_id, order_date, sku_id HAVING count(*) > 1
         ) dup USING (customer_id, order_date, sku_id)
    JOIN {stage} s USING (line_no)
   WHERE r.line_no > dup.first_line
"""

_REQUESTED = "coalesce(r.requested, r.quantity)"
_AMOUNT = "coalesce(r.amount, round(r.quantity * r.wholesale_price, 2))"
_COLUMNS = "id, customer_id, order_date, sku_id, quantity, requested_quantity, amount"
_VALUES = (
    f"nextval('{{sequence}}'), r.customer_id, r.order_date, r.sku_id, r.quantity, "
    f"{_REQUESTED}, {_AMOUNT}"
)

# A new month's lines into its standalone table, in key order: the table is then laid out
# by customer, and the unique index is built from sorted input.
_FRESH_SQL = f"""
INSERT INTO {{table}} ({_COLUMNS})
SELECT {_VALUES}
  FROM {{resolved}} r
 WHERE {{bounds}}
 ORDER BY r.customer_id, r.order_date, r.sku_id
"""

# The file's lines of one month against that month's lines: how many are new, how many
# differ. A re-import of an unchanged file ends here.
_DIFF_SQL = f"""
SELECT count(*) FILTER (WHERE t.id IS NULL),
       count(*) FILTER (WHERE t.id IS NOT NULL
                          AND (t.quantity, t.requested_quantity, t.amount)
                              IS DISTINCT FROM (r.quantity, {_REQUESTED}, {_AMOUNT}))
  FROM {{resolved}} r
  LEFT JOIN {{table}} t
    ON t.customer_id = r.customer_id AND t.order_date = r.order_date AND t.sku_id = r.sku_id
 WHERE {{bounds}}
"""

_UPDATE_SQL = f"""
UPDATE {{table}} t
   SET quantity = r.quantity, requested_quantity = {_REQUESTED}, amount = {_AMOUNT}
  FROM {{resolved}} r
 WHERE t.customer_id = r.customer_id AND t.order_date = r.order_date AND t.sku_id = r.sku_id
   AND {{bounds}}
   AND (t.quantity, t.requested_quantity, t.amount)
       IS DISTINCT FROM (r.quantity, {_REQUESTED}, {_AMOUNT})
"""

# Sorted by the unique key so that index pages fill in order instead of at random.
_INSERT_SQL = f"""
INSERT INTO {{table}} ({_COLUMNS})
SELECT {_VALUES}
  FROM {{resolved}} r
 WHERE {{bounds}}
   AND NOT EXISTS (SELECT 1 FROM {{table}} t
                    WHERE t.customer_id = r.customer_id AND t.order_date = r.order_date
                      AND t.sku_id = r.sku_id)
 ORDER BY r.customer_id, r.order_date, r.sku_id
"""
