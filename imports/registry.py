"""Which app validates and writes each import kind (the kinds of DESIGN.md §6)."""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from accounts import importers as users
from brands import importers as skus
from core.tabular.columns import Column, RowError, Table
from core.tabular.upsert import WriteCounts
from customers import importers as customers
from markets import importers as markets
from markets.order_copy import import_orders_copy
from surveys import importers as satisfaction

# (the file as CSV bytes, dry_run=, max_errors=) → (the first errors, how many errors, how
# many bad rows, rows, what was written); runs inside the caller's transaction
BulkCopy = Callable[..., tuple[list[RowError], int, int, int, WriteCounts]]


@dataclass(frozen=True)
class Importer:
    columns: list[Column]
    validate: Callable[[Table], pd.DataFrame]
    write: Callable[[pd.DataFrame], WriteCounts]
    # a bulk path for kinds too large for pandas (PostgreSQL COPY), used whenever the
    # database is PostgreSQL; None: validate and write only
    copy: BulkCopy | None = None


IMPORTERS: dict[str, Importer] = {
    "users": Importer(users.COLUMNS, users.validate, users.write),
    "customers": Importer(customers.COLUMNS, customers.validate, customers.write),
    "skus": Importer(skus.COLUMNS, skus.validate, skus.write),
    "orders": Importer(
        markets.ORDER_COLUMNS,
        markets.validate_orders,
        markets.write_orders,
        copy=import_orders_copy,
    ),
    "forecasts": Importer(
        markets.FORECAST_COLUMNS, markets.validate_forecasts, markets.write_forecasts
    ),
    "satisfaction": Importer(satisfaction.COLUMNS, satisfaction.validate, satisfaction.write),
}
