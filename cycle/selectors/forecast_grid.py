"""The demand-forecast grid of a plan (需求预测): each own customer with the last three
months' volumes and the forecast for the plan month."""

from __future__ import annotations

from dataclasses import dataclass

from core.months import add_months
from markets.selectors import customer_month_volumes, forecasts_of

from ..models import Cycle
from .cycles import own_customers


@dataclass
class ForecastRow:
    customer: object
    volumes: list[int]  # oldest first: M−3, M−2, M−1
    forecast: int | None
    value: object = None  # what the input shows: the forecast, or what was typed
    error: str = ""

    @property
    def average(self) -> int:
        return round(sum(self.volumes) / len(self.volumes)) if self.volumes else 0


def forecast_rows(*, cycle: Cycle) -> tuple[list, list[ForecastRow]]:
    months = [add_months(cycle.month, -k) for k in (3, 2, 1)]
    customers = list(
        own_customers(cycle).only("id", "code", "name", "tier", "trade_area").order_by("code")
    )
    ids = [c.pk for c in customers]
    volumes = customer_month_volumes(customer_ids=ids, months=months)
    forecasts = forecasts_of(customer_ids=ids, month=cycle.month)
    rows = [
        ForecastRow(c, [volumes.get((c.pk, m), 0) for m in months], forecasts.get(c.pk))
        for c in customers
    ]
    return months, rows
