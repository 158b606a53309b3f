"""Phone numbers as links a phone dials (``tel:``)."""

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()

# what separates two numbers in one field: "0931-8888888 / 13800001111", "…，…", "…;…"
_SEPARATORS = re.compile(r"\s*[/,，;；、]\s*")


@register.filter
def tel_links(value) -> str:
    """Each number in ``value`` as a ``tel:`` link (the link dials the digits and a leading
    +, the text stays as written); a piece without at least three digits stays text; empty →
    "—"."""
    text = str(value or "").strip()
    if not text:
        return "—"
    parts = []
    for number in filter(None, _SEPARATORS.split(text)):
        digits = re.sub(r"[^\d]", "", number)
        dial = ("+" if number.startswith("+") else "") + digits
        if len(digits) >= 3:
            label = _("拨打 %(p)s") % {"p": number}
            parts.append(
                format_html(
                    '<a href="tel:{}" class="tel" aria-label="{}">{}</a>', dial, label, number
                )
            )
        else:
            parts.append(format_html("{}", number))
    return format_html_join(" / ", "{}", ((p,) for p in parts))
