"""The demand-forecast grid as an Excel sheet that goes back in through the forecast import
unchanged: the columns the import reads (客户编码, 预测量, 月份) under the exact headers it
accepts, then context the import ignores (name, tier, the last three months' volumes)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.xlsx import Column, Sheet

from .models import Cycle
from .selectors.forecast_grid import forecast_rows

# the import's column names (markets.services.PLAN_FORECAST_COLUMNS): never translated, or an
# English download would no longer import
CODE, QUANTITY, MONTH = "客户编码", "预测量", "月份"


def forecast_sheet(cycle: Cycle) -> Sheet:
    months, rows = forecast_rows(cycle=cycle)
    plan_month = f"{cycle.month:%Y-%m}"
    columns = [
        Column(CODE, 16),
        Column(QUANTITY, 10),
        Column(MONTH, 9),
        Column(_("客户名称"), 28),
        Column(_("档位"), 6),
        *(Column(_("%(month)s 销量（条）") % {"month": f"{m:%Y-%m}"}, 15) for m in months),
        Column(_("月均（条）"), 10),
    ]
    data = (
        (
            row.customer.code,
            row.forecast,
            plan_month,
            row.customer.name,
            row.customer.tier,
            *row.volumes,
            row.average,
        )
        for row in rows
    )
    return Sheet(_("需求预测"), columns, data)
