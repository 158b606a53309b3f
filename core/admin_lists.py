"""Admin list pages over tables of millions of rows (order lines, observations, indicators,
audit trails): what keeps each page a few indexed queries whatever the table's size.

- ``EstimatedCountPaginator``: no exact ``COUNT(*)`` over millions of rows on every page. On
  PostgreSQL the planner's row estimate (``EXPLAIN``, which scales the last ANALYZE's
  ``reltuples`` to the table's current size and applies the filters' selectivity) is taken
  when the result is big; small results are counted exactly.
- ``month_filter(field)``: the sidebar's month choice instead of ``date_hierarchy``, whose
  ``SELECT DISTINCT date_trunc(...)`` reads every row of the table on every page. The months
  are computed from today, not read from the data, and a month is a half-open date range, so
  the field's index answers it.
- ``ReferenceSearchMixin``: search through the referenced customer or SKU (a small table)
  first, then the big table by its foreign-key index, instead of a ``LIKE`` over every row
  joined to its customer and SKU.

Only Django and ``core`` are imported here: the apps' admins build on it, not the reverse.
"""

import datetime as dt
import json
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.months import add_months, current_month, parse_month

# Django's own label for a row's checkbox, translated by the admin's catalogue.
_CHECKBOX_LABEL = "Select this object for an action - {}"

# A search term matching up to this many customers (SKUs, users) lists their ids in the query.
LITERAL_IDS_UP_TO = 500

# Up to this many rows a list's count is exact: counting them costs a few milliseconds.
EXACT_COUNT_UP_TO = 100_000


def planner_row_estimate(queryset) -> int | None:
    """The PostgreSQL planner's estimate of the rows ``queryset`` returns, or None on another
    database. Costs a plan, not a scan."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    # ordering and joins for display do not change how many rows there are
    query = queryset.order_by().select_related(None).query
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # .none(): nothing to plan
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to ``EXACT_COUNT_UP_TO`` rows; beyond, takes the planner's estimate
    and sets ``count_is_estimate`` (the page says "约"). A bounded count (at most
    ``EXACT_COUNT_UP_TO`` rows read) checks a big estimate first, so a planner that
    overestimates a filter's result never shows a made-up figure for a small one."""

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, models.QuerySet):
            return super().count
        estimate = planner_row_estimate(queryset)
        if estimate is None or estimate < EXACT_COUNT_UP_TO:
            return queryset.count()
        bounded = queryset.order_by().select_related(None)[: EXACT_COUNT_UP_TO + 1].count()
        if bounded <= EXACT_COUNT_UP_TO:
            return bounded
        self.count_is_estimate = True
        return max(estimate, bounded)


class LargeTableAdmin(admin.ModelAdmin):
    """Base of the admins of tables that reach millions of rows.

    ``list_prefetch_related`` names references shown in the list that are better read for
    the page's rows alone (one ``id IN (…)`` query each) than joined: PostgreSQL joins every
    row it passes over, those an OFFSET skips (page 50 is rows 4,901–5,000) and those an
    ordering the index only half serves must sort (a month's forecasts by customer)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False  # the unfiltered total would be a second count
    list_prefetch_related: list[str] = []

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.list_prefetch_related:
            queryset = queryset.prefetch_related(*self.list_prefetch_related)
        return queryset

    def action_checkbox(self, obj):
        # Django's markup for the row's checkbox, written directly: its CheckboxInput renders
        # a widget template per row, a fifth of a 100-row page's rendering time.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext(_CHECKBOX_LABEL), str(obj)),
        )


class MonthFilter(admin.SimpleListFilter):
    """One calendar month of ``field_name`` (a date or an aware datetime, in the company's
    time zone); made by ``month_filter``."""

    title = _("月份")
    parameter_name = "month"
    field_name = ""
    months = 13

    def lookups(self, request, model_admin):
        this = current_month()
        months = (add_months(this, -back) for back in range(self.months))
        return [(f"{month:%Y-%m}", f"{month:%Y-%m}") for month in months]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return None
        try:
            month = parse_month(value)
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error
        start, end = month, add_months(month, 1)
        if isinstance(queryset.model._meta.get_field(self.field_name), models.DateTimeField):
            zone = timezone.get_default_timezone()
            start = dt.datetime.combine(start, dt.time(), tzinfo=zone)
            end = dt.datetime.combine(end, dt.time(), tzinfo=zone)
        return queryset.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


def month_filter(field_name: str, *, months: int = 13) -> type[MonthFilter]:
    """A list filter offering this month and the ``months - 1`` before it (any other month
    works from the URL: ``?month=2024-03``)."""
    return type(
        f"MonthFilter_{field_name}", (MonthFilter,), {"field_name": field_name, "months": months}
    )


class ReferenceSearchMixin:
    """Search a big table through the rows it references.

    A search field ``customer__code__exact`` first finds the matching customers (a small
    table), then becomes ``customer_id IN (…their ids…)``: the big table is read by its index
    on the foreign key, never joined row by row. A reference that matches nothing is left out
    of the query (a condition that can only be false would still make PostgreSQL walk the
    table), and a term that matches nothing anywhere gives no rows without a scan. Fields of
    the table itself (``content``) are searched as Django does. The usual prefixes work:
    ``^`` starts with, ``=`` equals (both ignoring case), none: contains; an explicit lookup
    (``__exact``, ``__startswith``) is kept and lets a code's index answer."""

    if TYPE_CHECKING:
        # mixed into a ModelAdmin, which provides it
        def get_search_fields(self, request: HttpRequest) -> Sequence[str]: ...

    def get_search_results(self, request, queryset, search_term):
        terms = [
            unescape_string_literal(bit) if bit[:1] in "\"'" and bit[0] == bit[-1] else bit
            for bit in smart_split(search_term)
        ]
        if not terms:
            return queryset, False
        references, local = _split_search_fields(queryset.model, self.get_search_fields(request))
        for term in terms:
            condition = Q()
            for field, lookups in references.items():
                related = queryset.model._meta.get_field(field).related_model
                match = related._default_manager.filter(
                    reduce(or_, (Q(**{lookup: term}) for lookup in lookups))
                )
                ids = list(match.values_list("pk", flat=True)[: LITERAL_IDS_UP_TO + 1])
                if not ids:
                    continue
                # Written out, a few ids let the planner use each one's statistics and read
                # an index on (reference, date) in the list's order; a subquery does not.
                if len(ids) > LITERAL_IDS_UP_TO:
                    ids = match.values("pk")
                condition |= Q(**{f"{field}__in": ids})
            for lookup in local:
                condition |= Q(**{lookup: term})
            if not condition:
                return queryset.none(), False
            queryset = queryset.filter(condition)
        return queryset, False


def _split_search_fields(model, search_fields) -> tuple[dict[str, list[str]], list[str]]:
    """{foreign key: [lookups on the referenced model]}, [lookups on the model itself]."""
    references: dict[str, list[str]] = {}
    local: list[str] = []
    for spec in search_fields:
        path = _as_lookup(model, str(spec))
        head, _sep, rest = path.partition("__")
        field = model._meta.get_field(head)
        if field.many_to_one and "__" in rest:
            references.setdefault(head, []).append(rest)
        else:
            local.append(path)
    return references, local


def _as_lookup(model, spec: str) -> str:
    if spec.startswith("^"):
        return f"{spec[1:]}__istartswith"
    if spec.startswith("="):
        return f"{spec[1:]}__iexact"
    opts, field = model._meta, None
    for name in spec.split("__"):
        if field is not None and not field.is_relation:
            return spec  # a lookup after a plain field
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            return spec  # ends with a lookup already
        if field.is_relation:
            opts = field.related_model._meta
    return f"{spec}__icontains"
