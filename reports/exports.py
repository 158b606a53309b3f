"""Exporting stored indicators (DESIGN.md §6 ``export_indicators``): brand rows per SKU and per
brand, customer rows, customer-manager rows, for the company, a team or one manager.

Rates are written as decimals rounded half-up to 4 places, empty rates as empty cells; money
with 2 decimals. CSV is UTF-8 with a BOM so that Excel shows the Chinese names; xlsx is
written with openpyxl (numbers stay numbers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import BinaryIO

from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Team, User
from core.export_jobs import ExportRefused
from core.spreadsheet_text import spreadsheet_value
from core.xlsx import CHUNK, Column, Sheet, write_workbook

from .models import (
    CustomerIndicator,
    IndicatorRun,
    ManagerIndicator,
    ObjectType,
    RunStatus,
    ScopeIndicator,
    ScopeType,
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
}
MONEY = {"amount", "avg_price"}


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
    _check_computed(month)
    if kind in ("brand", "category"):
        columns, records = BRAND_COLUMNS, _scope_records(month, kind, scope)
    elif kind == "customer":
        columns, records = CUSTOMER_COLUMNS, _customer_records(month, scope)
    elif kind == "manager":
        columns, records = MANAGER_COLUMNS, _manager_records(month, scope)
    else:
        raise ExportError(kind)
    common = {"month": f"{month:%Y-%m}", "scope": scope.label}
    rows = [[_cell(c, _value(c, r, common)) for c in columns] for r in records]
    return columns, rows


# stored under another name in the queried records
_RENAMED = {"object_code": "object_key", "manager": "manager_username", "team": "team_code"}


def _value(column: str, record: dict, common: dict):
    if column in common:
        return common[column]
    value = record.get(_RENAMED.get(column, column))
    return "" if value is None and column in _RENAMED else value


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


def _cell(column: str, value):
    if value is None:
        return None
    if column in RATES:
        rounded = Decimal(repr(float(value))).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        return rounded if rounded != 0 else Decimal("0.0000")
    if column in MONEY:
        return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
    return value


def write_csv(
    target: BinaryIO | Path, header: list[str], rows: list[list], *, progress=None
) -> None:
    """UTF-8 with a BOM (Excel opens it in Chinese) to a path or a binary file;
    ``progress(rows)`` after every ``CHUNK`` rows. Text goes through core.spreadsheet_text
    as in the xlsx files (names and codes are people's input); numbers are written as is."""
    with ExitStack() as stack:
        if isinstance(target, Path):
            handle = stack.enter_context(open(target, "w", encoding="utf-8-sig", newline=""))
        else:
            handle = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
            stack.callback(handle.detach)  # leave the caller's file open
            stack.callback(handle.flush)
        writer = csv.writer(handle)
        writer.writerow(header)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            writer.writerows([[_csv_cell(v) for v in row] for row in chunk])
            if progress is not None:
                progress(start + len(chunk))


def _csv_cell(value):
    return "" if value is None else spreadsheet_value(value)


def write_xlsx(
    target: BinaryIO | Path, header: list[str], rows: list[list], *, title: str, progress=None
) -> None:
    """To a path or a binary file; ``progress(rows)`` is called every ``CHUNK`` rows with
    the rows written so far."""
    columns = [
        Column(name, number_format="0.0000" if name in RATES else "0.00" if name in MONEY else None)
        for name in header
    ]
    write_workbook(target, [Sheet(title, columns, rows)], progress=progress)
