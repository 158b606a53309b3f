"""Text set in columns as preformatted lines, for the printed documents (core/pdf.py).

WeasyPrint's time grows with boxes and lines: a form of side-by-side columns laid out as a box
per column (inline blocks, table cells) costs a block layout per column per row, most of a
long document's time. Set here instead, the columns are one text (``white-space: pre``): the
lines of each column wrapped in Python with the font's own advance widths, each cell followed
by the blank space that brings the next one to its column's start (``pad``: em, en and plain
spaces, glyphs of the font whose widths add up). WeasyPrint then only shapes and draws lines
of text. Not tabs: WeasyPrint draws a tab 2.4 % wider than it lays it out (measured here; see
also Kozea/WeasyPrint#2402), so what follows a tab drifts to the right.

The widths are the font's (Noto Sans CJK SC, the documents' font, read once per process with
fontTools: its character map and advance widths; a text is as wide as the sum of its
characters, but for the few Latin pairs the font kerns, by hundredths of an em). A character
the font lacks is drawn in another font: taken as 1 em (a Chinese character) or
``OTHER_EMS``, and the room left before each column (``gap_mm``) absorbs the difference.
Without the font at all (not installed) the widths are upper bounds, so nothing overruns its
column. A run set in another size (a larger name) is measured in its size by the caller
(``Columns.segments`` with ``widths_mm``)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)
FAMILY = "Noto Sans CJK SC"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf")
MM_PER_PT = 25.4 / 72
OTHER_EMS = 0.65  # a character of another script from a fallback font
# the room kept free before each column starts
GAP_MM = 1.2
SPACE_EMS = 0.224  # U+0020 in Noto Sans CJK (U+2002 is 0.5 em, U+2003 1 em)
SPACES = 4  # at most this many U+0020 in a pad: enough to come within 0.09 em
# a line does not start with these (closing punctuation) nor end with the openers
NO_START = set("、。，．：；！？）」』】〉》”’…%,.:;!?)]}")
NO_END = set("（「『【〈《“‘([{")


@cache
def _advances() -> dict[int, float] | None:
    """Code point → advance in ems for every character of the font, or None without it."""
    found = _font_file()
    if found is None:
        return None
    from fontTools.ttLib import TTFont

    path, index = found
    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        per_em = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        return {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    except Exception:  # an unreadable file: print with the upper bounds rather than not at all
        logger.exception("cannot read the widths of %s; columns use upper bounds", path)
        return None


def _font_file() -> tuple[str, int] | None:
    """The font file fontconfig gives WeasyPrint for the family, else one in the usual
    places (Debian's fonts-noto-cjk)."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "--format=%{file}\n%{index}\n%{family}", FAMILY],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.split("\n")
        except (OSError, subprocess.SubprocessError):
            out = []
        if len(out) == 3 and FAMILY in out[2]:
            return out[0], int(out[1] or 0)
    for directory in FONT_DIRS:
        for name in FONT_FILES:
            for path in Path(directory).rglob(name):
                return str(path), _face_index(path)
    return None


def _face_index(path: Path) -> int:
    if path.suffix.lower() not in {".ttc", ".otc"}:
        return 0
    from fontTools.ttLib import TTCollection

    for index, face in enumerate(TTCollection(str(path), lazy=True).fonts):
        if face["name"].getDebugName(1) == FAMILY:
            return index
    return 0


@lru_cache(65536)
def char_ems(ch: str) -> float:
    advances = _advances()
    if advances is not None and (advance := advances.get(ord(ch))) is not None:
        return advance
    if unicodedata.east_asian_width(ch) in "WFA":
        return 1.0
    if advances is not None:
        return OTHER_EMS
    # no font to read: upper bounds of Noto Sans CJK's widths
    if ch == " ":
        return 0.23
    if ch.isdigit() or ch in "./,:()-_+":
        return 0.56
    return 0.95


@lru_cache(16384)  # the same texts come back: SKU names and fields, blanks, labels
def ems(text: str) -> float:
    """The width of ``text`` in ems."""
    return sum(char_ems(ch) for ch in text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _units(paragraph: str) -> list[str]:
    """The pieces a line may break between: a run of spaces, a Chinese character (with
    closing punctuation after it, and opening punctuation before it, kept on its line), or a
    run of other characters (a word, a number)."""
    units: list[str] = []
    for ch in paragraph:
        last = units[-1] if units else ""
        joins = bool(last) and (
            ch in NO_START
            or last[-1] in NO_END
            or ((ch == " ") == (last[-1] == " ") and not _wide(ch) and not _wide(last[-1]))
        )
        if joins:
            units[-1] += ch
        else:
            units.append(ch)
    return units


def wrap(text: str, width_ems: float) -> list[str]:
    """``text`` broken into lines no wider than ``width_ems``: at its line breaks, between
    Chinese characters and at spaces; a word wider than the line is cut."""
    lines: list[str] = []
    for paragraph in text.replace("\r", "").split("\n"):
        line, width = "", 0.0
        for unit in _units(paragraph.expandtabs(1)):
            unit_width = ems(unit)
            if width + unit_width <= width_ems:
                line, width = line + unit, width + unit_width
                continue
            if line.strip():
                lines.append(line.rstrip())
            line, width = "", 0.0
            if unit.isspace():
                continue
            while ems(unit) > width_ems and len(unit) > 1:
                cut = _fit(unit, width_ems)
                lines.append(unit[:cut])
                unit = unit[cut:]
            line, width = unit, ems(unit)
        lines.append(line.rstrip())
    return lines


def cut(text: str, width_ems: float) -> str:
    """``text``, or as much of it as fits in ``width_ems`` with "…" after it."""
    if ems(text) <= width_ems:
        return text
    return text[: _fit(text, width_ems - char_ems("…"))] + "…"


def _fit(text: str, width_ems: float) -> int:
    """How many of ``text``'s characters fit in ``width_ems`` (at least one)."""
    width = 0.0
    for i, ch in enumerate(text):
        width += char_ems(ch)
        if width > width_ems:
            return max(i, 1)
    return len(text)


def pad(width_ems: float) -> str:
    """Blank space ``width_ems`` wide (to within 0.09 em), of spaces the font has glyphs for:
    em spaces, an en space and plain ones (0.224 em): any run of them adds up to the sum of
    their widths."""
    if width_ems <= 0:
        return ""

    def miss(spaces: int) -> float:
        rest = width_ems - spaces * SPACE_EMS
        return abs(rest - round(rest / 0.5) * 0.5)

    spaces = min(range(min(SPACES, int(width_ems / SPACE_EMS)) + 1), key=miss)
    halves = round((width_ems - spaces * SPACE_EMS) / 0.5)
    return "\u2003" * (halves // 2) + "\u2002" * (halves % 2) + " " * spaces


@dataclass(frozen=True)
class Columns:
    """Columns of a ``white-space: pre`` text, each starting ``starts_mm[i]`` from the text's
    left edge and ending where the next one starts, less ``gap_mm`` (the last one at
    ``width_mm``), in a text of ``font_pt``."""

    starts_mm: Sequence[float]
    width_mm: float
    font_pt: float
    gap_mm: float = GAP_MM

    def width_ems(self, column: int, *, font_pt: float | None = None, less_mm: float = 0) -> float:
        """The room for a line of ``column`` in ems of ``font_pt`` (the text's by default)."""
        ends = [*self.starts_mm[1:], self.width_mm]
        room = ends[column] - self.starts_mm[column] - self.gap_mm - less_mm
        return room / ((font_pt or self.font_pt) * MM_PER_PT)

    def wrap(self, column: int, text: str, **room) -> list[str]:
        return wrap(text, self.width_ems(column, **room))

    def fits(self, column: int, text: str) -> bool:
        return ems(text) <= self.width_ems(column)

    def mm(self, text: str, font_pt: float | None = None) -> float:
        """The width of ``text`` in mm, in ``font_pt`` (the text's size by default)."""
        return ems(text) * (font_pt or self.font_pt) * MM_PER_PT

    def row(self, cells: Sequence[str]) -> str:
        """One line: ``cells[i]`` in column ``i``, the empty cells at the end left out."""
        return "".join(self.segments(cells))

    def segments(self, cells: Sequence[str], *, widths_mm: Sequence[float] = ()) -> list[str]:
        """A line's pieces: each cell followed by the space to the next column's start (the
        last without). ``widths_mm[i]``: the width of cell ``i`` when some of it is set in
        another size than the text's (the caller styles that part)."""
        cells = list(cells)
        while cells and not cells[-1]:
            cells.pop()
        pieces = []
        for column, cell in enumerate(cells[:-1]):
            width = widths_mm[column] if column < len(widths_mm) else self.mm(cell)
            room = self.starts_mm[column + 1] - self.starts_mm[column] - width
            pieces.append(cell + pad(room / (self.font_pt * MM_PER_PT)))
        return pieces + cells[-1:]
