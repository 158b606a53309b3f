"""The blank workbook offered for each import kind: the kind's columns under their Chinese
headers, one example row, and a second sheet "说明" saying which columns are required and
which values a choice column takes. The example rows reference one another (the order and
the forecast name the customer and SKU of those templates; the customer's manager and the
user's team are the demo's cm01 and T01) so that a new installation can try them in order."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role
from brands.models import SkuStatus
from core.tabular.columns import Column
from core.xlsx import Column as XlsxColumn
from core.xlsx import Sheet, workbook_bytes
from customers.models import (
    BusinessFormat,
    CustomerStatus,
    MarketType,
    VisitFrequency,
    VisitMethod,
)

from .models import ImportKind
from .registry import IMPORTERS

EXAMPLE_CUSTOMER = "620102900001"
EXAMPLE_SKU = "6901028999999"
EXAMPLE_MANAGER = "cm01"
EXAMPLE_TEAM = "T01"

# kind → column name → the example row's value (what a user would type in Excel)
EXAMPLES: dict[str, dict[str, object]] = {
    "users": {
        "username": "cm99",
        "name": "张三",
        "role": "客户经理",
        "team": EXAMPLE_TEAM,
        "email": "cm99@example.com",
    },
    "customers": {
        "code": EXAMPLE_CUSTOMER,
        "name": "示例便利店",
        "manager": EXAMPLE_MANAGER,
        # the demo's licence serials start at 100000: this one cannot belong to another shop
        "license_no": "620102000001",
        "address": "城关区示例路1号",
        "phone": "13800000000",
        "business_format": "便利店",
        "tier": 12,
        "market_type": "城网",
        "trade_area": "火车站商圈",
        "visit_method": "实地拜访",
        "visit_frequency": "每周",
        "status": "有效",
        "latitude": 36.058,
        "longitude": 103.834,
    },
    "skus": {
        "code": EXAMPLE_SKU,
        "name": "中华(示例)",
        "brand": "中华",
        "manufacturer": "上海烟草集团",
        "price_class": 1,
        "wholesale_price": 450,
        "retail_price": 500,
        "tar_mg": 11,
        "is_key_brand": "是",
        "launch_date": "2026-01-01",
        "status": "在销",
    },
    "orders": {
        "order_date": "2026-03-02",
        "customer_code": EXAMPLE_CUSTOMER,
        "sku_code": EXAMPLE_SKU,
        "quantity": 10,
        "requested_quantity": 12,
        "amount": 4500,
    },
    "forecasts": {
        "month": "2026-03",
        "customer_code": EXAMPLE_CUSTOMER,
        "quantity": 20,
    },
    "satisfaction": {
        "survey_date": "2026-03-15",
        "customer_code": EXAMPLE_CUSTOMER,
        "dimension": "总体满意",
        "score": 5,
    },
}

# (kind, column) → the choices a cell may name, by code or by Chinese label
CHOICES = {
    ("users", "role"): Role,
    ("customers", "business_format"): BusinessFormat,
    ("customers", "market_type"): MarketType,
    ("customers", "visit_method"): VisitMethod,
    ("customers", "visit_frequency"): VisitFrequency,
    ("customers", "status"): CustomerStatus,
    ("skus", "status"): SkuStatus,
}


def header(column: Column) -> str:
    """The Chinese header a template uses: the column's first alias."""
    return column.aliases[0] if column.aliases else column.name


def allowed_values(kind: str, column: Column) -> str:
    choices = CHOICES.get((kind, column.name))
    if choices is None:
        return FORMATS.get(column.name, "")
    # the labels are the Chinese source text whatever the page's language
    with translation.override("zh-hans"):
        return "、".join(f"{label}（{value}）" for value, label in choices.choices)


FORMATS = {
    "order_date": "YYYY-MM-DD",
    "launch_date": "YYYY-MM-DD",
    "month": "YYYY-MM",
    "survey_date": "YYYY-MM-DD",
    "dimension": (
        "货源供应、品牌与价格、客户经理服务、配送、订货便利、总体满意（或后台定义的维度编码）"
    ),
    "score": "1–5",
    "is_key_brand": "是 / 否",
    "tier": "1–30",
    "price_class": "1–5",
}


def _how_to() -> str:
    return _(
        "第一张表为数据，第一行为列名；示例行可删改。"
        "示例中引用的客户、单品、客户经理和团队须已存在。"
    )


def template_filename(kind: str) -> str:
    return _("导入模板-%(kind)s.xlsx") % {"kind": ImportKind(kind).label}


def template_workbook(kind: str) -> bytes:
    """The template of ``kind`` (a key of IMPORTERS) as .xlsx bytes."""
    columns = IMPORTERS[kind].columns
    example = EXAMPLES[kind]
    data = Sheet(
        title=_("数据"),
        columns=[XlsxColumn(header(c), width=max(12, 2.2 * len(header(c)) + 4)) for c in columns],
        rows=[[example.get(c.name, "") for c in columns]],
    )
    notes = Sheet(
        title=_("说明"),
        columns=[
            XlsxColumn(_("列名"), width=16),
            XlsxColumn(_("英文列名"), width=20),
            XlsxColumn(_("也可用的列名"), width=24),
            XlsxColumn(_("必填"), width=8),
            XlsxColumn(_("可选值或格式"), width=60),
        ],
        rows=[
            [
                header(c),
                c.name,
                "、".join(c.aliases[1:]),
                _("是") if c.required else "",
                allowed_values(kind, c),
            ]
            for c in columns
        ]
        + [[_how_to()]],
    )
    return workbook_bytes([data, notes])
