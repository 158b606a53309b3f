"""The ``customers`` import (DESIGN.md §6). Optional columns absent from the file leave
those fields of existing customers as they are."""

from decimal import Decimal

import pandas as pd
from django.utils.translation import gettext as _

from accounts.selectors import customer_manager_ids_by_username
from core.change_source import importing_user
from core.tabular.columns import DUPLICATE_IN_FILE, Column, Table
from core.tabular.upsert import WriteCounts, upsert_frame

from .models import (
    BusinessFormat,
    Customer,
    CustomerStatus,
    MarketType,
    VisitFrequency,
    VisitMethod,
)
from .services import customer_record_import_changes

COLUMNS = [
    Column("code", ("客户编码",), required=True),
    Column("name", ("客户名称", "名称"), required=True),
    Column("manager", ("客户经理",), required=True),
    Column("license_no", ("许可证号",)),
    Column("address", ("地址", "经营地址")),
    Column("phone", ("电话", "联系电话")),
    Column("business_format", ("经营业态", "业态")),
    Column("tier", ("档位",)),
    Column("market_type", ("市场类型",)),
    Column("trade_area", ("商圈",)),
    Column("visit_method", ("拜访方式",), required=True),
    Column("visit_frequency", ("拜访频率",)),
    Column("status", ("状态",), required=True),
    Column("latitude", ("纬度",)),
    Column("longitude", ("经度",)),
]

_TEXT = {"license_no": 32, "address": 200, "phone": 32, "trade_area": 50}
_CHOICES = {
    "business_format": BusinessFormat,
    "market_type": MarketType,
    "visit_frequency": VisitFrequency,
}


def validate(table: Table) -> pd.DataFrame:
    clean = pd.DataFrame(
        {
            "code": table.text("code", required=True, max_length=32),
            "name": table.text("name", required=True, max_length=100),
            "manager_id": table.lookup(
                "manager",
                customer_manager_ids_by_username(),
                _("未知的客户经理用户名（或该用户不是客户经理）"),
            ),
            "visit_method": table.choice("visit_method", VisitMethod, required=True),
            "status": table.choice("status", CustomerStatus, required=True),
        }
    )
    table.flag(table.raw("manager") == "", "manager", _("必填，不能为空"))
    for column, length in _TEXT.items():
        if table.has(column):
            clean[column] = table.text(column, max_length=length)
    for column, choices in _CHOICES.items():
        if table.has(column):
            clean[column] = table.choice(column, choices)
    if table.has("tier"):
        clean["tier"] = table.integer("tier", minimum=1, maximum=30)
    for column, limit in (("latitude", 90), ("longitude", 180)):
        if table.has(column):
            clean[column] = table.decimal(
                column, places=6, minimum=Decimal(-limit), maximum=Decimal(limit)
            )
    table.unique(["code"], DUPLICATE_IN_FILE)
    if "license_no" in clean:
        _check_license_numbers(table, clean)
    return clean


def _check_license_numbers(table: Table, clean: pd.DataFrame) -> None:
    licensed = clean[clean["license_no"] != ""]
    table.flag(
        licensed.duplicated("license_no", keep="first").reindex(clean.index, fill_value=False),
        "license_no",
        _("许可证号在文件中重复"),
    )
    taken = dict(
        Customer.objects.exclude(license_no="")
        .filter(license_no__in=list(licensed["license_no"]))
        .values_list("license_no", "code")
    )
    owner = clean["license_no"].map(taken)
    table.flag(
        owner.notna() & (owner != clean["code"]),
        "license_no",
        _("许可证号已属于其他客户"),
    )


def write(clean: pd.DataFrame) -> WriteCounts:
    fields = [c for c in clean.columns if c != "code"]
    counts = upsert_frame(
        model=Customer,
        frame=clean,
        key=["code"],
        fields=fields,
        existing=Customer.objects.all(),
        record_changes=True,
    )
    customer_record_import_changes(changes=counts.changes, by=importing_user())
    return counts
