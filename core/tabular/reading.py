"""Reading an uploaded table (CSV or .xlsx) into a frame of strings, bounded.

Files come from people who may not mean well (a customer manager's forecast file is read
inside a web request), so reading is bounded: an .xlsx is refused from its zip directory
before anything is decompressed when it would expand too far, then streamed row by row
(xlsx_stream.py: no document tree) and refused as soon as it holds more data rows than the
caller allows; a CSV is read in chunks with the same row limit. Only the rows themselves
are ever held. The column checks of the rows read are in columns.py."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

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
