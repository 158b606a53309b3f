"""Customer-manager indicators (DESIGN.md §5), summed from the customer rows.

Over the manager's active customers: customers, territory volume and its change against
M−1; over those of them with a forecast for M (requested = Σ requested quantity in M, 0
without lines):
- forecast accuracy = 1 − Σ|forecast − requested| / Σ requested (WAPE-based);
- forecast bias = Σ(forecast − requested) / Σ requested;
both empty when Σ requested = 0; forecast coverage = customers with a forecast / customers.

Actions planned/done and visits planned/done come from the manager's cycle of M, counted in
SQL by ``cycle.execution_counts`` (planned = the plan's actions, temporary tasks left out;
done = those marked ★; visits done = valid visits of at least a minute); completion rate =
actions done / actions planned, empty without planned actions.

Gross profit (total, customers compared with M−1, grown, their share): reports/profit_rates.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import profit_rates
from .rates import growth, ratio

STORED = [
    "month",
    "manager_id",
    "team_id",
    "customers",
    "volume",
    "volume_growth_mom",
    "forecast_accuracy",
    "forecast_bias",
    "forecast_coverage",
    "actions_planned",
    "actions_done",
    "completion_rate",
    "visits_planned",
    "visits_done",
    *profit_rates.MANAGER_COLUMNS,
]


def manager_indicators(
    month, managers: pd.DataFrame, execution: pd.DataFrame, customer_rows: pd.DataFrame
) -> pd.DataFrame:
    """One row per customer manager of ``managers`` (manager_id, team_id) from every active
    customer's row (with ``volume_before``) and the month's ``execution`` counts per manager
    (index manager_id; absent ones had none)."""
    ids = pd.Index(managers["manager_id"])

    def per_manager(series: pd.Series) -> np.ndarray:
        return series.reindex(ids, fill_value=0).to_numpy()

    by_manager = customer_rows.groupby("manager_id")
    customers = per_manager(by_manager.size()).astype("int64")
    volume = per_manager(by_manager["volume"].sum()).astype("int64")
    volume_before = per_manager(by_manager["volume_before"].sum()).astype("int64")

    forecasted = customer_rows[customer_rows["forecast"].notna()]
    error = forecasted["forecast"].astype("int64") - forecasted["requested"]
    sums = (
        pd.DataFrame(
            {
                "manager_id": forecasted["manager_id"],
                "n": 1,
                "requested": forecasted["requested"],
                "error": error,
                "abs_error": error.abs(),
            }
        )
        .groupby("manager_id")[["n", "requested", "error", "abs_error"]]
        .sum()
    )
    with_forecast = per_manager(sums["n"])
    requested = per_manager(sums["requested"])
    wape = ratio(per_manager(sums["abs_error"]), requested)
    execution = execution.reindex(ids, fill_value=0).astype("int64")
    actions_planned = execution["actions_planned"].to_numpy()
    actions_done = execution["actions_done"].to_numpy()
    return pd.DataFrame(
        {
            "month": month,
            "manager_id": managers["manager_id"].to_numpy(),
            "team_id": managers["team_id"].astype("Int64").to_numpy(),
            "customers": customers,
            "volume": volume,
            "volume_growth_mom": growth(volume, volume_before),
            "forecast_accuracy": 1.0 - wape,
            "forecast_bias": ratio(per_manager(sums["error"]), requested),
            "forecast_coverage": ratio(with_forecast, customers),
            "actions_planned": actions_planned,
            "actions_done": actions_done,
            "completion_rate": ratio(actions_done, actions_planned),
            "visits_planned": execution["visits_planned"].to_numpy(),
            "visits_done": execution["visits_done"].to_numpy(),
            **profit_rates.manager_profit(customer_rows, ids),
        }
    ).astype({"team_id": "Int64"})
