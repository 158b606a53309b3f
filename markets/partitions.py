"""Order lines partitioned by month on PostgreSQL (declarative RANGE partitioning on
``order_date``; SQLite keeps the plain table). The model is unchanged: Django reads and
writes the parent ``markets_orderline`` and PostgreSQL routes rows and prunes partitions.

- One partition a month, ``markets_orderline_yYYYYmMM`` (FROM the 1st TO the next 1st),
  created on demand by the order import for the months its file holds, plus
  ``markets_orderline_default``, which catches a line of a month without a partition (an
  ORM write, the demo seed, a test factory) so that no write path has to know about
  partitions. ``month_partition_ensure`` moves such lines into their month's partition.
- Keys: a unique constraint on a partitioned table must contain the partition key. The
  natural key (customer, order_date, SKU) does, so it stays exactly as it was, enforced
  across the whole table. The primary key becomes (id, order_date): ``id`` alone cannot be
  a constraint of the parent. Ids still come from the one identity sequence of the parent
  (every insert takes ``nextval``; nothing writes an id of its own), so an id stays unique,
  and Django, which only knows ``id``, finds a line by it as before (one index probe per
  partition on the (id, order_date) key).
- A month's partition is built as a standalone table (rows in key order, then its indexes
  built in bulk, a CHECK on its bounds so that attaching does not scan it) and attached
  at the end of the import's transaction: bulk index builds instead of a million index
  insertions, and the locks that block readers are held only for the attach and commit.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection

from core.cursors import given_or_new

PARENT = "markets_orderline"
DEFAULT = f"{PARENT}_default"
SEQUENCE = f"{PARENT}_id_seq"
_BOUND = re.compile(r"FROM \('(\d{4})-(\d{2})-01'\) TO")


def partition_name(month: dt.date) -> str:
    return f"{PARENT}_y{month.year:04d}m{month.month:02d}"


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def is_partitioned(cursor=None) -> bool:
    """Whether ``markets_orderline`` is a partitioned table (never on SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with given_or_new(cursor) as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [PARENT])
        return c.fetchone()[0] == "p"


def month_partitions(cursor=None) -> dict[dt.date, str]:
    """The attached month partitions: the first day of the month → table name."""
    with given_or_new(cursor) as c:
        c.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        found = {}
        for name, bound in c.fetchall():
            match = _BOUND.search(bound or "")
            if match:
                found[dt.date(int(match[1]), int(match[2]), 1)] = name
        return found


def month_bounds_sql(month: dt.date, alias: str = "") -> str:
    """SQL true for the dates of ``month`` (``alias``: "r." for a joined table's column)."""
    start, end = f"{month:%Y-%m-%d}", f"{next_month(month):%Y-%m-%d}"
    return f"{alias}order_date >= '{start}' AND {alias}order_date < '{end}'"


def standalone_create(cursor, name: str, month: dt.date) -> None:
    """A table shaped like a partition of ``month`` (columns, NOT NULL, the parent's
    CHECKs and one on the month's bounds), without indexes, ready to be filled."""
    cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING CONSTRAINTS)")
    bounds = month_bounds_sql(month)
    cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_bounds CHECK ({bounds})")
    if _trigger_function(cursor):
        trigger_add(cursor, name)


def trigger_add(cursor, table: str) -> None:
    """The statement trigger removing the import marks a write to ``table`` may concern
    (models.OrderMonthImport; statement triggers are not inherited by partitions)."""
    cursor.execute(
        f"CREATE TRIGGER {table}_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION markets_orderline_written()"
    )


def standalone_index(cursor, name: str) -> None:
    """The parent's keys and index on a filled standalone table (bulk builds); attaching
    adopts them instead of building its own."""
    cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_pkey PRIMARY KEY (id, order_date)")
    cursor.execute(
        f"ALTER TABLE {name} ADD CONSTRAINT {name}_key UNIQUE (customer_id, order_date, sku_id)"
    )
    cursor.execute(f"CREATE INDEX {name}_date_id_idx ON {name} (order_date, id)")


def standalone_attach(cursor, name: str, month: dt.date) -> None:
    """Attach a filled and indexed standalone table as ``month``'s partition, under the
    month's partition name. Whatever the month had before (an empty or replaced partition,
    lines in the default partition) must have been removed by the caller."""
    final = partition_name(month)
    if name != final:
        cursor.execute(f"ALTER TABLE {name} RENAME TO {final}")
        if _trigger_function(cursor):
            cursor.execute(f"ALTER TRIGGER {name}_written ON {final} RENAME TO {final}_written")
        cursor.execute(f"ALTER TABLE {final} RENAME CONSTRAINT {name}_bounds TO {final}_bounds")
        for index in ("pkey", "key", "date_id_idx"):
            cursor.execute(f"ALTER INDEX {name}_{index} RENAME TO {final}_{index}")
    cursor.execute(
        f"ALTER TABLE {PARENT} ATTACH PARTITION {final} "
        f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{next_month(month):%Y-%m-%d}')"
    )


def _trigger_function(cursor) -> bool:
    """Whether migration 0004 has run (migration 0003 builds partitions before it)."""
    cursor.execute("SELECT to_regproc('markets_orderline_written') IS NOT NULL")
    return cursor.fetchone()[0]


def partition_drop(cursor, month: dt.date) -> None:
    """Detach and drop ``month``'s partition (a replace, or an empty one rebuilt)."""
    name = partition_name(month)
    cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name}")
    cursor.execute(f"DROP TABLE {name}")


def default_has_month(cursor, month: dt.date) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE {month_bounds_sql(month)})")
    return cursor.fetchone()[0]


def month_partition_ensure(month: dt.date, cursor=None) -> str:
    """``month``'s partition, created if missing: the month's lines waiting in the default
    partition are moved into it (keeping their ids). Returns its name."""
    with given_or_new(cursor) as c:
        existing = month_partitions(c).get(month)
        if existing:
            return existing
        name = partition_name(month)
        standalone_create(c, name, month)
        c.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE {month_bounds_sql(month)} RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved ORDER BY customer_id, order_date, sku_id"
        )
        standalone_index(c, name)
        standalone_attach(c, name, month)
        return name


def default_split(cursor=None) -> list[dt.date]:
    """Move every line of the default partition into its month's partition (after a bulk
    load through the ORM, e.g. the demo seed). Returns the months moved."""
    with given_or_new(cursor) as c:
        c.execute(f"SELECT DISTINCT date_trunc('month', order_date)::date FROM {DEFAULT}")
        months = sorted(row[0] for row in c.fetchall())
        for month in months:
            month_partition_ensure(month, c)
        return months
