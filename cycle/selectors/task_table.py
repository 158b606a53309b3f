"""The task execution table (任务执行标注表, DESIGN.md §4 step 3): the month's customers ×
marketing actions with the method's marks ☆ planned, ● temporary task not yet done, ★ done.

Filtering happens in SQL; the page is a page of customers (their actions fetched for those
customers only), so a month of thousands of actions costs a fixed handful of queries. The
caller has the cycle from ``plan_for``, which already decided who may see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

from ..models import ActionSource, Cycle, MarketingAction
from .cycles import cycle_rows

CUSTOMERS_PER_PAGE = 25
SEARCH_MAX_LENGTH = 50

PLANNED, TEMPORARY, DONE = "planned", "temporary", "done"
# the marks as conditions on the columns behind ``MarketingAction.mark``
MARK_CONDITIONS = {
    PLANNED: Q(done_at__isnull=True, temporary=False),
    TEMPORARY: Q(done_at__isnull=True, temporary=True),
    DONE: Q(done_at__isnull=False),
}
MARK_CHOICES = [
    (PLANNED, _("☆ 计划未完成")),
    (TEMPORARY, _("● 临时任务未完成")),
    (DONE, _("★ 已完成")),
]


@dataclass(frozen=True)
class TaskFilter:
    """What the table is narrowed to; read from (and written back into) the URL."""

    mark: str = ""
    source: str = ""
    q: str = ""
    open_only: bool = False

    @classmethod
    def from_query(cls, query) -> TaskFilter:
        mark = query.get("mark", "")
        source = query.get("source", "")
        return cls(
            mark=mark if mark in MARK_CONDITIONS else "",
            source=source if source in ActionSource.values else "",
            q=" ".join(query.get("q", "").split())[:SEARCH_MAX_LENGTH],
            open_only=query.get("open") == "1",
        )

    @property
    def is_set(self) -> bool:
        return bool(self.mark or self.source or self.q or self.open_only)

    def querystring(self, page: int = 1) -> str:
        """The filter as URL parameters (empty ones left out), for pager, print and export
        links and the address bar."""
        params = {"mark": self.mark, "source": self.source, "q": self.q}
        params = {k: v for k, v in params.items() if v}
        if self.open_only:
            params["open"] = "1"
        if page > 1:
            params["page"] = str(page)
        return urlencode(params)

    @property
    def mark_label(self) -> str:
        return str(dict(MARK_CHOICES).get(self.mark, ""))

    @property
    def source_label(self) -> str:
        return str(dict(ActionSource.choices).get(self.source, ""))


@dataclass
class CustomerTasks:
    """One row of the table: a customer and its actions shown under the filter; ``done`` and
    ``total`` count all the customer's actions of the month, whatever the filter shows."""

    id: int
    code: str
    name: str
    actions: list[MarketingAction] = field(default_factory=list)
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class TaskTotals:
    planned: int
    temporary: int
    done: int

    @property
    def total(self) -> int:
        return self.planned + self.temporary + self.done

    @property
    def rate(self) -> Decimal | None:
        """Done as a percentage of all the month's actions, one decimal; None without any."""
        if not self.total:
            return None
        return (Decimal(self.done * 100) / self.total).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass
class TaskTable:
    rows: list[CustomerTasks]
    page: Page | None  # None: every row (the print view)
    customers: int


def task_actions(*, cycle: Cycle, where: TaskFilter) -> QuerySet[MarketingAction]:
    """The cycle's actions under ``where``, removed ones never, in customer code order."""
    actions = cycle_rows(MarketingAction.objects, cycle).filter(removed_at__isnull=True)
    if where.source:
        actions = actions.filter(source=where.source)
    if where.q:
        actions = actions.filter(
            Q(customer__code__icontains=where.q) | Q(customer__name__icontains=where.q)
        )
    if where.open_only:
        # the customer still has something to do (of the chosen source), whichever marks
        # are shown
        still_open = cycle_rows(MarketingAction.objects, cycle).filter(
            customer_id=OuterRef("customer_id"),
            removed_at__isnull=True,
            done_at__isnull=True,
        )
        if where.source:
            still_open = still_open.filter(source=where.source)
        actions = actions.filter(Exists(still_open))
    if where.mark:
        actions = actions.filter(MARK_CONDITIONS[where.mark])
    return actions.order_by("customer__code", "customer_id", "id")


def task_totals(*, cycle: Cycle) -> TaskTotals:
    """The month's marks counted in one query, regardless of the filter."""
    counts = cycle_rows(MarketingAction.objects, cycle).filter(removed_at__isnull=True)
    counts = counts.aggregate(
        **{mark: Count("id", filter=condition) for mark, condition in MARK_CONDITIONS.items()}
    )
    return TaskTotals(counts[PLANNED], counts[TEMPORARY], counts[DONE])


def task_table(
    *, cycle: Cycle, where: TaskFilter, page: str | int | None = 1, paginate: bool = True
) -> TaskTable:
    """A page of customers with their filtered actions, or (``paginate=False``) all of
    them, for printing."""
    actions = task_actions(cycle=cycle, where=where)
    customers = (
        Customer.objects.filter(pk__in=actions.values("customer_id"))
        .order_by("code", "id")
        .values_list("id", "code", "name")
    )
    if paginate:
        shown = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(page)
        listed, count = list(shown.object_list), shown.paginator.count
        ids = [pk for pk, _code, _name in listed]
        actions = actions.filter(customer_id__in=ids)
        counted = cycle_rows(MarketingAction.objects, cycle).filter(customer_id__in=ids)
    else:
        shown, listed = None, list(customers)
        count = len(listed)
        counted = cycle_rows(MarketingAction.objects, cycle)
        counted = counted.filter(customer_id__in=customers.values("id"))
    rows = {pk: CustomerTasks(pk, code, name) for pk, code, name in listed}
    for action in actions.only(
        "id", "customer_id", "source", "text", "temporary", "done_at", "visit_date"
    ):
        rows[action.customer_id].actions.append(action)
    for customer_id, done, total in (
        counted.filter(removed_at__isnull=True)
        .values("customer_id")
        .annotate(done=Count("id", filter=MARK_CONDITIONS[DONE]), total=Count("id"))
        .values_list("customer_id", "done", "total")
        .order_by()
    ):
        rows[customer_id].done, rows[customer_id].total = done, total
    return TaskTable(list(rows.values()), shown, count)


def task_export_rows(*, cycle: Cycle, where: TaskFilter):
    """Every filtered action as (code, name, source, text, temporary, done_at, visit_date),
    streamed for the Excel export."""
    return (
        task_actions(cycle=cycle, where=where)
        .values_list(
            "customer__code",
            "customer__name",
            "source",
            "text",
            "temporary",
            "done_at",
            "visit_date",
        )
        .iterator(chunk_size=2000)
    )
