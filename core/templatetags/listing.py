"""Sortable column headers for list pages: the link keeps every filter of the current
URL, toggles the direction, and starts again at page 1."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_url(context, field: str) -> str:
    query = context["request"].GET.copy()
    query["o"] = f"-{field}" if query.get("o") == field else field
    query.pop("page", None)
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def sort_mark(context, field: str) -> str:
    current = context["request"].GET.get("o", "")
    if current == field:
        return "▲"
    if current == f"-{field}":
        return "▼"
    return ""
