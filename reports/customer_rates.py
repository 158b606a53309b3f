"""Customer indicators (DESIGN.md §5): one row per active customer and month.

- volume, amount, requested: sums over the customer's order lines in M;
- order days: distinct dates with a delivered quantity > 0; distinct SKUs and key SKUs
  ordered: SKUs with a delivered quantity > 0 (key = the SKU's 重点品牌 flag);
- average price = amount / volume; volume change = (vol(M) − vol(M−1)) / vol(M−1);
- forecast error = (forecast − requested) / requested, empty without a forecast or when
  nothing was requested;
- inventory-to-sales = Σ latest inventory in M of the SKUs checked at the customer ÷ Σ the
  customer's volume in M of those same SKUs (empty without a check or without that volume);
- visits done: valid visits in M (checked in and out at least a minute apart); actions
  done: the customer's planned actions of M marked done (``cycle.execution_counts``);
- gross profit and its month-on-month and year-on-year change: reports/profit_rates.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import profit_rates
from .frames import Frames
from .rates import cents_per_unit, growth, ratio
from .sales import MonthSales

STORED = [
    "month",
    "customer_id",
    "manager_id",
    "team_id",
    "volume",
    "amount",
    "order_days",
    "distinct_skus",
    "key_skus_ordered",
    "avg_price",
    "volume_change_mom",
    "forecast",
    "requested",
    "forecast_error",
    "inventory_to_sales",
    "visits_done",
    "actions_done",
    *profit_rates.CUSTOMER_COLUMNS,
]


def customer_indicators(frames: Frames, sales: MonthSales | None = None) -> pd.DataFrame:
    """Columns of CustomerIndicator (money in cents) plus ``volume_before`` and
    ``gross_profit_before`` for the managers.
    ``sales``: the month's lines reduced once (reports/sales.py), built here when not given."""
    sales = sales if sales is not None else MonthSales(frames)
    customers = frames.customers.merge(
        frames.managers[["manager_id", "team_id"]], on="manager_id", how="left"
    )
    ids = pd.Index(customers["customer_id"])
    key = frames.skus["is_key"].to_numpy(dtype=bool)

    volume = sales.volume.astype("int64")
    requested = sales.requested.astype("int64")
    cents = sales.cents.astype("int64")
    volume_before = sales.volume_before.astype("int64")

    forecast = frames.forecasts.set_index("customer_id")["forecast"].reindex(ids).astype("Int64")
    forecast_values = forecast.to_numpy(dtype="float64", na_value=np.nan)
    stock, stock_volume = _inventory(frames, sales)

    execution = frames.customer_execution.reindex(ids, fill_value=0).astype("int64")
    out = pd.DataFrame(
        {
            "month": frames.month,
            "customer_id": customers["customer_id"].to_numpy(),
            "manager_id": customers["manager_id"].to_numpy(),
            "team_id": customers["team_id"].astype("Int64").to_numpy(),
            "volume": volume,
            "amount": cents,
            "order_days": sales.order_days,
            "distinct_skus": sales.ordered.sum(axis=1),
            "key_skus_ordered": sales.ordered[:, key].sum(axis=1),
            "avg_price": cents_per_unit(cents, volume),
            "volume_change_mom": growth(volume, volume_before),
            "forecast": forecast.to_numpy(),
            "requested": requested,
            "forecast_error": ratio(
                forecast_values - requested, requested, where=~np.isnan(forecast_values)
            ),
            "inventory_to_sales": ratio(stock, stock_volume),
            "visits_done": execution["visits_done"].to_numpy(),
            "actions_done": execution["actions_done"].to_numpy(),
            "volume_before": volume_before,
            **profit_rates.customer_profit(frames, sales),
        }
    )
    for column in ("order_days", "distinct_skus", "key_skus_ordered"):
        out[column] = out[column].astype("int64")
    out["forecast"] = out["forecast"].astype("Int64")
    out["team_id"] = out["team_id"].astype("Int64")
    return out


def _inventory(frames: Frames, sales: MonthSales) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: Σ latest inventory in M over the SKUs checked there (NaN without a
    check), and Σ the customer's volume in M of those same SKUs."""
    customer, stock, volume = sales.checked_stock(frames.inventory)
    n = sales.n_customers
    checked = np.bincount(customer, minlength=n) > 0
    stock_sum = np.where(checked, np.bincount(customer, weights=stock, minlength=n), np.nan)
    return stock_sum, np.bincount(customer, weights=volume, minlength=n)
