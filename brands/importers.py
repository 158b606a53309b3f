"""The ``skus`` import (DESIGN.md §6). Brands named in the file are created when missing.
Tar content: the imported value is kept in ``tar_mg_imported``; the current ``tar_mg``
follows it unless a brand manager has edited it."""

from decimal import Decimal

import pandas as pd

from core.change_source import importing_user
from core.tabular.columns import DUPLICATE_IN_FILE, Column, Table
from core.tabular.upsert import WriteCounts, upsert_frame

from .models import Brand, Sku, SkuStatus
from .services.changes import sku_record_import_changes

COLUMNS = [
    Column("code", ("商品编码", "卷烟编码"), required=True),
    Column("name", ("商品名称", "卷烟名称", "规格"), required=True),
    Column("brand", ("品牌",), required=True),
    Column("manufacturer", ("生产企业", "厂家")),
    Column("price_class", ("价类",)),
    Column("wholesale_price", ("批发价",)),
    Column("retail_price", ("建议零售价", "零售价")),
    Column("tar_mg", ("焦油含量", "焦油量")),
    Column("is_key_brand", ("是否重点品牌", "重点品牌")),
    Column("launch_date", ("上市日期",)),
    Column("status", ("状态",)),
]


def validate(table: Table) -> pd.DataFrame:
    clean = pd.DataFrame(
        {
            "code": table.text("code", required=True, max_length=32),
            "name": table.text("name", required=True, max_length=100),
            "brand": table.text("brand", required=True, max_length=50),
        }
    )
    if table.has("manufacturer"):
        clean["manufacturer"] = table.text("manufacturer", max_length=100)
    if table.has("price_class"):
        clean["price_class"] = table.integer("price_class", minimum=1, maximum=5)
    for column in ("wholesale_price", "retail_price"):
        if table.has(column):
            clean[column] = table.decimal(column, minimum=Decimal(0), maximum=Decimal("99999999"))
    if table.has("tar_mg"):
        clean["tar_mg_imported"] = table.decimal(
            "tar_mg", places=1, minimum=Decimal(0), maximum=Decimal("99.9")
        )
    if table.has("is_key_brand"):
        clean["is_key_brand"] = table.boolean("is_key_brand")
    if table.has("launch_date"):
        clean["launch_date"] = table.date("launch_date")
    if table.has("status"):
        clean["status"] = table.choice("status", SkuStatus).replace("", SkuStatus.ACTIVE)
    table.unique(["code"], DUPLICATE_IN_FILE)
    return clean


def write(clean: pd.DataFrame) -> WriteCounts:
    frame = clean.copy()
    names = sorted(set(frame["brand"]))
    known = set(Brand.objects.filter(name__in=names).values_list("name", flat=True))
    makers = frame.drop_duplicates("brand").set_index("brand").get("manufacturer")
    Brand.objects.bulk_create(
        [
            Brand(name=n, manufacturer="" if makers is None else makers.get(n, ""))
            for n in names
            if n not in known
        ]
    )
    frame["brand_id"] = frame.pop("brand").map(
        dict(Brand.objects.filter(name__in=names).values_list("name", "id"))
    )
    if "tar_mg_imported" in frame:
        frame["tar_mg"] = _current_tar(frame)
    fields = [c for c in frame.columns if c != "code"]
    counts = upsert_frame(
        model=Sku,
        frame=frame,
        key=["code"],
        fields=fields,
        existing=Sku.objects.all(),
        record_changes=True,
    )
    sku_record_import_changes(
        changes=counts.changes,
        names=frame.set_index("code")["name"],
        by=importing_user(),
    )
    return counts


def _current_tar(frame: pd.DataFrame) -> pd.Series:
    """The imported value, except where the current value was edited by hand."""
    old = pd.DataFrame.from_records(
        list(Sku.objects.values_list("code", "tar_mg", "tar_mg_imported")),
        columns=["code", "tar_mg", "tar_mg_imported"],
    ).set_index("code")
    current = frame["code"].map(old["tar_mg"])
    imported_before = frame["code"].map(old["tar_mg_imported"])
    edited = current.notna() & (current != imported_before)
    return frame["tar_mg_imported"].where(~edited, current)
