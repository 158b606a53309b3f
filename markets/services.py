"""Writing demand forecasts (需求预测) one cell or one file at a time, for a plan. Who may
write which customer's forecast is the caller's decision (``cycle.services.plans``); these
functions only keep the data right."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.tabular.columns import DUPLICATE_IN_FILE, Column, Table
from core.tabular.upsert import upsert_frame

from .models import CHECK_MODELS, Forecast, MarketInfo

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


def forecasts_check(
    *, rows: pd.DataFrame, month: dt.date, customer_ids_by_code: dict[str, int]
) -> tuple[dict[int, int], Table]:
    """Check the rows of a file of forecasts for ``month`` limited to the given customers
    (``core.tabular.reading.read_upload`` reads it); writes nothing. Returns customer id → cartons
    (empty unless every row is good; a row with a blank quantity is left out) and the table
    with its errors. A month column, when
    present, must name ``month``. Raises ImportFileError for a file without the columns."""
    table = Table(rows, PLAN_FORECAST_COLUMNS)
    customer_id = table.lookup(
        "customer_code", customer_ids_by_code, str(_("不是您名下的有效客户"))
    )
    table.flag(table.raw("customer_code") == "", "customer_code", str(_("必填，不能为空")))
    # a blank forecast leaves the customer's forecast as it is: the grid's own export has a
    # blank for every customer not forecast yet, and must import back unchanged
    quantity = table.integer("quantity", minimum=0, maximum=FORECAST_MAX)
    if table.has("month"):
        months = table.month("month")
        table.flag(
            months.notna() & (months != month),
            "month",
            str(_("月份须为 %(month)s") % {"month": f"{month:%Y-%m}"}),
        )
    table.unique(["customer_code"], str(DUPLICATE_IN_FILE))
    if table.errors:
        return {}, table
    return {
        int(c): int(q) for c, q in zip(customer_id, quantity, strict=True) if not pd.isna(q)
    }, table


# --- checks made on a visit ---------------------------------------------------------------

INVENTORY_MAX = 100_000  # cartons on a retailer's shelf; more is a typing mistake
PRICE_MAX = Decimal("100000")  # yuan a carton
MARKET_INFO_MAX_LENGTH = 2000


def check_record(
    *,
    kind: str,
    customer_id: int,
    sku_id: int,
    value,
    observed_at: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    by,
):
    """Record one check (``kind``: shelf, inventory or price) of a customer's SKU made on a
    visit: the check of that SKU already recorded between ``start`` and ``end`` (the visit's
    day) is replaced, so saving a field again corrects it instead of adding a second
    observation. ``value`` None deletes it. Returns the check or None."""
    model, field = CHECK_MODELS[kind]
    if value is not None:
        value = _check_value(kind, value)
    with transaction.atomic():
        same_day = model.objects.select_for_update().filter(
            customer_id=customer_id, sku_id=sku_id, observed_at__gte=start, observed_at__lt=end
        )
        existing = list(same_day)
        if value is None:
            same_day.delete()
            return None
        if existing:
            check, extra = existing[0], existing[1:]
            model.objects.filter(pk__in=[c.pk for c in extra]).delete()
            setattr(check, field, value)
            check.recorded_by = by
            check.save(update_fields=[field, "recorded_by"])
            return check
        return model.objects.create(
            customer_id=customer_id,
            sku_id=sku_id,
            observed_at=observed_at,
            recorded_by=by,
            **{field: value},
        )


def _check_value(kind: str, value):
    if kind == "shelf":
        return bool(value)
    if kind == "inventory":
        if not isinstance(value, int) or not 0 <= value <= INVENTORY_MAX:
            raise ValidationError(
                {
                    "value": _("库存须为 0 到 %(max)s 之间的整数（条）。")
                    % {"max": f"{INVENTORY_MAX:,}"}
                }
            )
        return value
    if not isinstance(value, Decimal) or not Decimal(0) < value <= PRICE_MAX:
        raise ValidationError(
            {"value": _("零售价须大于 0、不超过 %(max)s 元/条。") % {"max": PRICE_MAX}}
        )
    if value.as_tuple().exponent < -2:
        raise ValidationError({"value": _("零售价最多两位小数。")})
    return value


def market_info_record(
    *, customer_id: int, content: str, observed_at: dt.datetime, start, end, by
) -> MarketInfo | None:
    """The market information noted on a visit (one text per customer and day, replaced when
    saved again; empty deletes it)."""
    content = (content or "").strip()
    if len(content) > MARKET_INFO_MAX_LENGTH:
        raise ValidationError(
            {"content": _("市场信息最多 %(n)d 字。") % {"n": MARKET_INFO_MAX_LENGTH}}
        )
    with transaction.atomic():
        same_day = MarketInfo.objects.select_for_update().filter(
            customer_id=customer_id, observed_at__gte=start, observed_at__lt=end
        )
        existing = list(same_day)
        if not content:
            same_day.delete()
            return None
        if existing:
            info = existing[0]
            MarketInfo.objects.filter(pk__in=[i.pk for i in existing[1:]]).delete()
            info.content, info.recorded_by = content, by
            info.save(update_fields=["content", "recorded_by"])
            return info
        return MarketInfo.objects.create(
            customer_id=customer_id, content=content, observed_at=observed_at, recorded_by=by
        )
