"""Vectorised column checks of an uploaded table (read by reading.py) that collect row
errors; an import kind lists its columns and checks them through ``Table``.

Row numbers are the ones a user sees in Excel or a text editor: the header is row 1, so
the first data row is row 2. A table keeps only the first row errors (the rest are
counted)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.months import FIRST_YEAR, LAST_YEAR

from .reading import ImportFileError

if TYPE_CHECKING:
    # a str or a lazy translation (django-stubs' alias; the package is a dev dependency)
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = _("第 %(row)s 行") % {"row": self.row}
        column = f" [{self.column}]" if self.column else ""
        value = _("（值：%(value)s）") % {"value": self.value} if self.value else ""
        return f"{where}{column}：{self.message}{value}"


def more_errors_note(more: int) -> str:
    """The line under a cut error list."""
    return _("… 还有 %(n)s 处错误") % {"n": f"{more:,}"}


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


IGNORED_PREFIX = "_ignored_"
INT_MAX = 999_999_999


def resolve_columns(header: list[str], columns: list[Column]) -> list[str]:
    """The field name for each header cell (English name or an alias, any case); cells that
    name no field become ``_ignored_N``. Refuses a file missing a required column."""
    lookup = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            lookup[alias.lower()] = column.name
    names: list[str] = []
    seen: dict[str, str] = {}  # field name -> the header cell that named it
    for i, cell in enumerate(header):
        name = lookup.get(str(cell).strip().lower())
        if name is None:
            names.append(f"{IGNORED_PREFIX}{i}")
            continue
        if name in seen:
            raise ImportFileError(
                _("列“%(a)s”和“%(b)s”指同一个字段 %(field)s。")
                % {"a": seen[name], "b": cell, "field": name}
            )
        seen[name] = cell
        names.append(name)
    missing = [c.name for c in columns if c.required and c.name not in seen]
    if missing:
        raise ImportFileError(_("缺少必填列：%(columns)s。") % {"columns": ", ".join(missing)})
    return names


class Table:
    """The rows of one file with the checks applied so far and the errors they found: the
    first ``max_errors`` (default IMPORT_MAX_ERRORS) by row are kept, all are counted."""

    def __init__(
        self, frame: pd.DataFrame, columns: list[Column], *, max_errors: int | None = None
    ):
        self.errors: list[RowError] = []
        self.error_count = 0
        self.max_errors = settings.IMPORT_MAX_ERRORS if max_errors is None else max_errors
        self.frame = self._rename(frame, columns)
        self._bad_rows = np.zeros(len(self.frame), dtype=bool)

    # --- columns -------------------------------------------------------------------------
    def _rename(self, frame: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
        names = resolve_columns(list(frame.columns), columns)
        frame = frame.set_axis(names, axis=1)
        return frame[[n for n in names if not n.startswith(IGNORED_PREFIX)]]

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def __len__(self) -> int:
        return len(self.frame)

    def raw(self, column: str) -> pd.Series:
        if column in self.frame.columns:
            return self.frame[column]
        return pd.Series("", index=self.frame.index, dtype=object)

    # --- error collection ----------------------------------------------------------------
    def flag(self, mask: pd.Series, column: str, message: str, values: pd.Series | None = None):
        bad = mask[mask.fillna(False).astype(bool)].index
        if len(bad) == 0:
            return
        self._count(bad)
        # rows come in file order, so the first few are the only ones that can be shown
        bad = bad[: self.max_errors]
        shown = (values if values is not None else self.raw(column)).loc[bad]
        self._keep(
            RowError(int(row), column, str(value), message)
            for row, value in zip(bad, shown, strict=True)
        )

    def _count(self, rows) -> None:
        self.error_count += len(rows)
        self._bad_rows[self.frame.index.get_indexer(rows)] = True

    def _keep(self, errors) -> None:
        self.errors.extend(errors)
        if len(self.errors) > 2 * self.max_errors:
            self.errors = self.sorted_errors()

    @property
    def bad_row_count(self) -> int:
        """Rows with at least one error (every one, not only those kept)."""
        return int(self._bad_rows.sum())

    def sorted_errors(self) -> list[RowError]:
        """The first errors by row, at most ``max_errors``."""
        return sorted(self.errors, key=lambda e: (e.row, e.column))[: self.max_errors]

    # --- vectorised parsers: each returns the parsed column and flags bad rows --------------
    def text(self, column: str, *, required: bool = False, max_length: int) -> pd.Series:
        values = self.raw(column)
        if required:
            self.flag(values == "", column, _("必填，不能为空"))
        self.flag(values.str.len() > max_length, column, _("超过 %(n)s 个字符") % {"n": max_length})
        return values

    def choice(self, column: str, choices, *, required: bool = False) -> pd.Series:
        """``choices``: a TextChoices class; accepts the code or the Chinese label."""
        accepted = {str(value).lower(): value for value in choices.values}
        for value, label in _chinese_labels(choices).items():
            accepted[label.lower()] = value
        values = self.raw(column)
        parsed = values.str.lower().map(accepted)
        blank = values == ""
        if required:
            self.flag(blank, column, _("必填，不能为空"))
        allowed = ", ".join(choices.values)
        self.flag(
            parsed.isna() & ~blank,
            column,
            _("未知的选项，可选：%(allowed)s") % {"allowed": allowed},
        )
        return parsed.where(~blank, "")

    def integer(
        self,
        column: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> pd.Series:
        values = self.raw(column)
        numbers = pd.to_numeric(values.where(values != ""), errors="coerce")
        blank = values == ""
        if required:
            self.flag(blank, column, _("必填，不能为空"))
        not_int = ~blank & (numbers.isna() | (numbers % 1 != 0))
        self.flag(not_int, column, _("不是整数"))
        ok = ~blank & ~not_int
        if minimum == 0:
            self.flag(ok & (numbers < 0), column, _("不能为负数"))
        elif minimum is not None:
            self.flag(ok & (numbers < minimum), column, _("不能小于 %(n)s") % {"n": minimum})
        # the database column is a 32-bit integer; the PostgreSQL order path allows 9 digits
        maximum = INT_MAX if maximum is None else maximum
        too_big = ok & (numbers > maximum)
        self.flag(too_big, column, _("不能大于 %(n)s") % {"n": maximum})
        return numbers.where(ok & ~too_big).astype("Int64")

    def decimal(
        self,
        column: str,
        *,
        required: bool = False,
        places: int = 2,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
    ) -> pd.Series:
        """Parsed as ``Decimal`` (money must not pass through float)."""
        values = self.raw(column)
        blank = values == ""
        if required:
            self.flag(blank, column, _("必填，不能为空"))
        parsed = values.map(_to_decimal)
        self.flag(~blank & parsed.isna(), column, _("不是数字"))
        quantum = Decimal(1).scaleb(-places)
        too_precise = parsed.map(lambda d: d is not None and d != d.quantize(quantum))
        self.flag(too_precise, column, _("最多 %(n)s 位小数") % {"n": places})
        if minimum is not None:
            below = parsed.map(lambda d: d is not None and d < minimum)
            message = _("不能为负数") if minimum == 0 else _("不能小于 %(n)s") % {"n": minimum}
            self.flag(below, column, message)
        if maximum is not None:
            self.flag(
                parsed.map(lambda d: d is not None and d > maximum),
                column,
                _("不能大于 %(n)s") % {"n": maximum},
            )
        return parsed

    def date(self, column: str, *, required: bool = False) -> pd.Series:
        values = self.raw(column)
        blank = values == ""
        if required:
            self.flag(blank, column, _("必填，不能为空"))
        shaped = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        parsed = pd.to_datetime(values.where(shaped), format="%Y-%m-%d", errors="coerce")
        parsed = parsed.where(parsed.dt.year.between(FIRST_YEAR, LAST_YEAR))
        self.flag(~blank & parsed.isna(), column, _("日期格式应为 YYYY-MM-DD"))
        return parsed.dt.date.where(parsed.notna(), None)

    def month(self, column: str, *, required: bool = False) -> pd.Series:
        values = self.raw(column)
        blank = values == ""
        if required:
            self.flag(blank, column, _("必填，不能为空"))
        # Excel turns a typed "2026-03" into the date 2026-03-01: accept that form too
        values = values.str.replace(r"^(\d{4}-\d{2})-01$", r"\1", regex=True)
        shaped = values.str.fullmatch(r"\d{4}-\d{2}")
        parsed = pd.to_datetime(values.where(shaped), format="%Y-%m", errors="coerce")
        parsed = parsed.where(parsed.dt.year.between(FIRST_YEAR, LAST_YEAR))
        self.flag(~blank & parsed.isna(), column, _("月份格式应为 YYYY-MM"))
        return parsed.dt.date.where(parsed.notna(), None)

    def boolean(self, column: str) -> pd.Series:
        truthy = {"1", "true", "yes", "y", "是", "t"}
        falsy = {"0", "false", "no", "n", "否", "f", ""}
        values = self.raw(column).str.lower()
        self.flag(~values.isin(truthy | falsy), column, _("应为 0 或 1"))
        return values.isin(truthy)

    def lookup(self, column: str, known: dict, message: str) -> pd.Series:
        """Map natural keys to ids; rows whose key is unknown are flagged with ``message``."""
        values = self.raw(column)
        ids = values.map(known)
        self.flag(ids.isna() & (values != ""), column, message)
        return ids

    def unique(self, columns: list[str], message: StrOrPromise) -> None:
        """Flag every row whose key repeats an earlier row of the same file."""
        key = self.frame[columns] if all(self.has(c) for c in columns) else None
        if key is None:
            return
        dup = key.duplicated(keep="first")
        if not dup.any():
            return
        first_row = key.reset_index().groupby(columns, sort=False)["index"].transform("first")
        first_row.index = key.index
        repeated = dup[dup].index
        self._count(repeated)
        repeated = repeated[: self.max_errors]
        values = key.loc[repeated].astype(str).agg(" / ".join, axis=1)
        self._keep(
            RowError(
                int(row),
                "+".join(columns),
                values[row],
                message % {"first": int(first_row[row])},
            )
            for row in repeated
        )


def _to_decimal(text: str):
    if text == "":
        return None
    if "e" in text.lower():
        return None  # 1e3: not how anyone writes an amount; the SQL path refuses it too
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _chinese_labels(choices) -> dict[str, str]:
    from django.utils import translation

    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


DUPLICATE_IN_FILE = gettext_lazy("与第 %(first)s 行重复")
