"""Which app validates and writes each import kind (the kinds of DESIGN.md §6)."""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from accounts import importers as users
from brands import importers as skus
from customers import importers as customers
from markets import importers as markets

from .table import Column, Table
from .upsert import WriteCounts


@dataclass(frozen=True)
class Importer:
    columns: list[Column]
    validate: Callable[[Table], pd.DataFrame]
    write: Callable[[pd.DataFrame], WriteCounts]


IMPORTERS: dict[str, Importer] = {
    "users": Importer(users.COLUMNS, users.validate, users.write),
    "customers": Importer(customers.COLUMNS, customers.validate, customers.write),
    "skus": Importer(skus.COLUMNS, skus.validate, skus.write),
    "orders": Importer(markets.ORDER_COLUMNS, markets.validate_orders, markets.write_orders),
    "forecasts": Importer(
        markets.FORECAST_COLUMNS, markets.validate_forecasts, markets.write_forecasts
    ),
}
