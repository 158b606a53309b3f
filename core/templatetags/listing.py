"""Sortable column headers, one look for every table: ``includes/sort_th.html`` draws the
``<th>`` (a link styled as one, an ↕ / ▲ / ▼ indicator, ``aria-sort`` on the sorted column).

- ``{% sort_header "tier" _("档位") numeric=True %}`` for list pages sorted by ``?o=``
  (``o=tier`` ascending, ``o=-tier`` descending): the link keeps every filter of the current
  URL, toggles the direction of the sorted column, and starts again at page 1;
- ``{% include "includes/sort_th.html" with label=… href=… direction=… %}`` for pages that
  build their own sort links (the team board), ``direction`` being ``"ascending"``,
  ``"descending"`` or empty (``|sort_direction`` turns a ▲/▼ arrow into it)."""

from django import template

register = template.Library()

ASCENDING, DESCENDING = "ascending", "descending"


@register.simple_tag(takes_context=True)
def sort_url(context, field: str) -> str:
    query = context["request"].GET.copy()
    query["o"] = f"-{field}" if query.get("o") == field else field
    query.pop("page", None)
    return f"?{query.urlencode()}"


def current_direction(context, field: str) -> str:
    """``ascending``/``descending`` when the page is sorted by ``field``, else empty."""
    current = context["request"].GET.get("o", "")
    if current == field:
        return ASCENDING
    if current == f"-{field}":
        return DESCENDING
    return ""


@register.inclusion_tag("includes/sort_th.html", takes_context=True)
def sort_header(context, field: str, label, numeric: bool = False, cls: str = "") -> dict:
    return {
        "label": label,
        "href": sort_url(context, field),
        "direction": current_direction(context, field),
        "numeric": numeric,
        "cls": cls,
    }


@register.filter
def sort_direction(arrow: str) -> str:
    """The ``aria-sort`` value of a ▲ / ▼ arrow (empty for none)."""
    return {"▲": ASCENDING, "▼": DESCENDING}.get(arrow or "", "")
