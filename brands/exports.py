"""The catalogue as Excel workbooks: the SKU list (卷烟规格) with the page's filters and the
brand list (品牌) with its search. Chinese headers, numbers as numbers, written by core.xlsx
(frozen header, autofilter, text made safe)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.xlsx import DATE, Column, Sheet, workbook_bytes

from .models import SkuStatus

MONEY = "0.00"
TAR = "0.0"


def sku_workbook(rows) -> bytes:
    """``rows``: ``selectors.sku_export_rows``."""
    statuses = {value: str(label) for value, label in SkuStatus.choices}
    columns = [
        Column(_("商品编码"), 16),
        Column(_("商品名称"), 24),
        Column(_("品牌"), 14),
        Column(_("生产企业"), 22),
        Column(_("价类"), 6),
        Column(_("批发价（元/条）"), 14, MONEY),
        Column(_("建议零售价（元/条）"), 18, MONEY),
        Column(_("焦油含量（mg）"), 14, TAR),
        Column(_("导入的焦油含量（mg）"), 20, TAR),
        Column(_("重点品牌"), 9),
        Column(_("上市日期"), 12, DATE),
        Column(_("状态"), 7),
        Column(_("品类"), 30),
    ]
    yes, no = _("是"), _("否")
    data = (
        [
            row.code,
            row.name,
            row.brand,
            row.manufacturer,
            row.price_class,
            row.wholesale_price,
            row.retail_price,
            row.tar_mg,
            row.tar_mg_imported,
            yes if row.is_key_brand else no,
            row.launch_date,
            statuses.get(row.status, row.status),
            row.category_path,
        ]
        for row in rows
    )
    return workbook_bytes([Sheet(_("卷烟规格"), columns, data)])


def brand_workbook(brands) -> bytes:
    """``brands``: ``selectors.brand_list`` (with its counts)."""
    columns = [
        Column(_("品牌"), 18),
        Column(_("生产企业"), 26),
        Column(_("单品数"), 9),
        Column(_("重点单品数"), 12),
        Column(_("在销单品数"), 12),
    ]
    data = (
        [b.name, b.manufacturer, b.sku_total, b.sku_key, b.sku_active] for b in brands.iterator()
    )
    return workbook_bytes([Sheet(_("品牌"), columns, data)])


def dated(name: str) -> str:
    """``name_YYYY-MM-DD.xlsx`` in local time."""
    return f"{name}_{timezone.localdate():%Y-%m-%d}.xlsx"
