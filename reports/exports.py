"""Exporting stored indicators (DESIGN.md §6 ``export_indicators``): brand rows per SKU and per
brand, customer rows, customer-manager rows, for the company, a team or one manager.

Rates are written as decimals rounded half-up to 4 places, empty rates as empty cells; money
with 2 decimals. CSV is UTF-8 with a BOM so that Excel shows the Chinese names; xlsx is
written with openpyxl (numbers stay numbers). Those files keep the command's English column
names: programs read them by name. The analysis page's xlsx download (``write_page_xlsx``)
has the same rows for people: Chinese headers, rates as percentages, states in words."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from core.export_jobs import ExportRefused
from core.spreadsheet_text import spreadsheet_value
from core.xlsx import CHUNK, PERCENT, Column, Sheet, write_workbook

from .models import (
    CustomerIndicator,
    IndicatorRun,
    ManagerIndicator,
    ObjectType,
    RunStatus,
    ScopeIndicator,
    ScopeType,
    SupplyState,
)

KINDS = ["brand", "customer", "manager", "category"]
FORMATS = ["csv", "xlsx"]
RATE_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")

BRAND_COLUMNS = [
    "month",
    "scope",
    "object_type",
    "object_code",
    "object_name",
    "customers",
    "ordering_customers",
    "coverage_rate",
    "shelf_rate",
    "repurchase_rate",
    "volume",
    "volume_growth_mom",
    "volume_growth_yoy",
    "amount",
    "avg_price",
    "share",
    "share_growth",
    "requested",
    "supply_satisfaction",
    "supply_state",
    "price_index",
    "inventory_to_sales",
]
CUSTOMER_COLUMNS = [
    "month",
    "scope",
    "customer_code",
    "customer_name",
    "manager",
    "volume",
    "amount",
    "order_days",
    "distinct_skus",
    "key_skus_ordered",
    "avg_price",
    "volume_change_mom",
    "forecast",
    "requested",
    "forecast_error",
    "inventory_to_sales",
    "visits_done",
    "actions_done",
    # issue #16, at the end: the columns before keep their places and meaning
    "gross_profit",
    "gross_profit_change_mom",
]
MANAGER_COLUMNS = [
    "month",
    "scope",
    "username",
    "name",
    "team",
    "customers",
    "volume",
    "volume_growth_mom",
    "forecast_accuracy",
    "forecast_bias",
    "forecast_coverage",
    "actions_planned",
    "actions_done",
    "completion_rate",
    "visits_planned",
    "visits_done",
    # issue #16, at the end
    "gross_profit",
    "profit_grew_share",
]
RATES = {
    "coverage_rate",
    "shelf_rate",
    "repurchase_rate",
    "volume_growth_mom",
    "volume_growth_yoy",
    "share",
    "share_growth",
    "supply_satisfaction",
    "price_index",
    "inventory_to_sales",
    "volume_change_mom",
    "forecast_error",
    "forecast_accuracy",
    "forecast_bias",
    "forecast_coverage",
    "completion_rate",
    "gross_profit_change_mom",
    "profit_grew_share",
}
MONEY = {"amount", "avg_price", "gross_profit"}


class ExportError(ExportRefused):
    """A bad scope, or a month that was not computed: the message says which."""


@dataclass(frozen=True)
class Scope:
    scope_type: str
    key: str = ""

    @property
    def label(self) -> str:
        return self.scope_type if not self.key else f"{self.scope_type}:{self.key}"


def parse_scope(text: str) -> Scope:
    """'company', 'team:CODE' or 'manager:USERNAME' (the team or user must exist)."""
    text = (text or "company").strip()
    if text == ScopeType.COMPANY:
        return Scope(ScopeType.COMPANY.value)
    kind, _sep, key = text.partition(":")
    key = key.strip()
    if kind == ScopeType.TEAM and key:
        if not Team.objects.filter(code=key).exists():
            raise ExportError(_("没有编码为 %(code)s 的团队。") % {"code": key})
        return Scope(ScopeType.TEAM.value, key)
    if kind == ScopeType.MANAGER and key:
        if not User.objects.filter(username=key).exists():
            raise ExportError(_("没有用户名为 %(username)s 的用户。") % {"username": key})
        return Scope(ScopeType.MANAGER.value, key)
    raise ExportError(
        _("范围应为 company、team:团队编码 或 manager:用户名，而不是 %(scope)s。") % {"scope": text}
    )


def _check_computed(month: dt.date) -> None:
    if not IndicatorRun.objects.filter(month=month, status=RunStatus.SUCCEEDED).exists():
        raise ExportError(
            _("%(month)s 的指标尚未计算。请先运行：manage.py compute_indicators --month %(month)s")
            % {"month": f"{month:%Y-%m}"}
        )


def export_count(*, month: dt.date, kind: str, scope: Scope) -> int:
    """How many rows ``export_table`` would give, counted in SQL (a large export runs as a
    job, core.export_jobs)."""
    _check_computed(month)
    if kind in ("brand", "category"):
        types = [ObjectType.SKU, ObjectType.BRAND] if kind == "brand" else [ObjectType.CATEGORY]
        rows = ScopeIndicator.objects.filter(
            month=month, scope_type=scope.scope_type, scope_key=scope.key, object_type__in=types
        )
    elif kind == "customer":
        rows = CustomerIndicator.objects.filter(month=month, **_owner_filter(scope))
    elif kind == "manager":
        rows = ManagerIndicator.objects.filter(month=month, **_owner_filter(scope))
    else:
        raise ExportError(kind)
    return rows.count()


def export_table(*, month: dt.date, kind: str, scope: Scope) -> tuple[list[str], list[list]]:
    """(header, rows) of the stored indicators; rates rounded, empty rates as None."""
    header, rows = export_rows(month=month, kind=kind, scope=scope)
    return header, list(rows)


def export_rows(*, month: dt.date, kind: str, scope: Scope) -> tuple[list[str], Iterator[list]]:
    """``export_table``'s (header, rows), the rows as they come from the database: customer
    and manager rows are read through a server-side cursor (PostgreSQL) ``CHUNK`` at a time,
    so a city month's 30,000 customers are never all in memory. Brand and category rows
    (a few thousand at most) are sorted in Python first."""
    _check_computed(month)
    if kind in ("brand", "category"):
        columns, records = BRAND_COLUMNS, iter(_scope_records(month, kind, scope))
    elif kind == "customer":
        columns, records = (
            CUSTOMER_COLUMNS,
            _customer_records(month, scope).iterator(chunk_size=CHUNK),
        )
    elif kind == "manager":
        columns, records = (
            MANAGER_COLUMNS,
            _manager_records(month, scope).iterator(chunk_size=CHUNK),
        )
    else:
        raise ExportError(kind)
    common = {"month": f"{month:%Y-%m}", "scope": scope.label}
    return columns, _rows(columns, records, common)


def _rows(columns: list[str], records: Iterable[dict], common: dict) -> Iterator[list]:
    """Each record as the row of ``columns``: the common cells, the stored values under
    their stored names (a missing name, code or team as ""), rates and money rounded
    (``_converter``)."""
    plan = [
        (
            common.get(column, _STORED),
            _RENAMED.get(column, column),
            "" if column in _RENAMED else None,
            _converter(column),
        )
        for column in columns
    ]
    for record in records:
        yield [
            fixed
            if fixed is not _STORED
            else empty
            if (value := record.get(key)) is None
            else value
            if convert is None
            else convert(value)
            for fixed, key, empty, convert in plan
        ]


_STORED = object()  # a column whose value comes from the record


# stored under another name in the queried records
_RENAMED = {"object_code": "object_key", "manager": "manager_username", "team": "team_code"}


def _scope_records(month: dt.date, kind: str, scope: Scope):
    types = [ObjectType.SKU, ObjectType.BRAND] if kind == "brand" else [ObjectType.CATEGORY]
    rows = ScopeIndicator.objects.filter(
        month=month, scope_type=scope.scope_type, scope_key=scope.key, object_type__in=types
    ).values()
    order = {t.value: n for n, t in enumerate(types)}
    return sorted(rows, key=lambda r: (order[r["object_type"]], _natural(r["object_key"])))


def _natural(key: str):
    """Category ids in number order, codes and names as text."""
    return (0, int(key), "") if key.isdigit() and len(key) < 10 else (1, 0, key)


def _customer_records(month: dt.date, scope: Scope):
    stored = [c for c in CUSTOMER_COLUMNS if c not in _CUSTOMER_JOINED]
    rows = CustomerIndicator.objects.filter(month=month, **_owner_filter(scope))
    return rows.order_by("customer__code").values(
        *stored,
        customer_code=F("customer__code"),
        customer_name=F("customer__name"),
        manager_username=F("manager__username"),
    )


_CUSTOMER_JOINED = {"month", "scope", "customer_code", "customer_name", "manager"}
_MANAGER_JOINED = {"month", "scope", "username", "name", "team"}


def _manager_records(month: dt.date, scope: Scope):
    stored = [c for c in MANAGER_COLUMNS if c not in _MANAGER_JOINED]
    rows = ManagerIndicator.objects.filter(month=month, **_owner_filter(scope))
    return rows.order_by("manager__username").values(
        *stored,
        username=F("manager__username"),
        name=F("manager__name"),
        team_code=F("team__code"),
    )


def _owner_filter(scope: Scope) -> dict:
    if scope.scope_type == ScopeType.TEAM:
        return {"team__code": scope.key}
    if scope.scope_type == ScopeType.MANAGER:
        return {"manager__username": scope.key}
    return {}


def _converter(column: str):
    """How a stored value of ``column`` is written: rates as decimals rounded half-up to 4
    places (never -0.0000), money to 2 places, anything else as it is (None)."""
    if column in RATES:
        return _rate
    if column in MONEY:
        return _money
    return None


def _rate(value) -> Decimal:
    rounded = Decimal(repr(float(value))).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    return rounded if rounded != 0 else Decimal("0.0000")


def _money(value) -> Decimal:
    return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def write_csv(
    target: BinaryIO | Path, header: list[str], rows: Iterable[list], *, progress=None
) -> int:
    """UTF-8 with a BOM (Excel opens it in Chinese) to a path or a binary file, the rows as
    they come; the rows written. ``progress(rows)`` after every ``CHUNK`` rows. Text goes
    through core.spreadsheet_text as in the xlsx files (names and codes are people's input);
    numbers are written as is."""
    written = 0
    with ExitStack() as stack:
        if isinstance(target, Path):
            handle = stack.enter_context(open(target, "w", encoding="utf-8-sig", newline=""))
        else:
            handle = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
            stack.callback(handle.detach)  # leave the caller's file open
            stack.callback(handle.flush)
        writer = csv.writer(handle)
        writer.writerow(header)
        rows = iter(rows)
        while chunk := list(islice(rows, CHUNK)):
            writer.writerows([[_csv_cell(v) for v in row] for row in chunk])
            written += len(chunk)
            if progress is not None:
                progress(written)
    return written


def _csv_cell(value):
    return "" if value is None else spreadsheet_value(value)


def write_xlsx(
    target: BinaryIO | Path, header: list[str], rows: Iterable[list], *, title: str, progress=None
) -> int:
    """To a path or a binary file; the rows written. ``progress(rows)`` is called every
    ``CHUNK`` rows with the rows written so far."""
    columns = [
        Column(name, number_format="0.0000" if name in RATES else "0.00" if name in MONEY else None)
        for name in header
    ]
    return write_workbook(target, [Sheet(title, columns, rows)], progress=progress)


# --- the analysis page's download: the same rows, for people -------------------------------

KIND_LABELS = {
    "brand": gettext_lazy("品牌指标"),
    "customer": gettext_lazy("客户指标"),
    "manager": gettext_lazy("客户经理指标"),
    "category": gettext_lazy("品类指标"),
}
VOLUME = "#,##0"
YUAN = "#,##0.00"
RATIO = "0.00"
# ratios that are not shares of a whole: the page shows them as plain numbers
RATIOS = {"price_index", "inventory_to_sales"}
# column → (Chinese header, width); rates get the percent format, money and volumes theirs
PAGE_COLUMNS = {
    "month": (gettext_lazy("月份"), 9),
    "scope": (gettext_lazy("范围"), 16),
    "object_type": (gettext_lazy("对象类型"), 9),
    "object_code": (gettext_lazy("对象编码"), 16),
    "object_name": (gettext_lazy("对象名称"), 22),
    "customer_code": (gettext_lazy("客户编码"), 16),
    "customer_name": (gettext_lazy("客户名称"), 24),
    "manager": (gettext_lazy("客户经理账号"), 13),
    "username": (gettext_lazy("客户经理账号"), 13),
    "name": (gettext_lazy("客户经理"), 10),
    "team": (gettext_lazy("团队"), 8),
    "customers": (gettext_lazy("客户数"), 8),
    "ordering_customers": (gettext_lazy("订购客户数"), 11),
    "coverage_rate": (gettext_lazy("覆盖率"), 9),
    "shelf_rate": (gettext_lazy("上柜率"), 9),
    "repurchase_rate": (gettext_lazy("再购率"), 9),
    "volume": (gettext_lazy("销量（条）"), 11),
    "volume_growth_mom": (gettext_lazy("销量环比"), 10),
    "volume_growth_yoy": (gettext_lazy("销量同比"), 10),
    "volume_change_mom": (gettext_lazy("销量环比"), 10),
    "amount": (gettext_lazy("金额（元）"), 13),
    "avg_price": (gettext_lazy("条均价（元）"), 12),
    "share": (gettext_lazy("市场份额"), 10),
    "share_growth": (gettext_lazy("份额成长率"), 11),
    "requested": (gettext_lazy("需求量（条）"), 12),
    "supply_satisfaction": (gettext_lazy("供应满足率"), 11),
    "supply_state": (gettext_lazy("供求状态"), 9),
    "price_index": (gettext_lazy("零售价指数"), 11),
    "inventory_to_sales": (gettext_lazy("存销比"), 8),
    "order_days": (gettext_lazy("订货天数"), 9),
    "distinct_skus": (gettext_lazy("订购规格数"), 11),
    "key_skus_ordered": (gettext_lazy("订购重点规格数"), 14),
    "forecast": (gettext_lazy("预测量（条）"), 12),
    "forecast_error": (gettext_lazy("预测误差"), 10),
    "forecast_accuracy": (gettext_lazy("预测准确率"), 11),
    "forecast_bias": (gettext_lazy("预测偏差"), 10),
    "forecast_coverage": (gettext_lazy("预测覆盖率"), 11),
    "visits_done": (gettext_lazy("已拜访次数"), 11),
    "actions_planned": (gettext_lazy("计划动作"), 9),
    "actions_done": (gettext_lazy("已完成动作"), 11),
    "completion_rate": (gettext_lazy("动作完成率"), 11),
    "visits_planned": (gettext_lazy("计划拜访"), 9),
    "gross_profit": (gettext_lazy("客户毛利（元）"), 14),
    "gross_profit_change_mom": (gettext_lazy("毛利环比"), 10),
    "profit_grew_share": (gettext_lazy("毛利增长客户占比"), 16),
}
_VOLUMES = {"volume", "requested", "forecast"}


def _page_format(column: str) -> str | None:
    if column in RATIOS:
        return RATIO
    if column in RATES:
        return PERCENT
    if column in MONEY:
        return YUAN
    if column in _VOLUMES:
        return VOLUME
    return None


def scope_label(text: str) -> str:
    """'team:TA' → '团队 TA', 'company' → '全公司'."""
    scope_type, _sep, key = text.partition(":")
    label = str(dict(ScopeType.choices).get(scope_type, scope_type))
    return f"{label} {key}" if key else label


def page_columns(header: list[str]) -> list[Column]:
    return [
        Column(str(PAGE_COLUMNS[name][0]), PAGE_COLUMNS[name][1], _page_format(name))
        for name in header
    ]


def page_rows(header: list[str], rows: Iterable[list]) -> Iterator[list]:
    """``export_table``'s rows with words for codes: the scope, the object type and the
    supply state as the page says them."""
    words = {
        "scope": None,
        "object_type": {k: str(v) for k, v in ObjectType.choices},
        "supply_state": {k: str(v) for k, v in SupplyState.choices},
    }
    at = {header.index(name): words[name] for name in words if name in header}
    scopes: dict[str, str] = {}
    for row in rows:
        row = list(row)
        for index, labels in at.items():
            value = row[index]
            if labels is None:
                if value not in scopes:
                    scopes[value] = scope_label(value)
                row[index] = scopes[value]
            elif value:
                row[index] = labels.get(value, value)
        yield row


def write_page_xlsx(
    target: BinaryIO | Path, header: list[str], rows: Iterable[list], *, title: str, progress=None
) -> int:
    """The analysis page's download of ``export_table``'s (header, rows): Chinese headers,
    rates as percentages (numbers with a percent format), money and volumes with
    thousands separators, states and scopes in words, columns as wide as their content."""
    sheet = Sheet(title, page_columns(header), page_rows(header, rows))
    return write_workbook(target, [sheet], progress=progress)
