"""How much of each month's plan was carried out, counted in SQL for the monthly indicators
(DESIGN.md §4 step 4, §5) and the ``no_visit`` warning rule. ``reports`` sits below ``cycle``
and never imports it: the indicator job reads these counts through the hook of
``reports/execution_source.py``, whose default source is ``month_execution`` here.

What counts, in a month M (the cycle's month; a visit's date is a local date):
- actions planned: the cycle's marketing actions that are not removed and are not temporary
  tasks — the plan as approved, with what was carried over or arranged into it;
- actions done: those same actions marked done (★). Temporary tasks (●, needs met on a visit
  that were not in the plan) are left out of both, so the completion rate measures the plan
  and never passes 100 %; they stay visible in the task execution table;
- visits planned: the planned visit days of the weekly arrangement (周安排);
- visits done: **valid** visits — checked in and out at least ``MIN_VISIT_SECONDS`` apart.
  A shorter visit is flagged for the audit and does not count.
A manager's counts are the records of their cycle as they stand, like the month's evaluation
page (``cycle.selectors.evaluation_figures``): the work was planned and done even if a customer has
since been closed. Each count is one aggregate query, however many managers or customers
there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from django.db.models import Count, QuerySet

from core.months import month_end, month_start
from reports.execution_source import CUSTOMER_COUNTS, MANAGER_COUNTS

from .models import MarketingAction, PlannedVisit, Visit
from .models.visits import valid_visit_q


def visits_in_month(month: dt.date) -> QuerySet[Visit]:
    start = month_start(month)
    return Visit.objects.filter(date__gte=start, date__lte=month_end(start))


def valid_visits_in_month(month: dt.date) -> QuerySet[Visit]:
    return visits_in_month(month).filter(valid_visit_q())


def _plan_actions(month: dt.date) -> QuerySet[MarketingAction]:
    return MarketingAction.objects.filter(
        cycle__month=month_start(month), removed_at__isnull=True, temporary=False
    )


def _grouped(queryset: QuerySet, key: str, count: Count) -> pd.Series:
    rows = queryset.values(key).annotate(n=count).order_by().values_list(key, "n")
    return pd.Series(dict(rows), dtype="int64")


def month_execution(*, month: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicator job's source of execution counts (``REPORTS_EXECUTION_SOURCE``): per
    manager and per customer."""
    return execution_counts(month=month), customer_execution_counts(month=month)


def execution_counts(*, month: dt.date) -> pd.DataFrame:
    """Per customer manager (the cycle's owner) with anything in M: the index is the
    manager id, the columns MANAGER_COUNTS (int64; a manager left out has zeros)."""
    actions = _plan_actions(month)
    counts = {
        "actions_planned": _grouped(actions, "cycle__manager_id", Count("id")),
        "actions_done": _grouped(
            actions.filter(done_at__isnull=False), "cycle__manager_id", Count("id")
        ),
        "visits_planned": _grouped(
            PlannedVisit.objects.filter(cycle__month=month_start(month)),
            "cycle__manager_id",
            Count("id"),
        ),
        "visits_done": _grouped(valid_visits_in_month(month), "cycle__manager_id", Count("id")),
    }
    return _frame(counts, MANAGER_COUNTS, "manager_id")


def customer_execution_counts(*, month: dt.date) -> pd.DataFrame:
    """Per customer with anything in M: valid visits and planned actions done; the index is
    the customer id, the columns CUSTOMER_COUNTS."""
    counts = {
        "visits_done": customer_visit_counts(month=month),
        "actions_done": _grouped(
            _plan_actions(month).filter(done_at__isnull=False), "customer_id", Count("id")
        ),
    }
    return _frame(counts, CUSTOMER_COUNTS, "customer_id")


def customer_visit_counts(*, month: dt.date) -> pd.Series:
    """Valid visits in M per customer visited (customer id → count)."""
    return _grouped(valid_visits_in_month(month), "customer_id", Count("id"))


def _frame(counts: dict[str, pd.Series], columns: list[str], index: str) -> pd.DataFrame:
    frame = pd.DataFrame(counts, columns=columns).fillna(0).astype("int64")
    frame.index = frame.index.astype("int64")
    frame.index.name = index
    return frame


def valid_visits_by_customer(*, customer_ids: Iterable[int], month: dt.date) -> dict[int, int]:
    """The visit source of the ``no_visit`` warning rule (``CYCLE_VISIT_SOURCE``): customer
    id → valid visits in M, for those of ``customer_ids`` visited at least once (by anyone:
    a customer handed over mid-month keeps the visits of its former manager)."""
    wanted = set(map(int, customer_ids))
    # the month's visits summed in SQL, filtered here: the ids may be a whole company's
    rows = (
        valid_visits_in_month(month)
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("customer_id", "n")
    )
    return {customer: n for customer, n in rows if customer in wanted}
