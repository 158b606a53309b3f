"""What the plan page (月计划) shows, assembled from the selectors."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count

from accounts.models import User
from accounts.policy import can_edit_cycle
from core.months import add_months
from reports.selectors import manager_indicator

from .forms import GoalsForm
from .models import ActionSource, Cycle, StandardAction, Transition
from .selectors import (
    action_counts,
    own_customers,
    plan_actions,
    plan_history,
    removed_actions,
    unscheduled_customers,
)
from .selectors.steps import cycle_steps
from .services import flowing_arrangements, plan_may

CUSTOMERS_PER_PAGE = 25


def plan_context(
    *, user: User, cycle: Cycle, goals_form: GoalsForm | None = None, query=None
) -> dict:
    is_owner = can_edit_cycle(user, cycle)
    can_edit = is_owner and cycle.plan_is_editable
    previous = add_months(cycle.month, -1)
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "month": cycle.month,
        "previous_month": previous,
        "next_month": add_months(cycle.month, 1),
        "steps": cycle_steps(cycle=cycle),
        "can_edit": can_edit,
        "is_owner": is_owner,
        "may": {t: plan_may(user=user, cycle=cycle, transition=t) for t in Transition.values},
        "history": plan_history(cycle=cycle),
        "goals_form": goals_form or GoalsForm(instance=cycle),
        "previous_volume": _volume(cycle.manager, previous),
        "planned": _planned(cycle),
        **actions_context(cycle=cycle, can_edit=can_edit, query=query),
    }


def actions_context(*, cycle: Cycle, can_edit: bool, query=None) -> dict:
    """The actions part of the plan page, a page of customers at a time; ``query`` (the
    request's GET) may pick a source (``source``), a customer (``q``) and a ``page``."""
    query = query or {}
    source = query.get("source", "")
    source = source if source in ActionSource.values else ""
    search = query.get("q", "").strip()
    groups = plan_actions(cycle=cycle, source=source, search=search)
    page = Paginator(groups, CUSTOMERS_PER_PAGE).get_page(query.get("page"))
    counts = action_counts(cycle=cycle)
    return {
        "groups": page.object_list,
        "page": page,
        "source": source,
        "q": search,
        "counts": counts,
        "source_counts": [
            {"value": value, "label": label, "n": counts[value]}
            for value, label in ActionSource.choices
        ],
        "removed": removed_actions(cycle=cycle),
        "arrangements": flowing_arrangements(cycle=cycle).prefetch_related("replies"),
        "unscheduled": unscheduled_customers(cycle=cycle),
        "standard_actions": StandardAction.objects.filter(is_active=True)
        if can_edit
        else StandardAction.objects.none(),
        "own_customers": own_customers(cycle).only("id", "code", "name").order_by("code")
        if can_edit
        else [],
        "can_edit": can_edit,
        "cycle": cycle,
    }


def _volume(manager: User, month) -> int | None:
    row = manager_indicator(manager=manager, month=month)
    return row.volume if row else None


def _planned(cycle: Cycle) -> dict[str, int]:
    """The plan's visits for its summary: how many, on how many days."""
    if cycle.pk is None:
        return {"visits": 0, "days": 0}
    return cycle.planned_visits.aggregate(visits=Count("id"), days=Count("date", distinct=True))
