"""Finding a monthly cycle and reading its rows. Who may see whose work is decided by
``accounts.policy`` (DESIGN.md §2); reading never creates a cycle (``services.cycle_start``
does, on the first write)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Manager, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import access_manager
from accounts.selectors import managers_visible_to
from core.months import add_months, month_start
from customers.models import Customer, CustomerStatus
from customers.selectors import customers_owned_by

from ..models import ApprovalRecord, Cycle, Document


def cycle_for(*, user: User, manager: User | int, month: dt.date) -> Cycle:
    """The cycle of ``manager`` (a user or a user id) for the month of ``month``, if ``user``
    may see that customer manager's work; else Http404 (whether or not the manager exists).

    Reading never creates a cycle: a month nobody has written into yet is an unsaved
    default cycle (a draft plan, pk None) that every page renders as empty. Its customer
    manager's first write creates the row (``services.cycle_start``)."""
    manager_id = manager.pk if isinstance(manager, User) else manager
    visible = managers_visible_to(user=user).filter(pk=manager_id).select_related("team").first()
    if visible is None:
        raise Http404("no such customer manager")
    first = month_start(month)
    cycle = Cycle.objects.filter(manager=visible, month=first).first()
    if cycle is None:
        cycle = Cycle(manager=visible, month=first)
    cycle.manager = visible
    return cycle


def started(cycle: Cycle) -> bool:
    """Whether the cycle has its row (a month not started is an unsaved cycle)."""
    return cycle.pk is not None


def cycle_rows(rows: Manager | QuerySet, cycle: Cycle) -> QuerySet:
    """``rows`` (a model's manager or a queryset of a model with a ``cycle``) of ``cycle``.
    A month not started has none; filtering by its unsaved cycle would be an error, so
    every read of a cycle's rows goes through here."""
    return rows.filter(cycle=cycle) if started(cycle) else rows.none()


def plan_for(*, user: User, username: str, month: dt.date) -> Cycle:
    """The plan (cycle) of the customer manager ``username`` for ``month``, or Http404."""
    return cycle_for(user=user, manager=access_manager(user, username), month=month)


def plan_history(*, cycle: Cycle) -> QuerySet[ApprovalRecord]:
    return _history(cycle, Document.PLAN)


def evaluation_history(*, cycle: Cycle) -> QuerySet[ApprovalRecord]:
    return _history(cycle, Document.EVALUATION)


def _history(cycle: Cycle, document: str) -> QuerySet[ApprovalRecord]:
    return (
        cycle_rows(ApprovalRecord.objects, cycle)
        .filter(document=document)
        .select_related("by")
        .order_by("at", "id")
    )


def own_customers(cycle: Cycle) -> QuerySet[Customer]:
    """The active customers the cycle's manager owns now (the plan's customers)."""
    return customers_owned_by(manager=cycle.manager).filter(status=CustomerStatus.ACTIVE)


def team_plans(*, user: User, month: dt.date) -> list[tuple[User, Cycle | None]]:
    """Each customer manager ``user`` may see with their plan for the month (None when they
    have not opened it yet)."""
    managers = list(managers_visible_to(user=user).select_related("team").order_by("username"))
    cycles = {
        c.manager_id: c
        for c in Cycle.objects.filter(month=month, manager__in=[m.pk for m in managers])
    }
    return [(m, cycles.get(m.pk)) for m in managers]


def previous_plan_month(month: dt.date) -> dt.date:
    return add_months(month, -1)
