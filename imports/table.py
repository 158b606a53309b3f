"""An uploaded table as strings, and vectorised column checks that collect row errors.

Row numbers are the ones a user sees in Excel or a text editor: the header is row 1, so
the first data row is row 2.

Files come from people who may not mean well (a customer manager's forecast file is read
inside a web request), so reading is bounded: an .xlsx is refused from its zip directory
before anything is decompressed when it would expand too far, then streamed row by row
(xlsx_stream.py: no document tree) and refused as soon as it holds more data rows than the
caller allows; a CSV is read in chunks with the same row limit. Only the rows
themselves are ever held, and a table keeps only the first row errors (the rest are
counted)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.months import FIRST_YEAR, LAST_YEAR
from core.text import CONTROL_CHARACTERS, strip_control_characters

from .upload_checks import workbook_size_problem
from .xlsx_stream import sheet_rows

# What one Excel sheet can hold, header included: a row numbered beyond it is not a sheet.
XLSX_SHEET_ROWS = 1_048_576
# Every import has at most 15 columns; a file with its header this wide is not an import
# (cells further right are not even read, so it bounds the work per row).
MAX_COLUMNS = 100
CSV_CHUNK_ROWS = 20_000


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, encoding, empty, no header, too big)."""


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


def read_upload(
    content: bytes,
    filename: str,
    *,
    max_rows: int | None = None,
    max_unzipped_bytes: int | None = None,
    too_many_rows_hint: str = "",
) -> pd.DataFrame:
    """CSV (UTF-8, with or without BOM) or .xlsx → DataFrame of stripped strings, columns
    named exactly as the header row says (duplicates kept, so they can be refused) and rows
    numbered as in the file. Blank rows (Excel leaves them after the data) are dropped, and
    C0 control characters are stripped from every cell (core.text), so no import stores them.

    Refused with ImportFileError: more than ``max_rows`` data rows (default
    IMPORT_MAX_ROWS; blank rows do not count), or an .xlsx that would expand past
    ``max_unzipped_bytes`` (default IMPORT_MAX_UNZIPPED_BYTES)."""
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    limit = _RowLimit(max_rows, too_many_rows_hint)
    name = filename.lower()
    if name.endswith(".xlsx"):
        frame = _read_xlsx(content, limit, max_unzipped_bytes)
    elif name.endswith(".csv") or name.endswith(".txt"):
        frame = _read_csv(content, limit)
    else:
        raise ImportFileError(_("只支持 .csv 或 .xlsx 文件。"))
    if frame is None:
        raise ImportFileError(_("文件是空的。"))
    return frame


@dataclass(frozen=True)
class _RowLimit:
    rows: int
    hint: str

    def check(self, rows: int) -> None:
        if rows > self.rows:
            message = _("文件超过 %(limit)s 行的上限（不含表头），未导入。") % {
                "limit": f"{self.rows:,}"
            }
            raise ImportFileError(f"{message}{self.hint}")


def _read_xlsx(content: bytes, limit: _RowLimit, max_unzipped_bytes: int | None):
    buffer = io.BytesIO(content)
    try:
        with zipfile.ZipFile(buffer) as archive:
            problem = workbook_size_problem(archive, max_unzipped_bytes=max_unzipped_bytes)
        if problem:
            raise ImportFileError(problem)
        return _collect_sheet(sheet_rows(buffer, width=MAX_COLUMNS + 1), limit)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl, expat and zipfile raise many types
        raise ImportFileError(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc


def _collect_sheet(rows, limit: _RowLimit) -> pd.DataFrame | None:
    header, kept, numbers, beyond = [], [], [], False
    for number, values in rows:
        if number > XLSX_SHEET_ROWS:
            raise ImportFileError(_("工作表的行号超出 Excel 的上限，文件已损坏。"))
        if number == 1:
            header = _header(values)
            continue
        width = max(len(header), 1)
        texts = [_cell_text(v) for v in values[:width]]
        extra = _text_right_of_header(values[width:])
        if extra:
            # cells with no header are ignored, but the row is not blank
            texts.append(extra)
            beyond = True
        elif not any(t and not t.isspace() for t in texts):
            continue
        kept.append(texts)
        numbers.append(number)
        limit.check(len(kept))
    if not header and not kept:
        return None
    header += [""] * (max(len(header), 1) + beyond - len(header))
    if beyond:
        kept = [row + [""] * (len(header) - len(row)) for row in kept]
    frame = pd.DataFrame(kept, index=pd.Index(numbers, dtype="int64"), columns=range(len(header)))
    del kept
    frame = _clean(frame)
    return _finish(header, frame[(frame != "").any(axis=1)])


def _header(values: list) -> list[str]:
    header = [_cell_text(v) for v in values]
    while header and not header[-1].strip():
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(_("表头超过 %(n)s 列，不像是导入文件。") % {"n": MAX_COLUMNS})
    return header


def _text_right_of_header(values: list) -> str:
    if values.count(None) == len(values):
        return ""
    return next((t for t in map(_cell_text, values) if t.strip()), "")


def _read_csv(content: bytes, limit: _RowLimit) -> pd.DataFrame | None:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("文件不是 UTF-8 编码（第 %(pos)s 字节）。请在 Excel 中另存为“CSV UTF-8”。")
            % {"pos": exc.start}
        ) from exc
    header, parts, count = None, [], 0
    try:
        # header=None: pandas would rename a repeated column ("quantity.1") and, for rows
        # with one cell more than the header, shift every value into the wrong column.
        chunks = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            header=None,
            index_col=False,
            chunksize=max(2, min(CSV_CHUNK_ROWS, limit.rows + 2)),
        )
        for chunk in chunks:
            chunk = _clean(chunk)
            if header is None:
                header = list(chunk.iloc[0])
                chunk = chunk.iloc[1:]
            chunk = chunk[(chunk != "").any(axis=1)]
            count += len(chunk)
            limit.check(count)
            parts.append(chunk)
    except pd.errors.EmptyDataError as exc:
        raise ImportFileError(_("文件是空的。")) from exc
    except pd.errors.ParserError as exc:
        raise ImportFileError(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc
    if header is None:
        return None
    frame = pd.concat(parts) if parts else pd.DataFrame(columns=range(len(header)), dtype=str)
    # a data line's position in the file: line 0 is the header, shown as row 1
    frame.index = frame.index + 1
    return _finish(header, frame)


def check_csv_lines(content: bytes, *, max_rows: int) -> None:
    """The row limit for a CSV that is not read here (the COPY path): its lines under the
    header, counted on the bytes."""
    lines = content.count(b"\n") + (not content.endswith(b"\n"))
    _RowLimit(max_rows, "").check(lines - 1)


def _finish(header: list, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``: the cleaned non-blank data rows, indexed by row number."""
    header = [strip_control_characters(str(c)).strip().lstrip("\ufeff").strip() for c in header]
    frame.columns = header
    return frame


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells as stored: no control characters, no surrounding blanks."""
    return frame.fillna("").astype(str).apply(_clean_column)


def _clean_column(column: pd.Series) -> pd.Series:
    dirty = column.str.contains(CONTROL_CHARACTERS)
    if dirty.any():
        column = column.where(~dirty, column[dirty].map(strip_control_characters))
    return column.str.strip()


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
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
