"""Order lines on PostgreSQL: the file goes through COPY into a temporary staging table,
is validated there in SQL (same rules and messages as ``importers.validate_orders``) and
is upserted with one INSERT … ON CONFLICT. Millions of lines never become Python objects."""

from __future__ import annotations

import csv

import psycopg
from django.db import connection
from django.utils.translation import gettext as _

from imports.table import DUPLICATE_IN_FILE, ImportFileError, RowError, resolve_columns
from imports.upsert import WriteCounts

from .importers import NO_PRICE, ORDER_COLUMNS, UNKNOWN_CUSTOMER, UNKNOWN_SKU

_DATE_RE = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
_INT_RE = r"^[+]?\d{1,9}(\.0*)?$"
_NEG_RE = r"^-\d+(\.\d*)?$"
_DEC_RE = r"^[+]?\d{1,12}(\.\d{1,2})?$"
_STAGED = ["order_date", "customer_code", "sku_code", "quantity", "requested_quantity", "amount"]


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


def import_orders_copy(content: bytes, *, dry_run: bool) -> tuple[list[RowError], int, WriteCounts]:
    header, offset = csv_header(content)
    names = resolve_columns(header, ORDER_COLUMNS)
    staged_columns = ", ".join(f'"{n}" text' for n in names)
    with connection.cursor() as cursor:
        # ON COMMIT DROP is not enough when the caller's transaction runs several imports.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.order_stage, pg_temp.order_resolved")
        cursor.execute(
            "CREATE TEMP TABLE order_stage (line_no bigint GENERATED ALWAYS AS IDENTITY, "
            f"{staged_columns}) ON COMMIT DROP"
        )
        column_list = ", ".join(f'"{n}"' for n in names)
        try:
            with cursor.connection.cursor().copy(
                f"COPY order_stage ({column_list}) FROM STDIN (FORMAT csv)"
            ) as copy:
                view = memoryview(content)[offset:]
                for start in range(0, len(view), 1 << 20):
                    copy.write(view[start : start + (1 << 20)])
        except psycopg.errors.CharacterNotInRepertoire as exc:
            raise ImportFileError(
                _("文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8”。")
            ) from exc
        except psycopg.errors.DataError as exc:
            # e.g. a row with more cells than the header; PostgreSQL names the line.
            raise ImportFileError(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc
        missing = [c for c in _STAGED if c not in names]
        for column in missing:
            cursor.execute(f'ALTER TABLE order_stage ADD COLUMN "{column}" text')
        cursor.execute(_RESOLVE_SQL)
        rows_total = cursor.rowcount
        cursor.execute(_ERRORS_SQL)
        errors = [_row_error(*row) for row in cursor.fetchall()]
        if errors or dry_run:
            return errors, rows_total, WriteCounts()
        cursor.execute(_UPSERT_SQL)
        created, updated = cursor.fetchone()
    created, updated = created or 0, updated or 0
    return [], rows_total, WriteCounts(created, updated, rows_total - created - updated)


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
    return RowError(int(line_no) + 1, column, value or "", str(message))


# Resolve every staged row once: trimmed text, guarded casts (NULL where invalid) and ids.
_RESOLVE_SQL = rf"""
CREATE TEMP TABLE order_resolved ON COMMIT DROP AS
SELECT s.line_no, s.d AS order_date_text, s.c AS customer_code, s.k AS sku_code,
       s.q AS quantity_text, s.r AS requested_text, s.a AS amount_text,
       -- nested CASE: PostgreSQL does not promise to evaluate AND left to right
       CASE WHEN s.d ~ '{_DATE_RE}' THEN
         CASE WHEN right(s.d, 2)::int <= extract(day FROM
                     make_date(left(s.d, 4)::int, substr(s.d, 6, 2)::int, 1)
                     + interval '1 month' - interval '1 day')
              THEN make_date(left(s.d, 4)::int, substr(s.d, 6, 2)::int, right(s.d, 2)::int)
         END
       END AS order_date,
       c.id AS customer_id, k.id AS sku_id, k.wholesale_price,
       CASE WHEN s.q ~ '{_INT_RE}' THEN s.q::numeric::int END AS quantity,
       CASE WHEN s.r ~ '{_INT_RE}' THEN s.r::numeric::int END AS requested,
       CASE WHEN s.a ~ '{_DEC_RE}' THEN s.a::numeric(14, 2) END AS amount
FROM (SELECT line_no, btrim(order_date) AS d, btrim(customer_code) AS c, btrim(sku_code) AS k,
             btrim(quantity) AS q, coalesce(btrim(requested_quantity), '') AS r,
             coalesce(btrim(amount), '') AS a
      FROM order_stage) s
LEFT JOIN customers_customer c ON c.code = s.c
LEFT JOIN brands_sku k ON k.code = s.k
"""

_ERRORS_SQL = rf"""
SELECT line_no, col, val, code, first_line FROM (
  SELECT line_no, 'order_date' AS col, order_date_text AS val,
         CASE WHEN coalesce(order_date_text, '') = '' THEN 'required' ELSE 'date' END AS code,
         0 AS first_line
    FROM order_resolved WHERE order_date IS NULL
  UNION ALL
  SELECT line_no, 'customer_code', customer_code,
         CASE WHEN coalesce(customer_code, '') = '' THEN 'required' ELSE 'customer' END, 0
    FROM order_resolved WHERE customer_id IS NULL
  UNION ALL
  SELECT line_no, 'sku_code', sku_code,
         CASE WHEN coalesce(sku_code, '') = '' THEN 'required' ELSE 'sku' END, 0
    FROM order_resolved WHERE sku_id IS NULL
  UNION ALL
  SELECT line_no, 'quantity', quantity_text,
         CASE WHEN coalesce(quantity_text, '') = '' THEN 'required'
              WHEN quantity_text ~ '{_NEG_RE}' THEN 'negative' ELSE 'int' END, 0
    FROM order_resolved WHERE quantity IS NULL
  UNION ALL
  SELECT line_no, 'requested_quantity', requested_text,
         CASE WHEN requested_text ~ '{_NEG_RE}' THEN 'negative' ELSE 'int' END, 0
    FROM order_resolved WHERE requested IS NULL AND requested_text <> ''
  UNION ALL
  SELECT line_no, 'amount', amount_text,
         CASE WHEN amount_text ~ '{_NEG_RE}' THEN 'negative' ELSE 'decimal' END, 0
    FROM order_resolved WHERE amount IS NULL AND amount_text <> ''
  UNION ALL
  SELECT line_no, 'amount', sku_code, 'price', 0
    FROM order_resolved
   WHERE amount_text = '' AND sku_id IS NOT NULL AND wholesale_price IS NULL
     AND quantity IS NOT NULL
  UNION ALL
  SELECT line_no, 'order_date+customer_code+sku_code',
         order_date_text || ' / ' || customer_code || ' / ' || sku_code, 'duplicate', first_line
    FROM (SELECT line_no, order_date_text, customer_code, sku_code,
                 min(line_no) OVER w AS first_line
            FROM order_resolved
          WINDOW w AS (PARTITION BY order_date_text, customer_code, sku_code)) d
   WHERE line_no > first_line
) e ORDER BY line_no, col
"""

_UPSERT_SQL = """
WITH upserted AS (
  INSERT INTO markets_orderline AS t (order_date, customer_id, sku_id, quantity,
                                      requested_quantity, amount)
  SELECT order_date, customer_id, sku_id, quantity, coalesce(requested, quantity),
         coalesce(amount, round(quantity * wholesale_price, 2))
    FROM order_resolved
  ON CONFLICT (order_date, customer_id, sku_id) DO UPDATE
     SET quantity = EXCLUDED.quantity, requested_quantity = EXCLUDED.requested_quantity,
         amount = EXCLUDED.amount
   WHERE (t.quantity, t.requested_quantity, t.amount)
         IS DISTINCT FROM (EXCLUDED.quantity, EXCLUDED.requested_quantity, EXCLUDED.amount)
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
"""
