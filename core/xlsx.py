"""Writing the pages' tables as Excel workbooks: one sheet per table, Chinese headers in bold,
the header row frozen and filtered (an autofilter over the header and the data), numbers kept
as numbers (rates as percentages), streamed (openpyxl's write-only mode) so that 30,000 rows
stay cheap. Each export describes its sheets and hands them here; every text cell, headers
included, goes through core.spreadsheet_text (no live formulas, no control characters openpyxl
would refuse)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.spreadsheet_text import spreadsheet_value
from core.text import strip_control_characters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
TIME = "hh:mm:ss"
# progress is reported after every this many rows
CHUNK = 2000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 12
    number_format: str | None = None


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def write_workbook(
    target: BinaryIO | str, sheets: Iterable[Sheet], *, progress: Progress | None = None
) -> int:
    """Write ``sheets`` to ``target`` (a path or a binary file); the data rows written.
    ``progress(rows)`` is called every ``CHUNK`` rows, with the rows written so far."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    written = 0
    for spec in sheets:
        sheet = book.create_sheet(_sheet_title(spec.title))
        for index, column in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in spec.columns:
            cell = WriteOnlyCell(sheet, value=spreadsheet_value(column.title))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        formats = [column.number_format for column in spec.columns]
        rows = 0
        for row in spec.rows:
            sheet.append([_cell(sheet, v, f) for v, f in zip(row, formats, strict=False)])
            rows += 1
            written += 1
            if progress is not None and written % CHUNK == 0:
                progress(written)
        if spec.columns:
            # write-only sheets serialise the filter when the book is saved (after the rows),
            # so the counted last row can still be given here
            last = get_column_letter(len(spec.columns))
            sheet.auto_filter.ref = f"A1:{last}{rows + 1}"
    book.save(target)
    return written


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An attachment download of ``content``; ``filename`` may be Chinese."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def stamped(name: str, extension: str = "xlsx") -> str:
    """``name-YYYYmmdd-HHMM.xlsx`` in local time: repeated downloads do not overwrite."""
    return f"{name}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def _cell(sheet, value, number_format: str | None):
    value = spreadsheet_value(value)
    if isinstance(value, dt.datetime):
        # Excel knows no time zones: the local wall-clock time is what the page showed
        value = (
            timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        )
    if value is None or number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _sheet_title(title: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and more than 31 characters."""
    title = strip_control_characters(str(title))
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"
