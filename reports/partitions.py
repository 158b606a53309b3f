"""The indicator tables partitioned by month on PostgreSQL (LIST on ``month``; SQLite keeps
the plain tables). The models are unchanged: Django reads and writes the parents and
PostgreSQL routes rows and prunes partitions.

Why: writing a city month is 125k rows, and the monthly job (a Celery fan-out included)
made it visible by deleting the month's rows and inserting the new ones into indexed tables
in one transaction — the step no second worker can share (issue #15). With partitions the
new month is built aside: a standalone table per indicator table, filled by binary COPY
without indexes, its keys and indexes built in bulk, then swapped for the month's partition
(detach and drop the old one, attach the new one) in a short transaction: readers see the
old month or the new one, and wait only for the swap.

- One partition a month, ``<table>_yYYYYmMM``, plus ``<table>_default`` for rows of a month
  without a partition (a test factory, an ORM write), so that no other write path has to know.
- Keys: the primary key becomes (id, month); ids still come from the parent's one identity
  sequence, so an id stays unique and Django finds a row by it. The unique keys already
  hold the month. Foreign keys are the parent's, cloned onto each partition when attached.
- A standalone table gets the parent's keys and indexes under names of its own before the
  swap; attaching adopts them (a constraint's index only from a constraint: hence the keys
  are added as constraints), and a CHECK on its month spares attaching a scan."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.db import connection

from core.cursors import given_or_new

TABLES = ("reports_scopeindicator", "reports_customerindicator", "reports_managerindicator")
_INDEX_TARGET = re.compile(r" ON (?:ONLY )?\S+ USING ")


def is_partitioned(table: str, cursor=None) -> bool:
    """Whether ``table`` is a partitioned table (never on SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with given_or_new(cursor) as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = c.fetchone()
        return row is not None and row[0] == "p"


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def month_partition(cursor, table: str, month: dt.date) -> str | None:
    """The name of ``month``'s attached partition of ``table``, if there is one."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass "
        "AND pg_get_expr(c.relpartbound, c.oid) = %s",
        [table, f"FOR VALUES IN ('{month:%Y-%m-%d}')"],
    )
    row = cursor.fetchone()
    return row[0] if row else None


# --- a month built aside and swapped in ------------------------------------------------------


def standalone_create(cursor, table: str, month: dt.date) -> str:
    """A new table shaped like a partition of ``table`` for ``month`` (columns, NOT NULL,
    CHECKs, one on the month), without indexes, its ids drawn from the parent's sequence:
    ready for a COPY of the month's rows. Returns its name."""
    name = f"{table}_new_{uuid.uuid4().hex[:10]}"
    cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute(f"ALTER TABLE {name} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
    cursor.execute(
        f"ALTER TABLE {name} ADD CONSTRAINT {name}_month CHECK (month = '{month:%Y-%m-%d}')"
    )
    return name


def standalone_index(cursor, table: str, name: str) -> None:
    """The parent's keys and indexes on the filled standalone table ``name``, built in bulk."""
    cursor.execute(f"ALTER TABLE {name} ALTER COLUMN id DROP DEFAULT")
    cursor.execute(
        "SELECT conindid, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY conname",
        [table],
    )
    keyed = set()
    for number, (index, definition) in enumerate(cursor.fetchall()):
        keyed.add(index)
        cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_k{number} {definition}")
    cursor.execute(
        "SELECT i.indexrelid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass ORDER BY i.indexrelid",
        [table],
    )
    for number, (index, definition) in enumerate(cursor.fetchall()):
        if index in keyed:
            continue
        cursor.execute(_index_on(definition, f"{name}_i{number}", name))


def _index_on(definition: str, index: str, table: str) -> str:
    """``definition`` (``pg_get_indexdef``) as the statement creating index ``index`` on
    ``table``: same method, columns and uniqueness."""
    using = _INDEX_TARGET.search(definition)
    unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
    return f"CREATE {unique}INDEX {index} ON {table} USING {definition[using.end() :]}"


def swap(cursor, table: str, name: str, month: dt.date) -> None:
    """Make the indexed standalone table ``name`` ``month``'s partition of ``table``: the
    month's rows elsewhere (its old partition, rows waiting in the default partition) go."""
    cursor.execute(f"DELETE FROM {table}_default WHERE month = %s", [month])
    old = month_partition(cursor, table, month)
    if old:
        cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {old}")
        cursor.execute(f"DROP TABLE {old}")
    final = partition_name(table, month)
    cursor.execute(f"ALTER TABLE {name} RENAME TO {final}")
    cursor.execute(
        f"ALTER TABLE {table} ATTACH PARTITION {final} FOR VALUES IN ('{month:%Y-%m-%d}')"
    )
    cursor.execute(f"ALTER TABLE {final} DROP CONSTRAINT {name}_month")


def standalone_drop(cursor, name: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")


# --- the conversion (migration 0010) ----------------------------------------------------------


def partition(cursor, table: str) -> None:
    """Convert the plain ``table`` into one partitioned by month, rows, keys, indexes and
    the identity sequence's position kept; the primary key becomes (id, month)."""
    if is_partitioned(table, cursor):
        return
    _rebuild(cursor, table, partitioned=True)


def unpartition(cursor, table: str) -> None:
    """The reverse of ``partition``: one plain table again, keyed on id."""
    if not is_partitioned(table, cursor):
        return
    _rebuild(cursor, table, partitioned=False)


def _rebuild(cursor, table: str, *, partitioned: bool) -> None:
    old = f"{table}_old"
    cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
    position = cursor.fetchone()
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY c.relname",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {old}_id_seq")
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass",
        [old],
    )
    for (index,) in cursor.fetchall():
        cursor.execute(f"ALTER INDEX {index} RENAME TO {index[:50]}_{uuid.uuid4().hex[:8]}")
    how = " PARTITION BY LIST (month)" if partitioned else ""
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING IDENTITY){how}"
    )
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s, %s)", list(position)
    )
    if partitioned:
        cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        cursor.execute(f"SELECT DISTINCT month FROM {old} ORDER BY month")
        for (month,) in cursor.fetchall():
            cursor.execute(
                f"CREATE TABLE {partition_name(table, month)} PARTITION OF {table} "
                f"FOR VALUES IN ('{month:%Y-%m-%d}')"
            )
    cursor.execute(f"INSERT INTO {table} SELECT * FROM {old} ORDER BY month, id")
    cursor.execute(f"DROP TABLE {old}")
    for name, kind, definition in constraints:
        if kind == "p":
            definition = "PRIMARY KEY (id, month)" if partitioned else "PRIMARY KEY (id)"
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for name, definition in indexes:
        cursor.execute(_index_on(definition, name, table))
    cursor.execute(f"ANALYZE {table}")
