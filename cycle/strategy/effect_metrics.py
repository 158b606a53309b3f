"""The number an action is meant to move, per rule kind: the kind's primary number when
the customer was flagged (read from the stored warning's numbers) and the same number for
every customer (and SKU) a month later, recomputed through ``RuleData`` of that month with
the kind's own condition and a threshold that lets every row through — so the change exists
also for the customers that are no longer flagged. A kind without an entry here (a kind
added later) has its actions counted but no effect measured.

``better`` says which way is an improvement (+1: up, −1: down); the pages use it to say
whether an effect helped."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.rates import ratio

from .data import RuleData
from .spec import KINDS

EVERYTHING_BELOW = math.inf  # a "value < t" condition lets every number through
EVERYTHING_ABOVE = -math.inf  # a "value > t" condition lets every number through


@dataclass(frozen=True)
class Metric:
    label: str | Promise
    better: int  # +1: higher is better, −1: lower is better
    before: Callable[[dict[str, Any]], float | None]  # from the stored numbers
    after: Callable[[RuleData], pd.DataFrame]  # customer_id (sku_id), value
    per_sku: bool = False


def _number(name: str, *, absolute: bool = False) -> Callable[[dict], float | None]:
    def read(numbers: dict) -> float | None:
        value = numbers.get(name)
        if value is None:
            return None
        value = float(value)
        return abs(value) if absolute else value

    return read


def _through(kind: str, threshold: float, column: str, *, absolute: bool = False):
    """The kind's own condition with a threshold that flags every row: its ``column``."""

    def after(data: RuleData) -> pd.DataFrame:
        rows = KINDS[kind].condition(data, threshold)
        keys = ["customer_id", "sku_id"] if KINDS[kind].per_sku else ["customer_id"]
        values = pd.to_numeric(rows[column], errors="coerce").astype("float64")
        return rows[keys].assign(value=values.abs() if absolute else values)

    return after


def _large_customer_change(data: RuleData) -> pd.DataFrame:
    rows = data.indicators
    change = ratio(rows["volume"] - rows["volume_before"], rows["volume_before"])
    return rows[["customer_id"]].assign(value=np.asarray(change, dtype="float64"))


def _shelf_presence(data: RuleData) -> pd.DataFrame:
    rows = data.shelf
    return rows[["customer_id", "sku_id"]].assign(value=rows["on_shelf"].astype("float64"))


METRICS: dict[str, Metric] = {
    "growth_vs_class": Metric(
        _("相对同类成长指数"),
        1,
        _number("ratio"),
        _through("growth_vs_class", EVERYTHING_BELOW, "ratio"),
    ),
    "volume_drop": Metric(
        _("销量环比降幅"), -1, _number("drop"), _through("volume_drop", EVERYTHING_ABOVE, "drop")
    ),
    "large_customer_falling": Metric(
        _("销量环比变化"), 1, _number("change"), _large_customer_change
    ),
    "key_sku_not_on_shelf": Metric(
        _("重点规格上柜（1 上柜，0 未上柜）"), 1, lambda numbers: 0.0, _shelf_presence, per_sku=True
    ),
    "inventory_high": Metric(
        _("存销比"),
        -1,
        _number("ratio"),
        _through("inventory_high", EVERYTHING_ABOVE, "ratio"),
        per_sku=True,
    ),
    "price_above_retail": Metric(
        _("零售价高于建议零售价的比例"),
        -1,
        _number("premium"),
        _through("price_above_retail", EVERYTHING_ABOVE, "premium"),
        per_sku=True,
    ),
    "forecast_error": Metric(
        _("需求预测偏差（绝对值）"),
        -1,
        _number("error", absolute=True),
        _through("forecast_error", EVERYTHING_ABOVE, "error", absolute=True),
    ),
    "no_visit": Metric(
        _("有效拜访次数"), 1, _number("visits"), _through("no_visit", EVERYTHING_BELOW, "visits")
    ),
}


def metric_of(kind: str) -> Metric | None:
    return METRICS.get(kind)
