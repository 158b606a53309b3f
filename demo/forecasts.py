"""Demand forecasts: each manager forecasts with a bias and a precision of their own, so the
forecast-accuracy ranking has something to show."""

import datetime as dt

import numpy as np
import pandas as pd

from core.months import add_months

from .orders import SEASON

MISSING_SHARE = 0.10


def build_forecasts(
    requested: np.ndarray,
    months: list[dt.date],
    customers: pd.DataFrame,
    managers: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per active customer per month of ``months`` and the month after, less ~10%."""
    following = add_months(months[-1], 1)
    recent = requested[:, -3:].mean(axis=1)
    season_now = SEASON[[m.month - 1 for m in months[-3:]]].mean()
    ahead = recent * SEASON[following.month - 1] / season_now
    target = np.column_stack([requested, ahead])

    manager = customers["manager"].to_numpy()
    bias = rng.normal(0.02, 0.06, managers)[manager]
    spread = rng.uniform(0.08, 0.35, managers)[manager]
    error = bias[:, None] + spread[:, None] * rng.normal(size=target.shape)
    quantity = np.maximum(np.rint(target * (1 + error)), 0).astype(np.int64)

    active = (customers["status"] == "active").to_numpy()
    present = active[:, None] & (rng.random(target.shape) >= MISSING_SHARE)
    customer, month = np.nonzero(present)
    first_days = np.array([*months, following], dtype="datetime64[D]")
    return pd.DataFrame(
        {"month": first_days[month], "customer": customer, "quantity": quantity[customer, month]}
    ).sort_values(["month", "customer"], kind="stable", ignore_index=True)
