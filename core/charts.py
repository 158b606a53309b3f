"""Charts drawn on the server as SVG: no JavaScript, no CDN, and they print.

Each function here returns the geometry of one chart (frozen dataclasses); a template in
``templates/charts/`` draws it (``columns.html``, ``hbars.html``, ``line.html``). Sizes are
viewBox units. The charts are laid out for a phone first: a viewBox about as wide as a phone
screen (360), so a font size of 11–12 reads as about 11–12 px at 375 px; the stylesheet caps
their width on a desktop (``.chart``). Every chart carries a ``summary`` (its numbers as one
sentence, for ``aria-label``) and says ``empty`` when it has nothing to draw, so the page
shows a sentence instead of a blank frame. Empty values (None: a month not computed, a rate
without a denominator) are gaps, never zeros."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

Number = int | float | Decimal
EMPTY = "—"
FONT = 12  # the labels' font size in viewBox units
SMALL = 11  # axis and value labels


# --- numbers as the charts write them -------------------------------------------------------


def percent_text(value: Number | None, digits: int = 1) -> str:
    """0.6 → "60.0%"; None → "—"."""
    if value is None:
        return EMPTY
    return f"{float(value) * 100:.{digits}f}%"


def count_text(value: Number | None) -> str:
    """A count short enough for a narrow bar: 1234 → "1234", 12345 → "1.2万" (Chinese) or
    "12.3k" (English), 1234567 → "123万" / "1.2M"; None → "—"."""
    if value is None:
        return EMPTY
    number = float(value)
    size = abs(number)
    if (get_language() or "zh").startswith("zh"):
        if size >= 1e8:
            return f"{_trim(number / 1e8)}亿"
        if size >= 1e4:
            return f"{_trim(number / 1e4)}万"
    else:
        if size >= 1e6:
            return f"{_trim(number / 1e6)}M"
        if size >= 1e4:
            return f"{_trim(number / 1e3)}k"
    return f"{number:.0f}"


def _trim(number: float) -> str:
    """One decimal below 100 (1.2, 12.3), none from 100 on (123)."""
    return f"{number:.0f}" if abs(number) >= 100 else f"{number:.1f}".removesuffix(".0")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (0 for nothing above 0)."""
    if value <= 0:
        return 0.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude * (1 + 1e-9):
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop ends at 10


def _summary(title: str, items: list[str]) -> str:
    return _("%(title)s：%(items)s") % {"title": title, "items": _("，").join(items)}


def _month_labels(month: dt.date, index: int) -> tuple[str, str]:
    """A month's label under its bar or point ("03") and the year under the first month and
    under every January ("2026")."""
    return f"{month:%m}", (f"{month:%Y}" if index == 0 or month.month == 1 else "")


# --- columns: one bar a month ---------------------------------------------------------------


class MonthAxis:
    """The month labels under a monthly chart's baseline (``MM``, the year under some)."""

    baseline: float

    @property
    def label_y(self) -> float:
        return self.baseline + SMALL + 3

    @property
    def sublabel_y(self) -> float:
        return self.baseline + 2 * SMALL + 5


@dataclass(frozen=True)
class Column:
    label: str  # under the bar: the month ("03")
    sublabel: str  # a second line: the year at the first month and every January
    title: str  # the whole month, for the tooltip and the summary ("2026-03")
    value: float | None
    text: str  # the value label above the bar ("—" for a gap)
    x: float
    y: float
    width: float
    height: float
    center: float
    text_y: float


@dataclass(frozen=True)
class ColumnChart(MonthAxis):
    width: int
    height: int
    columns: list[Column]
    baseline: float
    title: str
    summary: str
    empty: bool


def column_chart(
    points: Sequence[tuple[dt.date, Number | None]],
    *,
    title: str,
    fmt: Callable[[Number | None], str] = count_text,
    width: int = 320,
    height: int = 190,
) -> ColumnChart:
    """One column a month, each labelled with its value, scaled to the highest; a month
    whose value is None is a gap with "—" (not computed), not a zero. ``empty`` when no month
    has a value above zero."""
    left, right, top, bottom = 4, 4, SMALL + 6, 2 * SMALL + 10
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [float(v) for _month, v in points if v is not None]
    highest = nice_ceiling(max(known, default=0.0))
    slot = plot_w / max(len(points), 1)
    baseline = top + plot_h
    columns = []
    for index, (month, value) in enumerate(points):
        number = None if value is None else float(value)
        bar_h = 0.0 if not number or highest == 0 else max(number, 0) / highest * plot_h
        label, sublabel = _month_labels(month, index)
        columns.append(
            Column(
                label=label,
                sublabel=sublabel,
                title=f"{month:%Y-%m}",
                value=number,
                text=fmt(value),
                x=round(left + index * slot + slot * 0.16, 1),
                y=round(baseline - bar_h, 1),
                width=round(slot * 0.68, 1),
                height=round(bar_h, 1),
                center=round(left + index * slot + slot / 2, 1),
                text_y=round(baseline - bar_h - 3, 1),
            )
        )
    summary = _summary(title, [f"{c.title} {c.text}" for c in columns])
    empty = not any(known)
    return ColumnChart(width, height, columns, round(baseline, 1), title, summary, empty)


# --- a line of monthly rates ----------------------------------------------------------------


@dataclass(frozen=True)
class LinePoint:
    label: str
    sublabel: str
    title: str
    value: float | None
    text: str
    x: float
    y: float | None  # None: a gap
    text_y: float


@dataclass(frozen=True)
class LineChart(MonthAxis):
    width: int
    height: int
    points: list[LinePoint]
    segments: list[str]  # "x,y x,y …" for each run of months with a value
    grid: list[tuple[float, str]]  # (y, label) for 0, half and the top
    baseline: float
    left: int
    title: str
    summary: str
    empty: bool


def line_chart(
    points: Sequence[tuple[dt.date, Number | None]],
    *,
    title: str,
    fmt: Callable[[Number | None], str] = percent_text,
    width: int = 320,
    height: int = 190,
) -> LineChart:
    """A line through monthly rates on a scale from 0 to 100% (or higher when a rate is),
    each point labelled; a month without a value breaks the line (a gap, not a zero)."""
    left, right, top, bottom = 34, 4, SMALL + 8, 2 * SMALL + 10
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [float(v) for _month, v in points if v is not None]
    highest = max(1.0, nice_ceiling(max(known, default=0.0)))
    lowest = min(0.0, -nice_ceiling(-min(known, default=0.0)))
    baseline = top + plot_h
    inset = 16  # the first and last points clear of the axis labels
    step = (plot_w - 2 * inset) / max(len(points) - 1, 1)

    def y_of(number: float) -> float:
        return round(top + (highest - number) / (highest - lowest) * plot_h, 1)

    out: list[LinePoint] = []
    segments: list[str] = []
    run: list[str] = []
    for index, (month, value) in enumerate(points):
        x = round(left + inset + index * step, 1) if len(points) > 1 else left + plot_w / 2
        label, sublabel = _month_labels(month, index)
        y = None if value is None else y_of(float(value))
        out.append(
            LinePoint(
                label=label,
                sublabel=sublabel,
                title=f"{month:%Y-%m}",
                value=None if value is None else float(value),
                text=fmt(value),
                x=x,
                y=y,
                text_y=(y - 6) if y is not None else baseline - 4,
            )
        )
        if y is None:
            if run:
                segments.append(" ".join(run))
            run = []
        else:
            run.append(f"{x},{y}")
    if run:
        segments.append(" ".join(run))
    grid = [
        (y_of(v), fmt(v).replace(".0%", "%"))
        for v in sorted({lowest, 0.0, highest / 2, highest}, reverse=True)
    ]
    summary = _summary(title, [f"{p.title} {p.text}" for p in out])
    return LineChart(
        width, height, out, segments, grid, y_of(0.0), left, title, summary, empty=not known
    )


# --- horizontal bars: people side by side ---------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One measure across the rows: its title, a value per row (None: no data), the team's
    average if it is marked, and how the bars read."""

    title: str
    values: Sequence[Number | None]
    average: Number | None = None
    fmt: Callable[[Number | None], str] = percent_text
    symmetric: bool = False  # a scale from −m to +m around a zero line (over / under)
    weak: Callable[[float], bool] | None = None  # bars to draw in the warning colour
    marks: Sequence[float] = ()  # thresholds drawn as thin dashed lines
    ends: tuple[str, str] = ("", "")  # what the two ends mean ("偏低", "偏高"), under the axis


@dataclass(frozen=True)
class HBar:
    value: float | None
    text: str
    x: float
    width: float
    text_x: float
    anchor: str  # the value's text-anchor: "start" or "end"
    tone: str  # "bar", "weak" or "negative": the template's colour
    inside: bool  # the value is written on the bar (light text)


@dataclass(frozen=True)
class HRow:
    label: str  # as drawn (long names shortened with "…")
    full: str
    y: float  # the top of the row's bar
    text_y: float  # the baseline of the row's texts
    bars: list[HBar]  # one a panel


@dataclass(frozen=True)
class Panel:
    title: str
    left: float
    right: float
    zero: float
    average_x: float | None
    average_text: str
    average_anchor: str  # the average's label: centred on its line unless near an edge
    marks: list[float]
    ticks: list[tuple[float, str, str]]  # (x, text, anchor) under the rows
    ends: tuple[str, str]


@dataclass(frozen=True)
class HBarChart:
    width: int
    height: int
    label_width: float
    rows: list[HRow]
    panels: list[Panel]
    top: float  # where the rows start
    bottom: float  # where they end (the axis)
    summary: str
    empty: bool

    @property
    def title_y(self) -> float:
        return FONT

    @property
    def average_y(self) -> float:
        return FONT + SMALL + 4

    @property
    def tick_y(self) -> float:
        return self.bottom + SMALL + 2

    @property
    def ends_y(self) -> float:
        return self.bottom + 2 * SMALL + 5


ROW = 24  # a row's height
BAR = 14  # a bar's thickness


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn at ``size``: a Chinese character is as wide as the
    font is high, a digit or a Latin letter a little over half of it."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.62 for ch in text)


def hbar_chart(labels: Sequence[str], series: Sequence[Series], *, width: int = 340) -> HBarChart:
    """A row per label (the order given), a panel of bars per series side by side, each with
    its value written on it, a zero line, the series' average as a dashed line and its
    thresholds as dotted ones. ``empty`` when no series has any value.

    A value is written inside its bar (light on dark) when it fits there, else just past the
    bar's end when the panel has room, else on the other side of the zero line (which is
    empty in that row): so no room is kept beside the bars and a phone keeps their length."""
    shown = [label if len(label) <= 6 else label[:5] + "…" for label in labels]
    label_width = min(max((text_width(s, FONT) for s in shown), default=0), 6 * FONT) + 8
    has_average = any(s.average is not None for s in series)
    top = FONT + 6 + (SMALL + 4 if has_average else 0)
    has_ends = any(any(s.ends) for s in series)
    bottom = top + ROW * len(labels)
    height = bottom + SMALL + 6 + (SMALL + 4 if has_ends else 0)
    gap = 12
    panel_w = (width - label_width - gap * (len(series) - 1)) / max(len(series), 1)

    panels, scales, spans = [], [], []
    for index, one in enumerate(series):
        left = label_width + index * (panel_w + gap)
        right = left + panel_w
        known = [float(v) for v in one.values if v is not None]
        if one.average is not None:
            known.append(float(one.average))
        low, high = min([0.0, *known]), max([0.0, *known])
        if one.symmetric:
            reach = nice_ceiling(max(-low, high)) or 0.1
            low, high = -reach, reach
        else:
            high = nice_ceiling(high) if high > 0 else (0.0 if low < 0 else 1.0)
            low = -nice_ceiling(-low) if low < 0 else 0.0
        plot_l, plot_r = left + 2, right - 2

        def x_of(v, plot_l=plot_l, plot_r=plot_r, low=low, high=high) -> float:
            return round(plot_l + (float(v) - low) / (high - low) * (plot_r - plot_l), 1)

        scales.append(x_of)
        spans.append((plot_l, plot_r))
        average_x = None if one.average is None else x_of(one.average)
        anchor = "middle"
        if average_x is not None and average_x - left < 32:
            anchor = "start"
        elif average_x is not None and right - average_x < 32:
            anchor = "end"
        ticks = [(x_of(low), one.fmt(low).replace(".0%", "%"), "start")]
        if low < 0:
            ticks.append((x_of(0), "0", "middle"))
        ticks.append((x_of(high), one.fmt(high).replace(".0%", "%"), "end"))
        panels.append(
            Panel(
                title=one.title,
                left=round(left, 1),
                right=round(right, 1),
                zero=x_of(0),
                average_x=average_x,
                average_text=(
                    "" if one.average is None else _("平均 %(v)s") % {"v": one.fmt(one.average)}
                ),
                average_anchor=anchor,
                marks=[x_of(m) for m in one.marks if low <= m <= high],
                ticks=ticks,
                ends=one.ends,
            )
        )

    rows = []
    for r, label in enumerate(labels):
        y = top + r * ROW + (ROW - BAR) / 2
        bars = [
            _hbar(one.values[r], one, x_of, span)
            for one, x_of, span in zip(series, scales, spans, strict=True)
        ]
        rows.append(HRow(shown[r], label, round(y, 1), round(y + BAR - 3, 1), bars))

    parts = []
    for index, one in enumerate(series):
        items = [f"{row.full} {row.bars[index].text}" for row in rows]
        if one.average is not None:
            items.append(_("平均 %(v)s") % {"v": one.fmt(one.average)})
        parts.append(_summary(one.title, items))
    empty = not any(v is not None for one in series for v in one.values)
    return HBarChart(
        width, height, label_width, rows, panels, top, bottom, _("；").join(parts), empty
    )


def _hbar(value, one: Series, x_of, span: tuple[float, float]) -> HBar:
    zero = x_of(0)
    if value is None:
        return HBar(None, EMPTY, zero, 0.0, zero + 3, "start", "bar", False)
    number, text = float(value), one.fmt(value)
    end = x_of(value)
    tone = "weak" if one.weak and one.weak(number) else ("negative" if number < 0 else "bar")
    room = text_width(text, SMALL) + 6
    left, right = span
    if number < 0:
        x, length = end, zero - end
        if length >= room:  # inside, at the bar's far end
            return HBar(number, text, x, length, end + 3, "start", tone, True)
        if end - left >= room:  # past the end
            return HBar(number, text, x, length, end - 3, "end", tone, False)
        return HBar(number, text, x, length, zero + 3, "start", tone, False)
    x, length = zero, end - zero
    if length >= room:
        return HBar(number, text, x, length, end - 3, "end", tone, True)
    if right - end >= room:
        return HBar(number, text, x, length, end + 3, "start", tone, False)
    return HBar(number, text, x, length, zero - 3, "end", tone, False)


# --- a sparkline in a table cell --------------------------------------------------------------


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y …" for a polyline
    last: tuple[float, float] | None


def sparkline(values: list, *, width: int = 96, height: int = 24) -> Sparkline:
    """A small line of ``values`` (None = a month without data, skipped)."""
    known = [float(v) for v in values if v is not None]
    if not known:
        return Sparkline(width, height, "", None)
    low, high = min(known), max(known)
    span = high - low or 1.0
    step = (width - 4) / max(len(values) - 1, 1)
    points = [
        (round(2 + i * step, 1), round(height - 2 - (float(v) - low) / span * (height - 4), 1))
        for i, v in enumerate(values)
        if v is not None
    ]
    return Sparkline(width, height, " ".join(f"{x},{y}" for x, y in points), points[-1])


# --- effects with their intervals (the strategy library) ---------------------------------------


@dataclass(frozen=True)
class IntervalRow:
    label: str  # as drawn
    full: str
    y: float  # the row's middle
    text_y: float
    x: float | None  # the estimate (None: not measured)
    low_x: float | None
    high_x: float | None
    text: str  # the estimate and its interval, as written
    tone: str  # "good", "bad" or "unclear": which side of zero the whole interval lies


@dataclass(frozen=True)
class IntervalChart:
    width: int
    height: int
    title: str
    label_width: float
    left: float
    right: float
    zero: float
    top: float
    bottom: float
    rows: list[IntervalRow]
    ticks: list[tuple[float, str, str]]
    summary: str
    empty: bool

    @property
    def tick_y(self) -> float:
        return self.bottom + SMALL + 2


def interval_chart(
    title: str,
    rows: Sequence[tuple[str, Number | None, Number | None, Number | None]],
    *,
    better: int = 1,
    width: int = 340,
) -> IntervalChart:
    """An estimate with its interval per row ((label, estimate, low, high), None: not
    measured): a dot on a line from low to high around a zero line, on a scale symmetric
    about zero. ``better`` (+1 / −1) says which side is an improvement, for the colours."""
    shown = [label if len(label) <= 8 else label[:7] + "…" for label, *_rest in rows]
    label_width = min(max((text_width(s, SMALL) for s in shown), default=0), 8 * SMALL) + 8
    top = FONT + 8
    bottom = top + ROW * len(rows)
    height = round(bottom + SMALL + 6)
    known = [abs(float(v)) for _label, *values in rows for v in values if v is not None]
    reach = nice_ceiling(max(known, default=0)) or 0.1
    left, right = label_width + 4, width - 4

    def x_of(v) -> float:
        return round(left + (float(v) + reach) / (2 * reach) * (right - left), 1)

    out: list[IntervalRow] = []
    parts: list[str] = []
    for (label, estimate, low, high), short in zip(rows, shown, strict=True):
        y = top + len(out) * ROW + ROW / 2
        if estimate is None:
            text = _("数据不足")
            out.append(IntervalRow(short, label, y, y + 4, None, None, None, text, "unclear"))
            parts.append(f"{label} {text}")
            continue
        low = estimate if low is None else low
        high = estimate if high is None else high
        tone = "unclear"
        if float(low) * better > 0 and float(high) * better > 0:
            tone = "good"
        elif float(low) * better < 0 and float(high) * better < 0:
            tone = "bad"
        text = f"{float(estimate):+.2f} [{float(low):.2f}, {float(high):.2f}]"
        out.append(
            IntervalRow(short, label, y, y + 4, x_of(estimate), x_of(low), x_of(high), text, tone)
        )
        parts.append(f"{label} {text}")
    ticks = [
        (x_of(-reach), f"{-reach:g}", "start"),
        (x_of(0), "0", "middle"),
        (x_of(reach), f"+{reach:g}", "end"),
    ]
    empty = not any(row.x is not None for row in out)
    return IntervalChart(
        width,
        height,
        title,
        label_width,
        left,
        right,
        x_of(0),
        top,
        bottom,
        out,
        ticks,
        _summary(title, parts),
        empty,
    )
