"""The first worksheet of an .xlsx as a stream of rows, in memory that grows with the width
of a row, not with the file, and time that grows with what is read.

openpyxl's read-only mode (which pandas used) is not enough for a hostile file: opening a
workbook parses every sheet to its end when the sheet declares no dimension, a styled row
leaves a dict behind, every parsed row stays in the tree (emptied) until the sheet ends, a
declared dimension of XFD1048576 pads every row to 16,384 cells, and each inline or shared
string goes through a descriptor object (about 50 µs). So openpyxl reads only the workbook's
structure here (content types, the sheet list, the styles that make a number a date), and
the two parts that grow with the data, the shared strings and the sheet, go through expat
directly: no element objects, the cells converted as openpyxl's ``WorkSheetParser.parse_cell``
does. Callers check the zip's sizes first (``upload_checks.workbook_size_problem``)."""

from __future__ import annotations

from collections.abc import Iterator
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

CHUNK_BYTES = 64 * 1024
_NS = SHEET_MAIN_NS + "}"
ROW, CELL, VALUE = _NS + "row", _NS + "c", _NS + "v"
INLINE, TEXT, PHONETIC, SHARED = _NS + "is", _NS + "t", _NS + "rPh", _NS + "si"


def sheet_rows(file, *, width: int) -> Iterator[tuple[int, list]]:
    """(row number, values of columns 1…``width``) for each row element of the first
    worksheet, in order; cells further right are skipped. A value is None where there is no
    cell or a formula error (what pandas made of them); numbers styled as dates are dates."""
    reader = ExcelReader(file, read_only=True, data_only=True, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        path = _first_worksheet(reader)
        if path is None:
            return
        strings = reader.package.find(SHARED_STRINGS)
        sheet = _Sheet(
            shared_strings=_shared_strings(reader.archive, strings.PartName[1:])
            if strings is not None
            else [],
            dates=reader.wb._date_formats,
            durations=reader.wb._timedelta_formats,
            epoch=reader.wb.epoch,
            width=width,
        )
        yield from _parse(reader.archive, path, sheet, sheet.rows)
    finally:
        reader.archive.close()


def _first_worksheet(reader: ExcelReader) -> str | None:
    # what openpyxl's workbook.worksheets[0] is (and so what pandas read): chartsheets skipped
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return rel.target
    return None


def _parse(archive, path: str, handler, ready: list) -> Iterator:
    """Feed one part through expat, yielding what ``handler`` put in ``ready`` as it goes."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    parser.StartDoctypeDeclHandler = _no_dtd  # a spreadsheet part has none; entities can bomb
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


def _shared_strings(archive, path: str) -> list[str]:
    strings = _Strings()
    for _ in _parse(archive, path, strings, []):
        pass
    return strings.strings


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
        if self.collecting:
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
            column, kind, style = self.cell
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
        if self.collecting:
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
