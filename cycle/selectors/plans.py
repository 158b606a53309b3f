"""Reading a plan's marketing actions, grouped by customer, with their counts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ..models import ActionSource, Cycle, MarketingAction, PlannedVisit
from .cycles import cycle_rows


@dataclass
class CustomerActions:
    customer: object
    actions: list[MarketingAction]
    days: list[dt.date]


def plan_actions(
    *, cycle: Cycle, source: str = "", search: str = "", include_removed: bool = False
) -> list[CustomerActions]:
    """The plan's actions grouped by customer (code order), each group with the customer's
    planned visit days; optionally only one source's actions, or customers whose code or
    name contains ``search``. Removed actions are left out unless asked for."""
    actions = (
        cycle_rows(MarketingAction.objects, cycle)
        .select_related("customer", "origin__cycle", "sku", "removed_by")
        .order_by("customer__code", "id")
    )
    if not include_removed:
        actions = actions.filter(removed_at__isnull=True)
    if source:
        actions = actions.filter(source=source)
    if search:
        actions = actions.filter(
            Q(customer__code__icontains=search) | Q(customer__name__icontains=search)
        )
    days = _planned_days(cycle)
    groups: dict[int, CustomerActions] = {}
    for action in actions:
        group = groups.get(action.customer_id)
        if group is None:
            group = groups[action.customer_id] = CustomerActions(
                action.customer, [], days.get(action.customer_id, [])
            )
        group.actions.append(action)
    return list(groups.values())


def removed_actions(*, cycle: Cycle) -> QuerySet[MarketingAction]:
    return (
        cycle_rows(MarketingAction.objects, cycle)
        .filter(removed_at__isnull=False)
        .select_related("customer", "removed_by")
        .order_by("-removed_at")
    )


def action_counts(*, cycle: Cycle) -> dict[str, int]:
    rows = (
        cycle_rows(MarketingAction.objects, cycle)
        .filter(removed_at__isnull=True)
        .values("source")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {source: 0 for source in ActionSource.values}
    counts.update({row["source"]: row["n"] for row in rows})
    counts["total"] = sum(counts[s] for s in ActionSource.values)
    return counts


def action_get(*, cycle: Cycle, pk: int) -> MarketingAction:
    found = cycle_rows(MarketingAction.objects, cycle).filter(pk=pk).select_related("cycle").first()
    if found is None:
        raise Http404("no such action")
    return found


def _planned_days(cycle: Cycle) -> dict[int, list[dt.date]]:
    days: dict[int, list[dt.date]] = defaultdict(list)
    planned = cycle_rows(PlannedVisit.objects, cycle).order_by("date")
    for customer_id, date in planned.values_list("customer_id", "date"):
        days[customer_id].append(date)
    return days
