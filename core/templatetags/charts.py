from django import template
from django.utils.html import format_html

from core.charts import sparkline

register = template.Library()


@register.simple_tag
def spark(values, label=""):
    """An inline SVG sparkline of a 13-month series (prints, no JavaScript)."""
    line = sparkline(values)
    if not line.points or line.last is None:
        return ""
    return format_html(
        '<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
        '<polyline points="{points}" fill="none" stroke="#0b6e4f" stroke-width="1.5"/>'
        '<circle cx="{x}" cy="{y}" r="2" fill="#0b6e4f"/></svg>',
        w=line.width,
        h=line.height,
        label=label,
        points=line.points,
        x=line.last[0],
        y=line.last[1],
    )


@register.filter
def percent(value, digits=1):
    """A rate as a percentage; empty rates (zero denominators) show as —."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"
