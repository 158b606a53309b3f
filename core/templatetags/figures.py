"""Numbers as pages and printed documents show them: grouped by thousands, and "—" for a
value that is empty. One filter for every figure, because humanize's ``intcomma`` turns
None into the text "None", so ``x|intcomma|default:"—"`` never shows its dash."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat

register = template.Library()

EMPTY = "—"


@register.filter(is_safe=True)
def number(value, decimals=None) -> str:
    """``12345`` → "12,345"; ``number:2`` rounds to two places ("1,234.50"); None or ""
    → "—"."""
    if value is None or value == "":
        return EMPTY
    if decimals is not None:
        return floatformat(value, f"{int(decimals)}g")
    return intcomma(value)
