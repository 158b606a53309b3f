"""Text written into a stylesheet: the printed documents put their page headers and footers
into ``@page`` margin boxes as literal ``content`` strings (cheaper for WeasyPrint than
``string-set``, which it re-resolves on every page)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def css_string(value) -> str:
    """``value`` as a quoted CSS string: backslashes and quotes escaped, line breaks as
    spaces, and ``<`` escaped so the text cannot close the surrounding ``<style>``."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
    return mark_safe(f'"{text}"')
