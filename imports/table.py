"""An uploaded table as strings, and vectorised column checks that collect row errors.

Row numbers are the ones a user sees in Excel or a text editor: the header is row 1, so
the first data row is row 2."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.months import FIRST_YEAR, LAST_YEAR


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, encoding, empty, no header)."""


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


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


def read_upload(content: bytes, filename: str) -> pd.DataFrame:
    """CSV (UTF-8, with or without BOM) or .xlsx → DataFrame of stripped strings, columns
    named exactly as the header row says (duplicates kept, so they can be refused) and rows
    numbered as in the file. Blank rows (Excel leaves them after the data) are dropped."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            frame = pd.read_excel(io.BytesIO(content), dtype=object, engine="openpyxl", header=None)
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise ImportFileError(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc
        frame = frame.map(_cell_text)
    elif name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("文件不是 UTF-8 编码（第 %(pos)s 字节）。请在 Excel 中另存为“CSV UTF-8”。")
                % {"pos": exc.start}
            ) from exc
        try:
            # header=None: pandas would rename a repeated column ("quantity.1") and, for rows
            # with one cell more than the header, shift every value into the wrong column.
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                header=None,
                index_col=False,
            )
        except pd.errors.EmptyDataError as exc:
            raise ImportFileError(_("文件是空的。")) from exc
        except pd.errors.ParserError as exc:
            raise ImportFileError(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc
    else:
        raise ImportFileError(_("只支持 .csv 或 .xlsx 文件。"))
    frame = frame.fillna("").astype(str).apply(lambda col: col.str.strip())
    if frame.empty:
        raise ImportFileError(_("文件是空的。"))
    header = [str(c).strip().lstrip("\ufeff").strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:]
    frame.columns = header
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame[(frame != "").any(axis=1)]


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # a formula's binary noise (3.3 × 3 = 9.899999999999999) is not what the cell shows
        return f"{value:.10f}".rstrip("0").rstrip(".")
    return str(value)


IGNORED_PREFIX = "_ignored_"
INT_MAX = 999_999_999


def resolve_columns(header: list[str], columns: list[Column]) -> list[str]:
    """The field name for each header cell (English name or an alias, any case); cells that
    name no field become ``_ignored_N``. Refuses a file missing a required column."""
    lookup = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            lookup[alias.lower()] = column.name
    names, seen = [], {}
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
    """The rows of one file with the checks applied so far and the errors they found."""

    def __init__(self, frame: pd.DataFrame, columns: list[Column]):
        self.errors: list[RowError] = []
        self.frame = self._rename(frame, columns)

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
        shown = (values if values is not None else self.raw(column)).loc[bad]
        self.errors.extend(
            RowError(int(row), column, str(value), message)
            for row, value in zip(bad, shown, strict=True)
        )

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: (e.row, e.column))

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

    def unique(self, columns: list[str], message: str) -> None:
        """Flag every row whose key repeats an earlier row of the same file."""
        key = self.frame[columns] if all(self.has(c) for c in columns) else None
        if key is None:
            return
        dup = key.duplicated(keep="first")
        if not dup.any():
            return
        first_row = key.reset_index().groupby(columns, sort=False)["index"].transform("first")
        first_row.index = key.index
        values = key.astype(str).agg(" / ".join, axis=1)
        for row in dup[dup].index:
            self.errors.append(
                RowError(
                    int(row),
                    "+".join(columns),
                    values[row],
                    message % {"first": int(first_row[row])},
                )
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
