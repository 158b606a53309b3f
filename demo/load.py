"""Writing the generated frames: the ORM for the small tables, COPY (PostgreSQL) or
executemany (SQLite and others) for the big ones."""

import io
import itertools
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
import pandas as pd
from django.contrib.auth.hashers import make_password
from django.db import connection
from psycopg import sql

from accounts.models import Team, User
from brands.models import Brand, Category, Sku
from customers.models import Customer

from .people import PASSWORD, Person
from .skus import category_nodes

CHUNK_ROWS = 250_000
CENTS = Decimal("0.01")


def create_people(people: list[Person], teams: list[tuple[str, str]]) -> dict[str, User]:
    team_objs = Team.objects.bulk_create([Team(code=code, name=name) for code, name in teams])
    team_by_code = {team.code: team for team in team_objs}
    password = make_password(PASSWORD)  # hashing is slow by design: once for everyone
    users = User.objects.bulk_create(
        [
            User(
                username=p.username,
                name=p.name,
                role=p.role,
                password=password,
                team=team_by_code.get(p.team),
                is_staff=p.is_staff,
                is_superuser=p.is_superuser,
            )
            for p in people
        ]
    )
    by_username = {user.username: user for user in users}
    for number, team in enumerate(team_objs, start=1):
        team.market_manager = by_username[f"mm{number}"]
    Team.objects.bulk_update(team_objs, ["market_manager"])
    return by_username


def create_customers(frame: pd.DataFrame, manager_ids: np.ndarray) -> np.ndarray:
    """Returns the primary keys in frame order."""
    columns = [
        "code",
        "name",
        "license_no",
        "address",
        "phone",
        "business_format",
        "tier",
        "market_type",
        "trade_area",
        "visit_method",
        "visit_frequency",
        "status",
    ]
    records = frame[columns].to_dict("records")
    objects = [
        Customer(
            manager_id=int(manager),
            latitude=_coordinate(lat),
            longitude=_coordinate(lon),
            **record,
        )
        for record, manager, lat, lon in zip(
            records,
            manager_ids[frame["manager"].to_numpy()],
            frame["latitude"],
            frame["longitude"],
            strict=True,
        )
    ]
    created = Customer.objects.bulk_create(objects, batch_size=2000)
    return np.array([c.pk for c in created], dtype=np.int64)


def _coordinate(value: float) -> Decimal | None:
    return None if np.isnan(value) else Decimal(f"{value:.6f}")


def create_catalog(frame: pd.DataFrame) -> tuple[np.ndarray, int, int]:
    """Categories, brands and SKUs; returns SKU keys in frame order and the node/brand counts."""
    nodes: dict[tuple, Category] = {}
    for depth in (1, 2, 3):
        level = [
            (path, parent, pos) for path, parent, pos in category_nodes() if len(path) == depth
        ]
        created = Category.objects.bulk_create(
            [
                Category(name=path[-1], parent=nodes.get(parent), position=pos)
                for path, parent, pos in level
            ]
        )
        nodes.update(zip([path for path, _, _ in level], created, strict=True))

    makers = frame.drop_duplicates("brand")[["brand", "manufacturer"]]
    brands = Brand.objects.bulk_create(
        [Brand(name=b, manufacturer=m) for b, m in makers.itertuples(index=False)]
    )
    brand_by_name = {b.name: b for b in brands}
    objects = []
    for row in frame.itertuples(index=False):
        tar = Decimal(int(row.tar_mg))
        objects.append(
            Sku(
                code=row.code,
                name=row.name,
                brand=brand_by_name[row.brand],
                manufacturer=row.manufacturer,
                price_class=int(row.price_class),
                wholesale_price=Decimal(int(row.wholesale_cents)) * CENTS,
                retail_price=Decimal(int(row.retail_cents)) * CENTS,
                tar_mg=tar,
                tar_mg_imported=tar,
                is_key_brand=bool(row.is_key_brand),
                launch_date=pd.Timestamp(row.launch_date).date(),
                status=row.status,
                category=nodes[row.category] if row.category else None,
            )
        )
    created = Sku.objects.bulk_create(objects, batch_size=1000)
    return np.array([s.pk for s in created], dtype=np.int64), len(nodes), len(brands)


def write_rows(
    model,
    frames: Iterable[pd.DataFrame],
    money: tuple[str, ...] = (),
    times: tuple[str, ...] = (),
    blank: tuple[str, ...] = (),
) -> int:
    """Append ``frames`` (columns named as the table's columns) to ``model``'s table.

    Dates come as datetime64, the ``times`` columns as datetime64 in UTC and the ``money``
    columns as integer cents; each is turned into what the database takes. Missing values
    (NaN, NaT, NA) are written as NULL; the ``blank`` columns are text that may be empty,
    which stays an empty string (COPY's CSV would read an empty field as NULL).
    """
    total = 0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        frames = iter(frames)
        first = next(frames, None)
        if first is None:
            return 0
        columns = sql.SQL(", ").join(map(sql.Identifier, first.columns))
        options = sql.SQL("FORMAT csv")
        if blank:
            options += sql.SQL(", FORCE_NOT_NULL ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, blank))
            )
        statement = sql.SQL("COPY {} ({}) FROM STDIN WITH ({})").format(
            sql.Identifier(model._meta.db_table), columns, options
        )
        with (
            connection.connection.cursor() as cursor,
            _bare_table(cursor, model._meta.db_table),
            # One COPY for all frames: psycopg sends from a thread, so the server
            # stores one chunk while the next is generated and formatted.
            cursor.copy(statement) as copy,
        ):
            for frame in itertools.chain([first], frames):
                text = pd.DataFrame(
                    {c: _text(frame[c], c in money, c in times, "+00") for c in frame.columns}
                )
                for start in range(0, len(frame), CHUNK_ROWS):
                    buffer = io.StringIO()
                    text.iloc[start : start + CHUNK_ROWS].to_csv(
                        buffer, header=False, index=False, float_format="%.2f"
                    )
                    copy.write(buffer.getvalue())
                total += len(frame)
        return total
    with connection.cursor() as cursor:
        for frame in frames:
            columns = list(frame.columns)
            insert = "INSERT INTO {} ({}) VALUES ({})".format(
                connection.ops.quote_name(model._meta.db_table),
                ", ".join(connection.ops.quote_name(c) for c in columns),
                ", ".join(["%s"] * len(columns)),
            )
            values = [_text(frame[c], c in money, c in times, "").tolist() for c in columns]
            for start in range(0, len(frame), CHUNK_ROWS):
                rows = zip(*(v[start : start + CHUNK_ROWS] for v in values), strict=True)
                cursor.executemany(insert, list(rows))
            total += len(frame)
    return total


@contextmanager
def _bare_table(cursor, table: str):
    """Loads into ``table`` without its foreign keys, unique constraints and secondary
    indexes, then puts them back exactly as they were (same names and definitions).

    Building a b-tree once beats millions of single inserts, and one anti-join validates a
    foreign key far faster than a deferred trigger per row fired at commit.
    """
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    # Dropping a foreign key alters the referenced table too, which PostgreSQL refuses
    # while checks deferred to commit are pending on it: run those checks now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid"
        "  AND c.conrelid = x.indrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    name = sql.Identifier
    for constraint, _definition in constraints:
        cursor.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(name(table), name(constraint))
        )
    for index, _definition in indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(name(index)))
    yield
    for _index, definition in indexes:
        cursor.execute(definition)
    for constraint, definition in constraints:
        cursor.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(name(table), name(constraint))
            + sql.SQL(definition)
        )
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are deferred


def _text(column: pd.Series, is_money: bool, is_time: bool, utc_suffix: str):
    """A column as the database takes it: money in yuan (a float is exact as "%.2f" at these
    magnitudes), dates and UTC times as ISO strings; SQLite keeps times naive, in UTC.
    Missing values become None (NULL), the others plain Python values."""
    if column.empty:
        return np.empty(0, dtype=object)
    missing = column.isna().to_numpy()
    if missing.any():
        out = np.full(len(column), None, dtype=object)
        present = _text(column[~missing], is_money, is_time, utc_suffix)
        out[~missing] = present.tolist() if isinstance(present, np.ndarray) else list(present)
        return out
    values = column.to_numpy()
    if is_money:
        return values / 100
    if values.dtype.kind == "M":
        if is_time:
            text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
            return np.char.add(np.char.replace(text, "T", " "), utc_suffix)
        return np.datetime_as_string(values.astype("datetime64[D]"), unit="D")
    return values
