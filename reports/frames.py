"""Loading what one month's indicators need into pandas, once.

Only the **active** customers count anywhere (DESIGN.md §5), so every frame is cut to them
here: order lines, checks and forecasts of an inactive customer never reach the formulas.

Order lines of M and M−1 come one month per query, only the columns each month's formulas
use (M−1: customer, SKU, quantity). On PostgreSQL each month is a binary ``COPY`` of one row
per order day holding the day's lines as arrays, read straight into numpy: psycopg hands a
COPY over row by row at a Python-level cost per row, so a row per line spent more time in
the client than the server took to produce it. M−12 only serves year-on-year volume growth,
and a customer's scopes depend on it only through its manager, so M−12 comes summed in SQL
per (manager, SKU) over the active customers: tens of thousands of rows, not millions.

Outside a transaction the three queries run in parallel on connections of their own, in one
snapshot exported by the job's connection, so every frame sees the same committed data.
Elsewhere (SQLite, or inside the caller's transaction, whose rows other connections cannot
see) they run one after the other on the job's connection.

Checks are bucketed by their Asia/Shanghai local date: the month runs from local midnight on
the 1st to local midnight on the 1st of the next month."""

from __future__ import annotations

import datetime as dt
import struct
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import psycopg
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Q
from django.db.models.functions import Cast
from psycopg import sql

from accounts.models import Team, User
from accounts.policy import customer_managers
from brands.models import Category, Sku, SkuStatus
from core.months import add_months, month_bounds, month_end
from customers.models import Customer, CustomerStatus
from markets.models import Forecast, OrderLine, PriceCheck
from markets.selectors import latest_checks

from .execution_source import execution_counts
from .models import CustomerIndicator

# periods of the order lines: months back from M
THIS, PREVIOUS, YEAR_AGO = 0, 1, 12

# column: (SQL expression over the order line ``o``, numpy type); besides, "day" is the
# line's day as days since the 1st of M. "cents" is the amount × 100, exact in numeric.
_COLUMNS = {
    "customer_id": ("o.customer_id", "int64"),
    "sku_id": ("o.sku_id", "int64"),
    "quantity": ("o.quantity", "int32"),
    "requested": ("o.requested_quantity", "int32"),
    "cents": ("(o.amount * 100)::bigint", "int64"),
}
DETAILED = ["customer_id", "sku_id", "day", "quantity", "requested", "cents"]
VOLUME = ["customer_id", "sku_id", "quantity"]
# what the formulas read of each month's lines
PERIOD_COLUMNS = {THIS: DETAILED, PREVIOUS: VOLUME}
_DTYPES = {"day": "int16", **{c: t for c, (_, t) in _COLUMNS.items()}}
YEAR_AGO_COLUMNS = {"manager_id": "int64", "sku_id": "int64", "quantity": "int64"}


@dataclass
class Frames:
    month: dt.date
    # active customers: customer_id, manager_id
    customers: pd.DataFrame
    # the customer managers (role, or owner of an active customer): manager_id, username,
    # team_id, team_code
    managers: pd.DataFrame
    # every team: team_id, team_code
    teams: pd.DataFrame
    # sku_id, code, name, brand, category_id, retail_price (float, NaN if none), is_key,
    # on_sale (active and launched by the month's end)
    skus: pd.DataFrame
    # category_id, parent_id (NaN for a root), name
    categories: pd.DataFrame
    # order lines of active customers per period (THIS, PREVIOUS), the columns of
    # PERIOD_COLUMNS; cents = amount × 100, day = days since the 1st of M
    lines: dict[int, pd.DataFrame]
    # volume in M−12 of the active customers per (their manager, SKU): manager_id, sku_id,
    # quantity; a row for every pair with an order line, even of quantity 0
    year_ago: pd.DataFrame
    # are there any order lines at all in M−12 (company-wide)?
    has_year_ago: bool
    # forecasts for M of active customers: customer_id, forecast
    forecasts: pd.DataFrame
    # each active customer's latest shelf check in M per SKU: customer_id, sku_id, on_shelf
    shelf: pd.DataFrame
    # each active customer's latest inventory check in M per SKU: customer_id, sku_id, stock
    inventory: pd.DataFrame
    # every retail price observed in M at an active customer: customer_id, sku_id, price
    prices: pd.DataFrame
    # each active customer's latest retail price check in M per SKU: customer_id, sku_id,
    # price (yuan, float) — the retail price of the gross profit (reports/profit_rates.py)
    latest_prices: pd.DataFrame
    # the active customers' stored gross profit of M−1 and M−12 (reports/profit_rates.py):
    # customer_id, back (1 or 12), cents; a month not computed, or computed before the column
    # existed, has no row
    past_profits: pd.DataFrame
    # the month's plan carried out, from the cycles through the hook of
    # reports/execution_source.py: per manager (index manager_id) actions_planned,
    # actions_done, visits_planned, visits_done; per active customer (index customer_id)
    # visits_done, actions_done; absent ones had none
    execution: pd.DataFrame
    customer_execution: pd.DataFrame


# a shard of the job: the customers whose id is within these bounds (None: no bound)
Bounds = tuple[int | None, int | None]


def load_frames(month: dt.date, bounds: Bounds | None = None, *, parallel: bool = True) -> Frames:
    """Every frame of ``month``: of all active customers, or of a shard's — the active
    customers with an id within ``bounds`` (the order lines are stored in customer order,
    so a shard reads its own stretch of each month through the customer index). The frame
    ``managers`` always holds every customer manager the job counts. ``parallel``: load the
    order lines on connections of their own at once (a shard run by a worker among others
    leaves the cores to them)."""
    loaders = {
        THIS: partial(load_lines, month, THIS, bounds=bounds),
        PREVIOUS: partial(load_lines, month, PREVIOUS, bounds=bounds),
        YEAR_AGO: partial(load_year_ago, month, bounds=bounds),
    }
    if parallel and connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), ExitStack() as stack:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            pool = stack.enter_context(ThreadPoolExecutor(len(loaders)))
            pending = {k: pool.submit(_apart, load, snapshot) for k, load in loaders.items()}
            return _load_frames(month, bounds, lambda: {k: f.result() for k, f in pending.items()})
    return _load_frames(month, bounds, lambda: {k: load() for k, load in loaders.items()})


def _load_frames(month: dt.date, bounds: Bounds | None, loaded) -> Frames:
    """Every frame; ``loaded()`` gives the raw lines of M and M−1 (the shard's customers) and
    the M−12 volumes, called after the other queries so that loading them apart overlaps
    these."""
    active = within(Customer.objects.filter(status=CustomerStatus.ACTIVE), bounds)
    customers = _frame(
        active.order_by("id").values_list("id", "manager_id"),
        {"customer_id": "int64", "manager_id": "int64"},
    )
    others = {
        "managers": load_managers(),
        "teams": load_teams(),
        "skus": _skus(month),
        "categories": load_categories(),
        "forecasts": _frame(
            Forecast.objects.filter(month=month, customer__in=active)
            .order_by("customer_id")
            .values_list("customer_id", "quantity"),
            {"customer_id": "int64", "forecast": "int64"},
        ),
        "shelf": _latest_checks("shelf", month, active, {"on_shelf": bool}),
        "inventory": _latest_checks("inventory", month, active, {"stock": "int64"}),
        "prices": _prices(month, active),
        "latest_prices": _latest_checks("price", month, active, {"price": "float64"}),
        "past_profits": _past_profits(month, active),
    }
    others["execution"], others["customer_execution"] = execution_counts(month=month)
    has_year_ago = any_year_ago(month)
    raw = loaded()
    active_ids = customers["customer_id"].to_numpy()
    lines = {}
    for period in PERIOD_COLUMNS:
        frame = raw[period]
        keep = np.isin(frame["customer_id"].to_numpy(), active_ids)
        lines[period] = frame if keep.all() else frame[keep].reset_index(drop=True)
    return Frames(
        month=month,
        customers=customers,
        lines=lines,
        year_ago=raw[YEAR_AGO],
        has_year_ago=has_year_ago,
        **others,
    )


def load_teams() -> pd.DataFrame:
    return _frame(
        Team.objects.order_by("code").values_list("id", "code"),
        {"team_id": "int64", "team_code": object},
    )


def load_categories() -> pd.DataFrame:
    return _frame(
        Category.objects.order_by("id").values_list("id", "parent_id", "name"),
        {"category_id": "int64", "parent_id": "Int64", "name": object},
    )


def load_skus(month: dt.date) -> pd.DataFrame:
    return _skus(month)


def any_year_ago(month: dt.date) -> bool:
    """Are there any order lines at all in M−12 (company-wide)?"""
    return OrderLine.objects.filter(
        order_date__gte=add_months(month, -YEAR_AGO),
        order_date__lt=add_months(month, 1 - YEAR_AGO),
    ).exists()


def _frame(rows, dtypes: dict) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=list(dtypes))
    return frame.astype(dtypes)


def within(customers, bounds: Bounds | None):
    """The customers of the queryset with an id within ``bounds``."""
    low, high = bounds or (None, None)
    if low is not None:
        customers = customers.filter(id__gte=low)
    if high is not None:
        customers = customers.filter(id__lte=high)
    return customers


def load_managers() -> pd.DataFrame:
    """The customer managers the job counts (by role, or owning an active customer)."""
    owners = Customer.objects.filter(status=CustomerStatus.ACTIVE).values("manager_id")
    rows = (
        User.objects.filter(Q(pk__in=customer_managers(active=False)) | Q(pk__in=owners))
        .order_by("username")
        .values_list("id", "username", "team_id", "team__code")
    )
    return _frame(
        rows, {"manager_id": "int64", "username": object, "team_id": "Int64", "team_code": object}
    )


def _skus(month: dt.date) -> pd.DataFrame:
    last_day = month_end(month)
    rows = (
        Sku.objects.order_by("id")
        .annotate(
            retail=Cast("retail_price", FloatField()),
            on_sale=ExpressionWrapper(
                Q(status=SkuStatus.ACTIVE)
                & (Q(launch_date__isnull=True) | Q(launch_date__lte=last_day)),
                output_field=BooleanField(),
            ),
        )
        .values_list(
            "id", "code", "name", "brand__name", "category_id", "retail", "is_key_brand", "on_sale"
        )
    )
    return _frame(
        rows,
        {
            "sku_id": "int64",
            "code": object,
            "name": object,
            "brand": object,
            "category_id": "Int64",
            "retail_price": "float64",
            "is_key": bool,
            "on_sale": bool,
        },
    )


def _within_sql(bounds: Bounds | None) -> str:
    """The SQL condition keeping the lines of a shard's customers (our own integers written
    into the text: COPY takes no parameters); none without bounds."""
    low, high = bounds or (None, None)
    out = ""
    if low is not None:
        out += f" AND o.customer_id >= {int(low)}"
    if high is not None:
        out += f" AND o.customer_id <= {int(high)}"
    return out


def _lines_sql(month: dt.date, period: int, bounds: Bounds | None = None) -> str:
    """One month's order lines (all customers: the few lines of inactive ones are dropped in
    numpy, cheaper than a join). The dates are our own ISO strings, written into the text
    because COPY takes no parameters. On PostgreSQL one row per order day, each column of
    the day's lines an array; the day's number comes from the group, once per day."""
    this = add_months(month, -THIS)
    start = add_months(month, -period)
    where = (
        f"FROM {OrderLine._meta.db_table} o WHERE o.order_date >= '{start:%Y-%m-%d}'"
        f" AND o.order_date < '{add_months(start, 1):%Y-%m-%d}'"
        f"{_within_sql(bounds)}"
    )
    columns = [c for c in PERIOD_COLUMNS[period] if c != "day"]
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"array_agg({_COLUMNS[c][0]})" for c in columns)
        # ordered by the date index: a group aggregate, no hashing of the lines
        return (
            f"SELECT o.order_date - DATE '{this:%Y-%m-%d}', {arrays} {where} GROUP BY o.order_date"
        )
    # SQLite: one row per line, the amount as stored (a float), made cents in numpy
    plain = {
        **{c: e for c, (e, _) in _COLUMNS.items()},
        "day": f"CAST(julianday(o.order_date) - julianday('{this:%Y-%m-%d}') AS INTEGER)",
        "cents": "o.amount",
    }
    return f"SELECT {', '.join(plain[c] for c in PERIOD_COLUMNS[period])} {where}"


def load_lines(
    month: dt.date, period: int, cursor=None, *, bounds: Bounds | None = None
) -> pd.DataFrame:
    """One month's order lines of every customer (or of a shard's, within ``bounds``): the
    columns of PERIOD_COLUMNS[period]. On PostgreSQL through ``cursor`` (default: the job's
    connection)."""
    query = _lines_sql(month, period, bounds)
    names = PERIOD_COLUMNS[period]
    dtypes = {c: _DTYPES[c] for c in names}
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            plain.execute(query)
            rows = plain.fetchall()
        frame = pd.DataFrame.from_records(rows, columns=names)
        if "cents" in frame:
            frame["cents"] = np.rint(frame["cents"].to_numpy(dtype="float64") * 100)
        return frame.astype(dtypes)
    arrays = [c for c in names if c != "day"]
    days, counts, columns = _read_day_arrays(_copy_out(query, cursor), [_DTYPES[c] for c in arrays])
    out = {c: columns[i] for i, c in enumerate(arrays)}
    if "day" in names:
        out["day"] = np.repeat(days.astype("int16"), counts)
    return pd.DataFrame({c: out[c] for c in names})


def load_year_ago(month: dt.date, cursor=None, *, bounds: Bounds | None = None) -> pd.DataFrame:
    """Σ quantity in M−12 per (manager, SKU) over the active customers' order lines:
    YEAR_AGO_COLUMNS. On PostgreSQL through ``cursor`` (default: the job's connection)."""
    start = add_months(month, -YEAR_AGO)
    summed = (
        f"SELECT c.manager_id, o.sku_id, SUM(o.quantity) AS quantity"
        f" FROM {OrderLine._meta.db_table} o"
        f" JOIN {Customer._meta.db_table} c ON c.id = o.customer_id"
        f" WHERE c.status = '{CustomerStatus.ACTIVE.value}'"
        f" AND o.order_date >= '{start:%Y-%m-%d}'"
        f" AND o.order_date < '{add_months(start, 1):%Y-%m-%d}'"
        f"{_within_sql(bounds)}"
        " GROUP BY c.manager_id, o.sku_id"
    )
    names = list(YEAR_AGO_COLUMNS)
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            plain.execute(summed)
            rows = plain.fetchall()
        return pd.DataFrame.from_records(rows, columns=names).astype(YEAR_AGO_COLUMNS)
    # one row of three arrays (none when nothing was ordered), read like a day of lines
    query = (
        "SELECT 0, array_agg(s.manager_id), array_agg(s.sku_id), array_agg(s.quantity::bigint)"
        f" FROM ({summed}) s HAVING count(*) > 0"
    )
    _, _, columns = _read_day_arrays(_copy_out(query, cursor), list(YEAR_AGO_COLUMNS.values()))
    return pd.DataFrame(dict(zip(names, columns, strict=True)))


def _copy_out(query: str, cursor=None) -> bytes:
    """The binary COPY of ``query`` through ``cursor`` (default: the job's connection)."""
    with ExitStack() as stack:
        if cursor is None:
            connection.ensure_connection()
            cursor = stack.enter_context(connection.connection.cursor())
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
            return b"".join(copy)  # one block per row: a few dozen


def _apart(load, snapshot: str):
    """``load(cursor)`` on a connection of its own, in the snapshot exported by the job's
    connection (run in a worker thread: psycopg waits on the server without the GIL)."""
    with psycopg.connect(**connection.get_connection_params()) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            # the three loads already keep both cores busy: no parallel workers on top
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            out = load(cursor)
        conn.rollback()  # read only
    return out


_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_INT32 = struct.Struct(">i")


def _read_day_arrays(data: bytes, dtypes: list[str]):
    """Parse binary COPY rows of (int4, array, array, …) with non-null elements: returns the
    first field per row, the array length per row, and each array column concatenated over
    the rows, as numpy (the loop is over the rows, one per day, not over the lines)."""
    if not data:
        return np.empty(0, "int32"), np.empty(0, "int64"), [np.empty(0, t) for t in dtypes]
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a binary COPY stream")
    at = len(_SIGNATURE) + 4
    (extension,) = _INT32.unpack_from(data, at)
    at += 4 + extension
    keys, counts, parts = [], [], [[] for _ in dtypes]
    while True:
        (fields,) = struct.unpack_from(">h", data, at)
        at += 2
        if fields == -1:
            break
        if fields != 1 + len(dtypes):
            raise ValueError(f"expected {1 + len(dtypes)} fields, got {fields}")
        size, key = struct.unpack_from(">ii", data, at)
        if size != 4:
            raise ValueError("the first field is not a 4-byte integer")
        at += 8
        keys.append(key)
        n = None
        for i, dtype in enumerate(dtypes):
            (size,) = _INT32.unpack_from(data, at)
            ndim, has_nulls, _oid, length, _lower = struct.unpack_from(">iiiii", data, at + 4)
            itemsize = np.dtype(dtype).itemsize
            if ndim != 1 or has_nulls or (n is not None and length != n):
                raise ValueError("expected one-dimensional arrays of equal length, no nulls")
            items = np.frombuffer(
                data,
                dtype=np.dtype([("size", ">i4"), ("value", f">{np.dtype(dtype).str[1:]}")]),
                count=length,
                offset=at + 4 + 20,
            )
            if (items["size"] != itemsize).any():
                raise ValueError(f"array elements are not {itemsize}-byte values")
            parts[i].append(items["value"])
            n = length
            at += 4 + size
        counts.append(n)
    columns = [
        np.concatenate([np.empty(0, t), *p]).astype(t) for p, t in zip(parts, dtypes, strict=True)
    ]
    return np.array(keys, dtype="int32"), np.array(counts, dtype="int64"), columns


def _latest_checks(kind: str, month: dt.date, active, value: dict) -> pd.DataFrame:
    """Each of the ``active`` customers' latest check of each SKU in the month (ties: the
    later record): customer_id, sku_id and the ``value`` column."""
    start, end = month_bounds(month)
    rows = latest_checks(kind=kind, customers=active, since=start, before=end)
    return _frame((row[:3] for row in rows), {"customer_id": "int64", "sku_id": "int64", **value})


def _past_profits(month: dt.date, active) -> pd.DataFrame:
    """The stored gross profit of the active customers in M−1 and M−12 (see Frames)."""
    rows = (
        CustomerIndicator.objects.filter(
            month__in=[add_months(month, -1), add_months(month, -YEAR_AGO)],
            customer__in=active,
            gross_profit__isnull=False,
        )
        .order_by("customer_id", "month")
        .annotate(cents=Cast(F("gross_profit") * 100, FloatField()))
        .values_list("customer_id", "month", "cents")
    )
    frame = _frame(rows, {"customer_id": "int64", "month": object, "cents": "float64"})
    back = np.where(frame["month"] == add_months(month, -1), 1, YEAR_AGO).astype("int64")
    frame = frame.assign(back=back, cents=np.rint(frame["cents"]))
    return frame[["customer_id", "back", "cents"]]


def _prices(month: dt.date, active) -> pd.DataFrame:
    start, end = month_bounds(month)
    rows = (
        PriceCheck.objects.filter(customer__in=active, observed_at__gte=start, observed_at__lt=end)
        .order_by("id")
        .annotate(value=Cast("price", FloatField()))
        .values_list("customer_id", "sku_id", "value")
    )
    return _frame(rows, {"customer_id": "int64", "sku_id": "int64", "price": "float64"})
