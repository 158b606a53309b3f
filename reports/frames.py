"""Loading what one month's indicators need into pandas, once.

Only the **active** customers count anywhere (DESIGN.md §5), so every frame is cut to them
here: order lines, checks and forecasts of an inactive customer never reach the formulas.

Order lines of M, M−1 and M−12 come in one query: on PostgreSQL through
``COPY (SELECT …) TO STDOUT`` read by ``pd.read_csv`` (no Python object per line), elsewhere
through a plain cursor. Checks are bucketed by their Asia/Shanghai local date: the month runs
from local midnight on the 1st to local midnight on the 1st of the next month."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, FloatField, Q
from django.db.models.functions import Cast

from accounts.models import Role, Team, User
from brands.models import Category, Sku, SkuStatus
from core.months import add_months, month_end
from customers.models import Customer, CustomerStatus
from markets.models import Forecast, InventoryCheck, OrderLine, PriceCheck, ShelfCheck

# period codes of the order lines: months back from M
THIS, PREVIOUS, YEAR_AGO = 0, 1, 12

LINE_COLUMNS = ["period", "customer_id", "sku_id", "day", "quantity", "requested", "cents"]
_LINE_DTYPES = {
    "period": "int8",
    "customer_id": "int64",
    "sku_id": "int64",
    "day": "int16",
    "quantity": "int32",  # IntegerField in the database
    "requested": "int32",
    "cents": "int64",
}


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
    # order lines of active customers in M, M−1, M−12: LINE_COLUMNS; cents = amount × 100,
    # day = days since the 1st of M
    lines: pd.DataFrame
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


def local_month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the calendar month in the company's time zone, as aware datetimes."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(month, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(add_months(month, 1), dt.time.min, tzinfo=zone)
    return start, end


def load_frames(month: dt.date) -> Frames:
    active = Customer.objects.filter(status=CustomerStatus.ACTIVE).order_by("id")
    customers = _frame(
        active.values_list("id", "manager_id"), {"customer_id": "int64", "manager_id": "int64"}
    )
    return Frames(
        month=month,
        customers=customers,
        managers=_managers(),
        teams=_frame(
            Team.objects.order_by("code").values_list("id", "code"),
            {"team_id": "int64", "team_code": object},
        ),
        skus=_skus(month),
        categories=_frame(
            Category.objects.order_by("id").values_list("id", "parent_id", "name"),
            {"category_id": "int64", "parent_id": "Int64", "name": object},
        ),
        lines=load_lines(month, customers["customer_id"]),
        has_year_ago=OrderLine.objects.filter(
            order_date__gte=add_months(month, -YEAR_AGO),
            order_date__lt=add_months(month, 1 - YEAR_AGO),
        ).exists(),
        forecasts=_frame(
            Forecast.objects.filter(month=month, customer__status=CustomerStatus.ACTIVE)
            .order_by("customer_id")
            .values_list("customer_id", "quantity"),
            {"customer_id": "int64", "forecast": "int64"},
        ),
        shelf=_latest_checks(ShelfCheck, month, "on_shelf", "on_shelf"),
        inventory=_latest_checks(InventoryCheck, month, "quantity", "stock"),
        prices=_prices(month),
    )


def _frame(rows, dtypes: dict) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=list(dtypes))
    return frame.astype(dtypes)


def _managers() -> pd.DataFrame:
    owners = Customer.objects.filter(status=CustomerStatus.ACTIVE).values("manager_id")
    rows = (
        User.objects.filter(Q(role=Role.CUSTOMER_MANAGER) | Q(pk__in=owners))
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


def _lines_sql(month: dt.date) -> str:
    """Order lines of M, M−1 and M−12, each with its period and its day as days since the 1st
    of M. The dates are our own ISO strings, written into the text because COPY takes no
    parameters. Cheapest for the server to format: no join (the inactive customers' few lines
    are dropped in pandas), integer days, the amount as it is."""
    this, previous, year_ago = (add_months(month, -k) for k in (THIS, PREVIOUS, YEAR_AGO))
    if connection.vendor == "postgresql":
        day = f"o.order_date - DATE '{this:%Y-%m-%d}'"
    else:
        day = f"CAST(julianday(o.order_date) - julianday('{this:%Y-%m-%d}') AS INTEGER)"
    # one index range scan per month: cheaper than one scan of three OR-ed ranges
    return " UNION ALL ".join(
        f"SELECT {period}, o.customer_id, o.sku_id, {day}, o.quantity, o.requested_quantity,"
        f" o.amount FROM {OrderLine._meta.db_table} o"
        f" WHERE o.order_date >= '{start:%Y-%m-%d}'"
        f" AND o.order_date < '{add_months(start, 1):%Y-%m-%d}'"
        for period, start in ((THIS, this), (PREVIOUS, previous), (YEAR_AGO, year_ago))
    )


def load_lines(month: dt.date, customers: pd.Series) -> pd.DataFrame:
    """The order lines of ``customers`` (ids) in M, M−1 and M−12: LINE_COLUMNS."""
    query = _lines_sql(month)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        buffer = io.BytesIO()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy,
        ):
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        raw = (
            pd.read_csv(buffer, header=None, names=_RAW_COLUMNS, dtype=_RAW_DTYPES)
            if buffer.getbuffer().nbytes
            else _empty(_RAW_DTYPES)
        )
        buffer.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute(query)
            rows = cursor.fetchall()
        raw = pd.DataFrame.from_records(rows, columns=_RAW_COLUMNS).astype(_RAW_DTYPES)
    keep = raw["customer_id"].isin(customers).to_numpy()
    columns = {c: raw[c].to_numpy()[keep] for c in LINE_COLUMNS[:-1]}
    columns["cents"] = np.rint(raw["amount"].to_numpy()[keep] * 100).astype("int64")
    return pd.DataFrame(columns)


_RAW_COLUMNS = [*LINE_COLUMNS[:-1], "amount"]
_RAW_DTYPES = {**{c: t for c, t in _LINE_DTYPES.items() if c != "cents"}, "amount": "float64"}


def _empty(dtypes: dict) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _checks_in(model, month: dt.date):
    start, end = local_month_bounds(month)
    return model.objects.filter(
        customer__status=CustomerStatus.ACTIVE, observed_at__gte=start, observed_at__lt=end
    )


def _latest_checks(model, month: dt.date, field: str, name: str) -> pd.DataFrame:
    """Each customer's latest check of each SKU in the month (ties: the later record)."""
    rows = (
        _checks_in(model, month)
        .order_by("customer_id", "sku_id", "observed_at", "id")
        .values_list("customer_id", "sku_id", field)
    )
    frame = _frame(
        rows,
        {"customer_id": "int64", "sku_id": "int64", name: bool if name == "on_shelf" else "int64"},
    )
    return frame.drop_duplicates(["customer_id", "sku_id"], keep="last", ignore_index=True)


def _prices(month: dt.date) -> pd.DataFrame:
    rows = (
        _checks_in(PriceCheck, month)
        .order_by("id")
        .annotate(value=Cast("price", FloatField()))
        .values_list("customer_id", "sku_id", "value")
    )
    return _frame(rows, {"customer_id": "int64", "sku_id": "int64", "price": "float64"})
