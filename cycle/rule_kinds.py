"""The conditions a warning rule of the strategy library (策略库) can test, and what each one
means: how its threshold is compared, in which unit, and which message fields its message
template may use. The evaluation itself is in ``cycle.warning_rules``.

Message templates are rendered by plain substitution of ``{name}`` message fields with
preformatted text (never ``str.format``: templates are edited in the admin site)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    GROWTH_VS_CLASS = "growth_vs_class", _("成长指数低于同类客户")
    VOLUME_DROP = "volume_drop", _("销量环比下降")
    LARGE_CUSTOMER_FALLING = "large_customer_falling", _("大客户销量下滑")
    KEY_SKU_NOT_ON_SHELF = "key_sku_not_on_shelf", _("重点规格未上柜")
    INVENTORY_HIGH = "inventory_high", _("库存偏高")
    PRICE_ABOVE_RETAIL = "price_above_retail", _("零售价高于建议零售价")
    FORECAST_ERROR = "forecast_error", _("需求预测偏差")
    NO_VISIT = "no_visit", _("当月未拜访")


class Unit(models.TextChoices):
    """How a threshold is written in a message."""

    INDEX = "index", _("指数")  # 0.8 → "0.8"
    FRACTION = "fraction", _("比例")  # 0.2 → "20%"
    CARTONS = "cartons", _("条")  # 1000 → "1000"
    MONTHS = "months", _("月")  # 2 → "2"
    VISITS = "visits", _("次")  # 1 → "1"


@dataclass(frozen=True)
class KindSpec:
    condition: str  # what is flagged, shown in the admin site
    unit: str | None  # None: the kind has no threshold
    message_fields: tuple[str, ...]  # besides COMMON_FIELDS
    per_sku: bool = False


COMMON_FIELDS = ("customer", "code", "month", "threshold")

SPECS: dict[str, KindSpec] = {
    RuleKind.GROWTH_VS_CLASS: KindSpec(
        _(
            "（客户本月销量 ÷ 上月销量）÷（同类客户本月销量 ÷ 上月销量）< 阈值。同类客户 = "
            "同一档位段、同一经营业态的全公司有效客户（销量合计）；任一分母为 0 时不预警。"
        ),
        Unit.INDEX,
        ("volume", "volume_before", "customer_growth", "class", "class_growth", "ratio"),
    ),
    RuleKind.VOLUME_DROP: KindSpec(
        _("（上月销量 − 本月销量）÷ 上月销量 > 阈值；上月无销量时不预警。"),
        Unit.FRACTION,
        ("volume", "volume_before", "drop"),
    ),
    RuleKind.LARGE_CUSTOMER_FALLING: KindSpec(
        _("上月销量 > 阈值（条）且本月销量低于上月。"),
        Unit.CARTONS,
        ("volume", "volume_before", "change"),
    ),
    RuleKind.KEY_SKU_NOT_ON_SHELF: KindSpec(
        _("在销的重点规格，截至月末最近一次陈列检查记录为未上柜；从未检查的不预警。不使用阈值。"),
        None,
        ("sku", "checked_on"),
        per_sku=True,
    ),
    RuleKind.INVENTORY_HIGH: KindSpec(
        _(
            "逐规格：当月最近一次库存检查的库存 ÷ 该规格当月销量 > 阈值（月）；"
            "当月无该规格销量时存销比为空，不预警。"
        ),
        Unit.MONTHS,
        ("sku", "stock", "volume", "ratio"),
        per_sku=True,
    ),
    RuleKind.PRICE_ABOVE_RETAIL: KindSpec(
        _(
            "逐规格：当月最近一次零售价检查的价格高于建议零售价的比例 > 阈值；"
            "无建议零售价的不预警。"
        ),
        Unit.FRACTION,
        ("sku", "price", "retail_price", "premium"),
        per_sku=True,
    ),
    RuleKind.FORECAST_ERROR: KindSpec(
        _("|预测量 − 需求量| ÷ 需求量 > 阈值；需求量为 0 而预测量大于 0 时也预警；无预测不预警。"),
        Unit.FRACTION,
        ("forecast", "requested", "error"),
    ),
    RuleKind.NO_VISIT: KindSpec(
        _("当月有效拜访次数 < 阈值（次）。尚无拜访数据来源时本规则跳过（并说明原因），不会误报。"),
        Unit.VISITS,
        ("visits",),
    ),
}

_MESSAGE_FIELD = re.compile(r"\{(\w+)\}")


def message_fields_of(kind: str) -> tuple[str, ...]:
    spec = SPECS.get(kind)
    return COMMON_FIELDS + (spec.message_fields if spec else ())


def unknown_message_fields(kind: str, template: str) -> list[str]:
    allowed = set(message_fields_of(kind))
    return sorted({name for name in _MESSAGE_FIELD.findall(template) if name not in allowed})


def render(template: str, values: dict[str, str]) -> str:
    """``template`` with each known ``{name}`` replaced; anything else is left as written."""
    return _MESSAGE_FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def threshold_text(kind: str, threshold: Decimal | None) -> str:
    """The threshold as a message shows it: 0.2 → "20%" for a fraction, else "0.8", "1000"."""
    if threshold is None:
        return ""
    value = threshold * 100 if SPECS[kind].unit == Unit.FRACTION else threshold
    text = _plain(value)
    return f"{text}%" if SPECS[kind].unit == Unit.FRACTION else text


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")
