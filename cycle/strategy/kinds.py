"""The kinds of warning rule (预警条件) the strategy library offers, one spec each.

To add a kind, add one ``@rule_kind(...)`` condition here (or in any module imported at the
end of this one): its code and label become a choice of ``WarningRule.kind`` (then run
``makemigrations cycle``: the choices are part of the field), and the engine evaluates it for
every active rule of that kind. A condition takes the data (``data.RuleData``) and the
threshold as a float (None when the kind has none) and returns the flagged rows:
``customer_id`` (and ``sku_id`` for a per-SKU kind) with the columns named in ``numbers``.
It may raise ``RuleSkipped`` to skip its rules with a reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.rates import ratio

from .spec import EPSILON, KINDS, RuleSkipped, Unit, rule_kind
from .texts import as_is, customer_class, fixed, money, percent, whole
from .visit_source import visit_source, visits_in


@rule_kind(
    code="growth_vs_class",
    label=_("成长指数低于同类客户"),
    description=_(
        "（客户本月销量 ÷ 上月销量）÷（同类客户本月销量 ÷ 上月销量）< 阈值。同类客户 = "
        "同一档位段、同一经营业态的全公司有效客户（销量合计）；任一分母为 0 时不预警。"
    ),
    unit=Unit.INDEX,
    numbers=(
        "volume",
        "volume_before",
        "customer_growth",
        "class_volume",
        "class_volume_before",
        "class_growth",
        "ratio",
        "class_customers",
        "tier_band",
        "business_format",
    ),
    texts={
        "volume": whole("volume"),
        "volume_before": whole("volume_before"),
        "customer_growth": fixed("customer_growth"),
        "class": customer_class,
        "class_growth": fixed("class_growth"),
        "ratio": fixed("ratio", apart=True),
    },
    company_wide=True,
)
def growth_vs_class(data, t):
    rows = data.company
    classed = rows[(rows["band"] != "") & (rows["business_format"] != "")]
    classes = classed.groupby(["band", "business_format"], as_index=False).agg(
        class_volume=("volume", "sum"),
        class_volume_before=("volume_before", "sum"),
        class_customers=("customer_id", "size"),
    )
    mine = classed[classed["customer_id"].isin(data.ids)].merge(
        classes, on=["band", "business_format"], how="left"
    )
    mine["customer_growth"] = ratio(mine["volume"], mine["volume_before"])
    mine["class_growth"] = ratio(mine["class_volume"], mine["class_volume_before"])
    mine["ratio"] = ratio(mine["customer_growth"], mine["class_growth"])
    mine = mine.rename(columns={"band": "tier_band"})
    return mine[mine["ratio"] < t - EPSILON]


@rule_kind(
    code="volume_drop",
    label=_("销量环比下降"),
    description=_("（上月销量 − 本月销量）÷ 上月销量 > 阈值；上月无销量时不预警。"),
    unit=Unit.FRACTION,
    numbers=("volume", "volume_before", "drop"),
    texts={
        "volume": whole("volume"),
        "volume_before": whole("volume_before"),
        "drop": percent("drop", apart=True),
    },
)
def volume_drop(data, t):
    rows = data.indicators.copy()
    rows["drop"] = ratio(rows["volume_before"] - rows["volume"], rows["volume_before"])
    return rows[rows["drop"] > t + EPSILON]


@rule_kind(
    code="large_customer_falling",
    label=_("大客户销量下滑"),
    description=_("上月销量 > 阈值（条）且本月销量低于上月。"),
    unit=Unit.CARTONS,
    numbers=("volume", "volume_before", "change"),
    texts={
        "volume": whole("volume"),
        "volume_before": whole("volume_before"),
        "change": percent("change", sign=True),
    },
)
def large_customer_falling(data, t):
    rows = data.indicators.copy()
    rows["change"] = ratio(rows["volume"] - rows["volume_before"], rows["volume_before"])
    return rows[(rows["volume_before"] > t + EPSILON) & (rows["volume"] < rows["volume_before"])]


@rule_kind(
    code="key_sku_not_on_shelf",
    label=_("重点规格未上柜"),
    description=_(
        "在销的重点规格，截至月末最近一次陈列检查记录为未上柜；从未检查的不预警。不使用阈值。"
    ),
    unit=None,
    numbers=("checked_on",),
    texts={"checked_on": as_is("checked_on")},
    per_sku=True,
)
def key_sku_not_on_shelf(data, t):
    rows = data.shelf[~data.shelf["on_shelf"]].copy()
    local = pd.to_datetime(rows["observed_at"], utc=True).dt.tz_convert(settings.TIME_ZONE)
    rows["checked_on"] = local.dt.strftime("%Y-%m-%d").astype(object)
    return rows


@rule_kind(
    code="inventory_high",
    label=_("库存偏高"),
    description=_(
        "逐规格：当月最近一次库存检查的库存 ÷ 该规格当月销量 > 阈值（月）；"
        "当月无该规格销量时存销比为空，不预警。"
    ),
    unit=Unit.MONTHS,
    numbers=("stock", "volume", "ratio"),
    texts={
        "stock": whole("stock"),
        "volume": whole("volume"),
        "ratio": fixed("ratio", apart=True),
    },
    per_sku=True,
)
def inventory_high(data, t):
    stock = data.inventory
    if stock.empty:
        return stock
    volumes = data.sku_volumes(stock[["customer_id", "sku_id"]].drop_duplicates())
    rows = stock.merge(volumes, on=["customer_id", "sku_id"], how="left")
    rows["volume"] = rows["volume"].fillna(0).astype("int64")
    rows["ratio"] = ratio(rows["stock"], rows["volume"])
    return rows[rows["ratio"] > t + EPSILON]


@rule_kind(
    code="price_above_retail",
    label=_("零售价高于建议零售价"),
    description=_(
        "逐规格：当月最近一次零售价检查的价格高于建议零售价的比例 > 阈值；无建议零售价的不预警。"
    ),
    unit=Unit.FRACTION,
    numbers=("price", "retail_price", "premium"),
    texts={
        "price": money("price"),
        "retail_price": money("retail_price"),
        "premium": percent("premium", apart=True),
    },
    per_sku=True,
)
def price_above_retail(data, t):
    rows = data.prices.merge(data.skus[["sku_id", "retail_price"]], on="sku_id")
    rows["premium"] = ratio(rows["price"] - rows["retail_price"], rows["retail_price"])
    return rows[rows["premium"] > t + EPSILON]


@rule_kind(
    code="forecast_error",
    label=_("需求预测偏差"),
    description=_(
        "|预测量 − 需求量| ÷ 需求量 > 阈值；需求量为 0 而预测量大于 0 时也预警；无预测不预警。"
    ),
    unit=Unit.FRACTION,
    numbers=("forecast", "requested", "error"),
    texts={
        "forecast": whole("forecast"),
        "requested": whole("requested"),
        "error": percent("error", apart=True, sign=True),
    },
)
def forecast_error(data, t):
    rows = data.indicators.copy()
    forecast = rows["forecast"].to_numpy(dtype="float64", na_value=np.nan)
    requested = rows["requested"].to_numpy()
    rows["error"] = ratio(forecast - requested, requested, where=~np.isnan(forecast))
    beyond = np.abs(rows["error"].to_numpy()) > t + EPSILON
    unasked = (requested == 0) & (forecast > 0)  # NaN > 0 is False
    return rows[beyond | unasked]


@rule_kind(
    code="no_visit",
    label=_("当月未拜访"),
    description=_(
        "当月有效拜访次数 < 阈值（次）。尚无拜访数据来源时本规则跳过（并说明原因），不会误报。"
    ),
    unit=Unit.VISITS,
    numbers=("visits",),
    texts={"visits": whole("visits")},
)
def no_visit(data, t):
    source = visit_source()
    if source is None:
        # never "nobody was visited": that would flag every customer
        raise RuleSkipped(
            _(
                "尚无拜访记录数据：拜访功能上线（提供拜访数据来源）后本规则自动生效；"
                "在此之前跳过，以免把所有客户都判为未拜访。"
            )
        )
    rows = data.customers[["customer_id"]].copy()
    visits = visits_in(source, customer_ids=rows["customer_id"].tolist(), month=data.month)
    rows["visits"] = rows["customer_id"].map(visits).fillna(0).astype("int64")
    return rows[rows["visits"] < t - EPSILON]


@rule_kind(
    code="dissatisfied",
    label=_("客户不满意"),
    description=_(
        "客户最近一次满意度评价（本月末之前 12 个月内作答）中任一维度评分 ≤ 阈值（分）；"
        "没有评价的客户不预警。"
    ),
    unit=Unit.SCORE,
    numbers=("lowest", "dimensions", "answered_on"),
    texts={
        "lowest": whole("lowest"),
        "dimensions": as_is("dimensions"),
        "answered_on": as_is("answered_on"),
    },
)
def dissatisfied(data, t):
    return data.low_satisfaction(t)


# The choices of ``WarningRule.kind``: the kinds registered above, in this order.
RuleKind = models.TextChoices(
    "RuleKind", [(code.upper(), (code, spec.label)) for code, spec in KINDS.items()]
)
