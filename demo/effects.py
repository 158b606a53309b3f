"""Action effects in the demo (issue #17): in the previous month's plan, the warning rules'
standard actions on the customers the analysis flagged, some done, so that after seed_demo
the strategy library, the evaluation page and the customer page show measured effects —
one real, one none:

- 客户预警（成长低于同类）→ 走访分析: about half of the customers whose growth index fell
  below 0.8 in the month before get the visit done, and it works: their orders of the month
  are lifted by ``LIFT`` (the growth index rises by about that much more than the others');
- 预测偏差 → 复核需求预测: about half of the customers with a forecast error over 30 % get
  the review done, and nothing in the data responds to it (the demo's forecasts do not
  learn from it); the hand-picked actions of ``demo.execution`` (指导上柜陈列 on the key SKUs
  not on the shelf, …) likewise.

The flags are recomputed here from the generated volumes and forecasts with the rules'
thresholds (0.8 and 30 %), the same way the rules do; a customer picked here that the stored
warnings do not flag (rounding) just does not count. Everything is vectorised; the actions
are written in one bulk load."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.conf import settings

from customers.models import TIER_BANDS
from cycle.models import Cycle, MarketingAction, StandardAction, WarningRule

from . import load

LIFT = 0.25  # the visit's effect on the month's orders
DONE_SHARE = 0.5  # of the flagged customers: the action done
PLANNED_SHARE = 0.2  # planned, not done
GROWTH_THRESHOLD = 0.8
FORECAST_THRESHOLD = 0.3
# rule code, standard action code
PAIRS = {
    "growth": ("growth_vs_class", "visit_analyse"),
    "forecast": ("forecast_error", "review_forecast"),
}

_BAND = np.full(31, "", dtype=object)
for _code, _low, _high, _label in TIER_BANDS:
    _BAND[_low : _high + 1] = _code


def customer_class(customers: pd.DataFrame) -> np.ndarray:
    band = _BAND[np.clip(customers["tier"].to_numpy(dtype=int), 0, 30)]
    return (band + "|" + customers["business_format"].to_numpy(dtype=object)).astype(str)


def growth_flags(customers: pd.DataFrame, before: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    """Active customers whose growth (flagged month ÷ the month before) ÷ their class's is
    below the threshold."""
    active = (customers["status"] == "active").to_numpy()
    classes = customer_class(customers)
    _labels, class_of = np.unique(classes, return_inverse=True)
    sums_now = np.bincount(class_of, weights=np.where(active, flagged, 0))
    sums_before = np.bincount(class_of, weights=np.where(active, before, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(before > 0, flagged / before, np.nan)
        cls = np.where(sums_before > 0, sums_now / sums_before, np.nan)[class_of]
        index = np.where(cls > 0, own / cls, np.nan)
    return active & (index < GROWTH_THRESHOLD)


def pick(flags: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The flagged customers with the action done, and those with it only planned."""
    draw = rng.random(len(flags))
    done = flags & (draw < DONE_SHARE)
    planned = flags & (draw >= DONE_SHARE) & (draw < DONE_SHARE + PLANNED_SHARE)
    return done, planned


def lift_lines(frame: pd.DataFrame, treated: np.ndarray) -> pd.DataFrame:
    """The month's order lines with the treated customers' quantities lifted."""
    served = treated[frame["customer"].to_numpy()]
    factor = np.where(served, 1 + LIFT, 1.0)
    out = frame.copy()
    for column in ("quantity", "requested", "amount_cents"):
        out[column] = np.rint(frame[column].to_numpy() * factor).astype(np.int64)
    return out


def forecast_flags(
    customers: pd.DataFrame, forecasts: pd.DataFrame, requested: np.ndarray, month: dt.date
) -> np.ndarray:
    """Active customers whose forecast of ``month`` missed the requested quantity by more
    than the threshold (or forecast something when nothing was requested)."""
    flags = np.zeros(len(customers), dtype=bool)
    rows = forecasts[forecasts["month"] == np.datetime64(month, "D")]
    customer = rows["customer"].to_numpy()
    forecast = rows["quantity"].to_numpy(dtype=float)
    asked = requested[customer].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        error = np.where(asked > 0, np.abs(forecast - asked) / asked, np.nan)
    flags[customer] = (error > FORECAST_THRESHOLD) | ((asked == 0) & (forecast > 0))
    return flags & (customers["status"] == "active").to_numpy()


def write_effect_actions(
    *,
    month: dt.date,
    chosen: dict[str, tuple[np.ndarray, np.ndarray]],
    cust_ids: np.ndarray,
    owner_ids: np.ndarray,
    rng: np.random.Generator,
) -> int:
    """The rules' actions in ``month``'s plans: done ones on a working day of the month at
    the customer's visit hour, the others planned (☆)."""
    cycles = dict(Cycle.objects.filter(month=month).values_list("manager_id", "pk"))
    rules = dict(WarningRule.objects.values_list("code", "pk"))
    actions = dict(StandardAction.objects.values_list("code", "pk"))
    names = dict(StandardAction.objects.values_list("code", "name"))
    frames = []
    days = np.arange(np.datetime64(month, "D"), np.datetime64(month, "D") + np.timedelta64(20, "D"))
    local_offset = np.timedelta64(8 if settings.TIME_ZONE == "Asia/Shanghai" else 0, "h")
    for key, (done, planned) in chosen.items():
        rule_code, action_code = PAIRS[key]
        if rule_code not in rules or action_code not in actions:
            continue  # the strategy library was edited: nothing to attach
        customer = np.flatnonzero(done | planned)
        managers = owner_ids[customer]
        cycle = np.array([cycles.get(int(m), 0) for m in managers], dtype=np.int64)
        keep = cycle > 0
        customer, managers, cycle = customer[keep], managers[keep], cycle[keep]
        is_done = done[customer]
        when = (
            days[rng.integers(0, len(days), len(customer))].astype("datetime64[s]")
            + np.timedelta64(10, "h")
            - local_offset
        )
        frames.append(
            pd.DataFrame(
                {
                    "cycle_id": cycle,
                    "customer_id": cust_ids[customer],
                    "source": "warning",
                    "key": f"w:{rule_code}:",
                    "text": names[action_code],
                    "detail": "",
                    "standard_action_id": actions[action_code],
                    "rule_id": rules[rule_code],
                    "temporary": False,
                    "done_at": np.where(is_done, when, np.datetime64("NaT", "s")),
                    "removed_reason": "",
                    "created_by_id": managers,
                    "created_at": np.full(
                        len(customer), np.datetime64(month, "s") - np.timedelta64(5, "D")
                    ),
                }
            )
        )
    if not frames:
        return 0
    return load.write_rows(
        MarketingAction,
        frames,
        times=("done_at", "created_at"),
        blank=("key", "detail", "removed_reason"),
    )
