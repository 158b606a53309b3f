"""The first worksheet of an .xlsx as a stream of rows, in memory that grows with the width
of a row (and the shared strings), not with the file, and time that grows with what is read.

openpyxl (which pandas used) is not made for a hostile file: opening a workbook parses every
sheet to its end when the sheet declares no dimension, a declared dimension of XFD1048576
pads every row to 16,384 cells, each parsed row stays in memory until the sheet ends, and
the workbook, relationship and style parts are parsed whole into descriptor objects (a 13 MB
styles part took 4.5 s and 200 MB). So every part goes through expat here, keeping only what
is needed: the first worksheet's place (workbook part, its relationships), whether the 1904
calendar is used, which cell styles are dates (the styles part), the shared strings, and the
sheet's rows one at a time. Cells are converted as openpyxl's ``WorkSheetParser.parse_cell``
does (its date and number-format helpers are reused). Callers check the zip's declared sizes
first (``upload_checks.workbook_size_problem``); zipfile holds each part to its declared
size."""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS

CHUNK_BYTES = 64 * 1024
# An import's sheet is the first; a workbook listing more sheets than this before it is not one.
MAX_SHEETS = 1000

_MAIN = SHEET_MAIN_NS + "}"
ROW, CELL, VALUE = _MAIN + "row", _MAIN + "c", _MAIN + "v"
INLINE, TEXT, PHONETIC, SHARED = _MAIN + "is", _MAIN + "t", _MAIN + "rPh", _MAIN + "si"
SHEET, SHEETS, WORKBOOK_PROPERTIES = _MAIN + "sheet", _MAIN + "sheets", _MAIN + "workbookPr"
NUMBER_FORMAT, CELL_FORMATS, FORMAT = _MAIN + "numFmt", _MAIN + "cellXfs", _MAIN + "xf"
RELATIONSHIP = "http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
STYLES_PART = "xl/styles.xml"  # where openpyxl looks for it


class _Done(Exception):
    """Raised by a handler that has read all it needs of a part."""


def sheet_rows(file, *, width: int) -> Iterator[tuple[int, list]]:
    """(row number, values of columns 1…``width``) for each row element of the first
    worksheet, in order; cells further right are skipped. A value is None where there is no
    cell or a formula error (what pandas made of them); numbers styled as dates are dates."""
    with zipfile.ZipFile(file) as archive:
        names = set(archive.namelist())
        book_path = _office_document(archive, names)
        book = _Workbook()
        _read(archive, book_path, book)
        rels = _Relationships(_folder(book_path), wanted=set(book.sheet_ids))
        _read(archive, _rels_path(book_path), rels, names)
        # openpyxl's workbook.worksheets[0], which pandas read: chartsheets are skipped
        sheets = (rels.targets.get(id_, ("", None)) for id_ in book.sheet_ids)
        sheet_path = next(
            (path for kind, path in sheets if path in names and "chartsheet" not in kind), None
        )
        if sheet_path is None:
            return
        styles = _Styles()
        _read(archive, STYLES_PART, styles, names)
        strings = _Strings()
        _read(archive, rels.shared_strings, strings, names)
        sheet = _Sheet(
            shared_strings=strings.strings,
            dates=styles.dates,
            durations=styles.durations,
            epoch=MAC_EPOCH if book.date1904 else WINDOWS_EPOCH,
            width=width,
        )
        yield from _parse(archive, sheet_path, sheet, sheet.rows)


def _office_document(archive, names: set[str]) -> str:
    package = _Relationships("", wanted=set())
    _read(archive, "_rels/.rels", package, names)
    return package.office_document or "xl/workbook.xml"


def _folder(path: str) -> str:
    return posixpath.dirname(path)


def _rels_path(path: str) -> str:
    folder, name = posixpath.split(path)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _read(archive, path: str | None, handler, names: set[str] | None = None) -> None:
    """Feed a whole part (absent: nothing) to ``handler``, which may stop early."""
    if path is None or (names is not None and path not in names):
        return
    try:
        for _ in _parse(archive, path, handler, []):
            pass
    except _Done:
        pass


def _parse(archive, path: str, handler, ready: list) -> Iterator:
    """Feed one part through expat, yielding what ``handler`` put in ``ready`` as it goes."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    if hasattr(handler, "text"):
        parser.CharacterDataHandler = handler.text
    parser.StartDoctypeDeclHandler = _no_dtd  # a workbook part has none; entities can bomb
    with archive.open(path) as source:
        while chunk := source.read(CHUNK_BYTES):
            parser.Parse(chunk, False)
            yield from ready
            ready.clear()
        parser.Parse(b"", True)
    yield from ready
    ready.clear()


def _no_dtd(*args) -> None:
    raise ValueError("a DOCTYPE in a workbook part")


class _Relationships:
    """A part's .rels: the targets of the wanted ids, as paths in the zip (resolved as
    openpyxl's get_dependents does), the shared strings and the office document."""

    def __init__(self, folder: str, *, wanted: set[str]):
        self.folder, self.wanted = folder, wanted
        self.targets: dict[str, tuple[str, str]] = {}
        self.shared_strings = self.office_document = None

    def start(self, name, attrs):
        if name != RELATIONSHIP or attrs.get("TargetMode") == "External":
            return
        kind, target = attrs.get("Type", ""), attrs.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(self.folder, target))
        if attrs.get("Id") in self.wanted:
            self.targets[attrs["Id"]] = (kind, target)
        elif kind.endswith("/sharedStrings"):
            self.shared_strings = target
        elif kind.endswith("/officeDocument") and self.office_document is None:
            self.office_document = target

    def end(self, name):
        pass


class _Workbook:
    """workbook.xml: the calendar and the sheets' relationship ids, in order."""

    def __init__(self):
        self.date1904 = False
        self.sheet_ids: list[str] = []

    def start(self, name, attrs):
        if name == WORKBOOK_PROPERTIES:
            self.date1904 = attrs.get("date1904", "").lower() in {"1", "true"}
        elif name == SHEET and RELATIONSHIP_ID in attrs:
            self.sheet_ids.append(attrs[RELATIONSHIP_ID])
            if len(self.sheet_ids) >= MAX_SHEETS:
                raise _Done

    def end(self, name):
        if name == SHEETS:
            raise _Done


class _Styles:
    """styles.xml: the indexes of the cell formats that show a number as a date or a
    duration (openpyxl's Stylesheet date_formats and timedelta_formats)."""

    def __init__(self):
        self.custom: set[int] = set()
        self.custom_dates: set[int] = set()
        self.custom_durations: set[int] = set()
        self.dates: set[int] = set()
        self.durations: set[int] = set()
        self.in_cell_formats = False
        self.index = 0

    def start(self, name, attrs):
        if name == NUMBER_FORMAT:
            number, code = int(attrs.get("numFmtId", 0)), attrs.get("formatCode")
            self.custom.add(number)
            if is_date_format(code):
                self.custom_dates.add(number)
            if is_timedelta_format(code):
                self.custom_durations.add(number)
        elif name == CELL_FORMATS:
            self.in_cell_formats = True
        elif name == FORMAT and self.in_cell_formats:
            number = int(attrs.get("numFmtId") or 0)
            if number in self.custom:
                date, duration = number in self.custom_dates, number in self.custom_durations
            else:
                date, duration = _BUILTIN_KINDS.get(number, (False, False))
            if date:
                self.dates.add(self.index)
            if duration:
                self.durations.add(self.index)
            self.index += 1

    def end(self, name):
        if name == CELL_FORMATS:
            self.in_cell_formats = False


_BUILTIN_KINDS = {
    number: (is_date_format(code), is_timedelta_format(code))
    for number, code in BUILTIN_FORMATS.items()
}


class _Strings:
    """sharedStrings.xml: each <si>'s text, its rich-text runs joined, phonetic runs left
    out (openpyxl's read_string_table, including its x005F_ quirk)."""

    def __init__(self):
        self.strings: list[str] = []
        self.parts: list[str] | None = None
        self.collecting = False
        self.phonetic = 0

    def start(self, name, attrs):
        if name == SHARED:
            self.parts = []
        elif name == TEXT and self.parts is not None and not self.phonetic:
            self.collecting = True
        elif name == PHONETIC:
            self.phonetic += 1

    def end(self, name):
        if name == TEXT:
            self.collecting = False
        elif name == PHONETIC:
            self.phonetic -= 1
        elif name == SHARED and self.parts is not None:
            self.strings.append("".join(self.parts).replace("x005F_", ""))
            self.parts = None

    def text(self, data):
        if self.collecting and self.parts is not None:
            self.parts.append(data)


class _Sheet:
    """sheetN.xml: puts (row number, values) in ``rows`` as each row ends."""

    def __init__(self, *, shared_strings, dates, durations, epoch, width):
        self.shared_strings, self.dates, self.durations = shared_strings, dates, durations
        self.epoch, self.width = epoch, width
        self.rows: list[tuple[int, list]] = []
        self.number = self.last = self.column = 0
        self.values: list | None = None
        self.cell: tuple[int, str, int] | None = None
        self.value: list[str] | None = None  # the text of <v>, or of an inline string
        self.collecting = False
        self.phonetic = 0
        self.columns: dict[str, int] = {}

    def start(self, name, attrs):
        if name == CELL:
            reference = attrs.get("r")
            self.column = self._column(reference) if reference else self.column + 1
            self.cell = (self.column, attrs.get("t", "n"), int(attrs.get("s") or 0))
            self.value = None
        elif self.cell is None:
            if name == ROW:
                self.number = _row_number(attrs.get("r"), self.number)
                self.column = 0
                self.values = [None] * self.width
        elif name == VALUE:
            self.value, self.collecting = [], True
        elif name == INLINE:
            self.value = []
        elif name == TEXT and self.value is not None and not self.phonetic:
            self.collecting = True
        elif name == PHONETIC:
            self.phonetic += 1

    def end(self, name):
        if name == CELL:
            column, kind, style = self.cell  # type: ignore[misc]  # set by the <c> this closes
            if 0 < column <= self.width and self.values is not None:
                self.values[column - 1] = self._convert(kind, style)
            self.cell = self.value = None
        elif name in (VALUE, TEXT):
            self.collecting = False
        elif name == PHONETIC:
            self.phonetic -= 1
        elif name == ROW and self.values is not None:
            # openpyxl (and so pandas) skipped a row numbered at or before the one before it
            if self.number > self.last:
                self.last = self.number
                self.rows.append((self.number, self.values))
            self.values = None

    def text(self, data):
        if self.collecting and self.value is not None:
            self.value.append(data)

    def _convert(self, kind: str, style: int):
        if kind == "inlineStr":
            return None if self.value is None else "".join(self.value)
        text = "".join(self.value) if self.value else ""
        if not text or kind == "e":
            return None
        if kind == "n":
            number = float(text) if "." in text or "e" in text or "E" in text else int(text)
            if style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    return None  # openpyxl: outside the dates, read as an error
            return number
        if kind == "s":
            return self.shared_strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text

    def _column(self, reference: str) -> int:
        letters = reference.rstrip("0123456789")
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = column_index_from_string(letters)
        return column


def _row_number(attribute: str | None, previous: int) -> int:
    if attribute is None:
        return previous + 1
    number = float(attribute)
    if not number.is_integer():
        raise ValueError(f"{attribute} is not a valid row number")
    return int(number)
