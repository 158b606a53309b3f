"""The ``orders`` and ``forecasts`` imports (DESIGN.md §6). On PostgreSQL, orders take the
COPY path in ``order_copy.py``; this module is the portable path and the shared contract."""

import datetime as dt
from decimal import Decimal

import pandas as pd
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brands.selectors import sku_prices_by_code
from core.tabular.columns import DUPLICATE_IN_FILE, Column, Table
from core.tabular.upsert import WriteCounts, upsert_frame
from customers.selectors import customer_ids_by_code

from .models import Forecast, OrderLine
from .partitions import next_month

ORDER_COLUMNS = [
    Column("order_date", ("订单日期", "日期"), required=True),
    Column("customer_code", ("客户编码",), required=True),
    Column("sku_code", ("商品编码", "卷烟编码"), required=True),
    Column("quantity", ("数量", "到货量", "实际到货量"), required=True),
    Column("requested_quantity", ("需求量", "订货需求量")),
    Column("amount", ("金额",)),
]
FORECAST_COLUMNS = [
    Column("month", ("月份",), required=True),
    Column("customer_code", ("客户编码",), required=True),
    Column("quantity", ("预测量", "数量"), required=True),
]

UNKNOWN_CUSTOMER = gettext_lazy("未知的客户编码")
UNKNOWN_SKU = gettext_lazy("未知的商品编码")
NO_PRICE = gettext_lazy("未填金额，且该单品没有批发价")


def validate_orders(table: Table) -> pd.DataFrame:
    prices = sku_prices_by_code()
    sku = table.lookup("sku_code", {c: v[0] for c, v in prices.items()}, str(UNKNOWN_SKU))
    clean = pd.DataFrame(
        {
            "order_date": table.date("order_date", required=True),
            "customer_id": table.lookup(
                "customer_code", customer_ids_by_code(), str(UNKNOWN_CUSTOMER)
            ),
            "sku_id": sku,
            "quantity": table.integer("quantity", required=True, minimum=0),
        }
    )
    for column in ("customer_code", "sku_code"):
        table.flag(table.raw(column) == "", column, _("必填，不能为空"))
    requested = table.integer("requested_quantity", minimum=0)
    clean["requested_quantity"] = requested.fillna(clean["quantity"])
    amount = table.decimal("amount", minimum=Decimal(0), maximum=Decimal("999999999999"))
    wholesale = table.raw("sku_code").map({c: v[1] for c, v in prices.items()})
    default_amount = [
        (Decimal(int(q)) * p).quantize(Decimal("0.01"))
        if isinstance(p, Decimal) and q is not pd.NA
        else None
        for q, p in zip(clean["quantity"], wholesale, strict=True)
    ]
    clean["amount"] = amount.where(amount.notna(), pd.Series(default_amount, index=clean.index))
    table.flag(
        clean["amount"].isna() & sku.notna() & clean["quantity"].notna(),
        "amount",
        str(NO_PRICE),
        values=table.raw("sku_code"),
    )
    table.unique(["order_date", "customer_code", "sku_code"], DUPLICATE_IN_FILE)
    return clean


def write_orders(clean: pd.DataFrame, *, replace_months: bool = False) -> WriteCounts:
    """Upsert by natural key; ``replace_months``: the file's months are emptied first, so
    they end up holding the file's lines only, all counted as created (as on PostgreSQL,
    where the month's partition is swapped for one built from the file)."""
    dates = clean["order_date"]
    if replace_months:
        in_months = Q()
        for month in {dt.date(d.year, d.month, 1) for d in dates}:
            in_months |= Q(order_date__gte=month, order_date__lt=next_month(month))
        OrderLine.objects.filter(in_months)._raw_delete(OrderLine.objects.db)
    return upsert_frame(
        model=OrderLine,
        frame=clean,
        key=["order_date", "customer_id", "sku_id"],
        fields=["quantity", "requested_quantity", "amount"],
        existing=OrderLine.objects.filter(order_date__range=(dates.min(), dates.max())),
    )


def validate_forecasts(table: Table) -> pd.DataFrame:
    clean = pd.DataFrame(
        {
            "month": table.month("month", required=True),
            "customer_id": table.lookup(
                "customer_code", customer_ids_by_code(), str(UNKNOWN_CUSTOMER)
            ),
            "quantity": table.integer("quantity", required=True, minimum=0),
        }
    )
    table.flag(table.raw("customer_code") == "", "customer_code", _("必填，不能为空"))
    table.unique(["month", "customer_code"], DUPLICATE_IN_FILE)
    return clean


def write_forecasts(clean: pd.DataFrame) -> WriteCounts:
    return upsert_frame(
        model=Forecast,
        frame=clean,
        key=["customer_id", "month"],
        fields=["quantity"],
        existing=Forecast.objects.filter(month__in=sorted(set(clean["month"]))),
    )
