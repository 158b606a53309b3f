"""How the annual brand evaluation prints a value of its twelve-month tables (by the row's
kind) and a change against the year before (relative, or in percentage points)."""

from django import template
from django.utils.translation import gettext as _

from core.templatetags.charts import percent
from core.templatetags.figures import EMPTY, number

register = template.Library()


@register.filter
def annual_value(value, kind: str) -> str:
    """A rate as a percentage, cartons grouped, yuan (or 万元) with two decimals, a state as
    it is."""
    if value is None or value == "":
        return EMPTY
    if kind == "rate":
        return percent(value)
    if kind == "count":
        return number(value)
    if kind == "money":
        return number(value, 2)
    if kind == "wan":
        return number(value / 10000, 2)
    return str(value)


@register.filter
def annual_change(value, kind: str) -> str:
    """ "+5.3%" relative, "+1.2 个百分点" in points, "—" when there is nothing to compare."""
    if value is None or not kind:
        return EMPTY
    if kind == "pp":
        return _("%(points)s 个百分点") % {"points": f"{value * 100:+.1f}"}
    return f"{value * 100:+.1f}%"
