"""Writing demand forecasts (需求预测) one cell or one file at a time, for a plan. Who may
write which customer's forecast is the caller's decision (``cycle.services.plans``); these
functions only keep the data right."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from imports.table import (
    DUPLICATE_IN_FILE,
    Column,
    ImportFileError,
    RowError,
    Table,
    read_upload,
)
from imports.upsert import upsert_frame

from .models import Forecast

FORECAST_MAX = 1_000_000  # cartons a month; more is a typing mistake
PLAN_FORECAST_COLUMNS = [
    Column("customer_code", ("客户编码",), required=True),
    Column("quantity", ("预测量", "数量"), required=True),
    Column("month", ("月份",)),
]


def forecasts_save(*, month: dt.date, quantities: dict[int, int | None]) -> None:
    """Set many customers' forecasts for a month at once (customer id → cartons; None
    clears one): validated first, then one delete and one upsert."""
    bad = [q for q in quantities.values() if q is not None and not 0 <= q <= FORECAST_MAX]
    if bad:
        raise ValidationError(
            {"quantity": _("预测量须在 0 到 %(max)s 条之间。") % {"max": f"{FORECAST_MAX:,}"}}
        )
    cleared = [pk for pk, q in quantities.items() if q is None]
    Forecast.objects.filter(month=month, customer_id__in=cleared).delete()
    kept = {pk: q for pk, q in quantities.items() if q is not None}
    if kept:
        upsert_frame(
            model=Forecast,
            frame=pd.DataFrame(
                {"month": month, "customer_id": list(kept), "quantity": list(kept.values())}
            ),
            key=["customer_id", "month"],
            fields=["quantity"],
            existing=Forecast.objects.filter(month=month, customer_id__in=list(kept)),
        )


def forecasts_import(
    *, content: bytes, filename: str, month: dt.date, customer_ids_by_code: dict[str, int]
) -> tuple[int, list[RowError]]:
    """Import a file of forecasts for ``month`` limited to the given customers: all rows
    are written or none. Returns (rows written, errors). A month column, when present, must
    name ``month``."""
    try:
        table = Table(read_upload(content, filename), PLAN_FORECAST_COLUMNS)
    except ImportFileError as exc:
        return 0, [RowError(0, "", "", str(exc))]
    if len(table) == 0:
        return 0, [RowError(0, "", "", str(_("文件没有数据行。")))]
    customer_id = table.lookup(
        "customer_code", customer_ids_by_code, str(_("不是您名下的有效客户"))
    )
    table.flag(table.raw("customer_code") == "", "customer_code", str(_("必填，不能为空")))
    quantity = table.integer("quantity", required=True, minimum=0, maximum=FORECAST_MAX)
    if table.has("month"):
        months = table.month("month")
        table.flag(
            months.notna() & (months != month),
            "month",
            str(_("月份须为 %(month)s") % {"month": f"{month:%Y-%m}"}),
        )
    table.unique(["customer_code"], str(DUPLICATE_IN_FILE))
    if table.errors:
        return 0, table.sorted_errors()
    clean = pd.DataFrame({"month": month, "customer_id": customer_id, "quantity": quantity})
    with transaction.atomic():
        counts = upsert_frame(
            model=Forecast,
            frame=clean,
            key=["customer_id", "month"],
            fields=["quantity"],
            existing=Forecast.objects.filter(month=month),
        )
    return counts.created + counts.updated + counts.unchanged, []
