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
  done: the customer's planned actions of M marked done (``cycle.execution_counts``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import PREVIOUS, THIS, Frames
from .rates import cents_per_unit, growth, ratio

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
]


def customer_indicators(frames: Frames) -> pd.DataFrame:
    """Columns of CustomerIndicator (money in cents) plus ``volume_before`` for the managers."""
    customers = frames.customers.merge(
        frames.managers[["manager_id", "team_id"]], on="manager_id", how="left"
    )
    ids = pd.Index(customers["customer_id"])
    now = frames.lines[THIS]
    delivered = now[now["quantity"] > 0]
    key_ids = frames.skus.loc[frames.skus["is_key"], "sku_id"]

    def per_customer(series: pd.Series, fill=0) -> np.ndarray:
        return series.reindex(ids, fill_value=fill).to_numpy()

    sums = now.groupby("customer_id")[["quantity", "requested", "cents"]].sum()
    volume = per_customer(sums["quantity"]).astype("int64")
    requested = per_customer(sums["requested"]).astype("int64")
    cents = per_customer(sums["cents"]).astype("int64")
    before = frames.lines[PREVIOUS].groupby("customer_id")["quantity"].sum()
    volume_before = per_customer(before).astype("int64")

    forecast = frames.forecasts.set_index("customer_id")["forecast"].reindex(ids).astype("Int64")
    forecast_values = forecast.to_numpy(dtype="float64", na_value=np.nan)

    # inventory against the volume of the same SKUs
    sku_volume = now.groupby(["customer_id", "sku_id"], as_index=False)["quantity"].sum()
    stock = frames.inventory.merge(sku_volume, on=["customer_id", "sku_id"], how="left")
    stock = stock.fillna({"quantity": 0}).groupby("customer_id")[["stock", "quantity"]].sum()

    execution = frames.customer_execution.reindex(ids, fill_value=0).astype("int64")
    out = pd.DataFrame(
        {
            "month": frames.month,
            "customer_id": customers["customer_id"].to_numpy(),
            "manager_id": customers["manager_id"].to_numpy(),
            "team_id": customers["team_id"].astype("Int64").to_numpy(),
            "volume": volume,
            "amount": cents,
            "order_days": per_customer(delivered.groupby("customer_id")["day"].nunique()),
            "distinct_skus": per_customer(delivered.groupby("customer_id")["sku_id"].nunique()),
            "key_skus_ordered": per_customer(
                delivered[delivered["sku_id"].isin(key_ids)]
                .groupby("customer_id")["sku_id"]
                .nunique()
            ),
            "avg_price": cents_per_unit(cents, volume),
            "volume_change_mom": growth(volume, volume_before),
            "forecast": forecast.to_numpy(),
            "requested": requested,
            "forecast_error": ratio(
                forecast_values - requested, requested, where=~np.isnan(forecast_values)
            ),
            "inventory_to_sales": ratio(
                per_customer(stock["stock"], fill=np.nan), per_customer(stock["quantity"])
            ),
            "visits_done": execution["visits_done"].to_numpy(),
            "actions_done": execution["actions_done"].to_numpy(),
            "volume_before": volume_before,
        }
    )
    for column in ("order_days", "distinct_skus", "key_skus_ordered"):
        out[column] = out[column].astype("int64")
    out["forecast"] = out["forecast"].astype("Int64")
    out["team_id"] = out["team_id"].astype("Int64")
    return out
