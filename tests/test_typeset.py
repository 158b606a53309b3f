"""Text set in columns for the printed documents (core/typeset.py): lines wrapped where a
Chinese reader expects, blank space as wide as asked, each cell at its column's start."""

import pytest

from core import typeset
from core.typeset import Columns, cut, ems, pad, wrap


def test_widths_are_the_fonts():
    assert ems("中文□★＿") == 5  # a Chinese character and the sheet's symbols: 1 em
    assert ems("0123456789") == pytest.approx(5.55, abs=0.01)  # digits: 0.555 em
    assert ems(" ") == pytest.approx(0.224)


def test_chinese_breaks_between_characters_but_not_before_closing_punctuation():
    # "，" does not start a line: the character before it goes along
    assert wrap("走访了解经营变化，帮助分析原因", 8) == ["走访了解经营变", "化，帮助分析原因"]
    # "（" does not end one: it goes with the character after it
    assert wrap("调整陈列（黄金位置）", 5) == ["调整陈列", "（黄金位", "置）"]


def test_words_and_numbers_are_kept_whole_unless_longer_than_a_line():
    assert wrap("call 13909310001 today", 7) == ["call", "13909310001", "today"]
    long = wrap("6201021000123456789012345", 6)
    assert "".join(long) == "6201021000123456789012345"
    assert all(ems(line) <= 6 for line in long)


def test_line_breaks_in_the_text_are_kept():
    assert wrap("第一条\n第二条", 20) == ["第一条", "第二条"]


@pytest.mark.parametrize("width", [0.45, 1, 3.33, 17.9, 54.4])
def test_a_pad_is_as_wide_as_asked_within_a_tenth_of_an_em(width):
    assert ems(pad(width)) == pytest.approx(width, abs=0.09)
    assert pad(width).strip(" \u2002\u2003") == ""


def test_each_cell_starts_at_its_column():
    columns = Columns(starts_mm=(0, 48, 144), width_mm=191.5, font_pt=7.5)
    line = columns.row(["1　兴隆烟酒店", "□☆ 调整陈列", "进店 __:__"])
    mm = 7.5 * 25.4 / 72
    assert ems(line[: line.index("□")]) * mm == pytest.approx(48, abs=0.25)
    assert ems(line[: line.index("进")]) * mm == pytest.approx(144, abs=0.25)
    assert columns.row(["只有客户", "", ""]) == "只有客户"  # nothing after the last cell
    # a cell set larger (the name) moves what follows by its real width
    first, rest = columns.segments(["1　兴隆烟酒店", "□"], widths_mm=[30])
    assert ems(first) * mm == pytest.approx(48 - 30 + ems("1　兴隆烟酒店") * mm, abs=0.25)
    assert rest == "□"


def test_cut_keeps_what_fits():
    assert cut("黄鹤楼(硬金砂)", 20) == "黄鹤楼(硬金砂)"
    short = cut("黄鹤楼(硬金砂天下名楼)", 6)
    assert short.endswith("…") and ems(short) <= 6


def test_an_unreadable_font_file_gives_the_upper_bounds(monkeypatch, tmp_path):
    broken = tmp_path / "NotoSansCJK-Regular.ttc"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(typeset, "_font_file", lambda: (str(broken), 0))
    typeset._advances.cache_clear()
    typeset.char_ems.cache_clear()
    typeset.ems.cache_clear()
    try:
        assert typeset._advances() is None
        assert ems("中0") >= 1.55
    finally:
        typeset._advances.cache_clear()
        typeset.char_ems.cache_clear()
        typeset.ems.cache_clear()


def test_without_the_font_widths_are_upper_bounds(monkeypatch):
    """No Noto Sans CJK to read (a machine without fonts-noto-cjk): nothing may overrun its
    column, so every width is taken at least as wide as the font's."""
    real = {ch: ems(ch) for ch in "中0 A."}
    monkeypatch.setattr(typeset, "_font_file", lambda: None)
    typeset._advances.cache_clear()
    typeset.char_ems.cache_clear()
    typeset.ems.cache_clear()
    try:
        assert all(ems(ch) >= width for ch, width in real.items())
    finally:
        typeset._advances.cache_clear()
        typeset.char_ems.cache_clear()
        typeset.ems.cache_clear()
