"""Charts drawn on the server as SVG: no JavaScript, no CDN, and they print."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    baseline: float
    top_value: float
    grid: list[tuple[float, float]]  # (y, value)


def bar_chart(
    points: list[tuple[str, int | float | Decimal]], *, width: int = 380, height: int = 200
) -> BarChart:
    """Bars scaled to a rounded maximum, with three grid lines."""
    left, right, top, bottom = 40, 4, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((float(v) for _label, v in points), default=0.0)
    top_value = _nice_ceiling(highest)
    slot = plot_w / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_h = 0.0 if top_value == 0 else float(value) / top_value * plot_h
        x = left + index * slot + slot * 0.15
        bars.append(
            Bar(
                label=label,
                value=float(value),
                x=round(x, 1),
                y=round(top + plot_h - bar_h, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_h, 1),
                label_x=round(left + index * slot + slot / 2, 1),
            )
        )
    grid = [(round(top + plot_h * (1 - f), 1), top_value * f) for f in (0.0, 0.5, 1.0)]
    return BarChart(width, height, bars, top + plot_h, top_value, grid)


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 0.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


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
