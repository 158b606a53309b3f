"""The printable monthly documents of a customer manager: the monthly plan (月计划: goals,
focus, the actions per customer with their source and planned days, the weekly arrangement
in figures, the approval history) and the monthly summary (月总结: the plan-versus-result
figures, the summary, the weekly summaries, the improvement items, the review history).

Who may print whose is ``cycle.selectors.plan_for``'s rule (404 otherwise). Each document is
a fixed number of queries whatever the plan's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from core.pdf import render_pdf

from .models import Cycle, WeeklySummary
from .selectors import (
    Day,
    action_counts,
    cycle_rows,
    evaluation_history,
    plan_actions,
    plan_for,
    plan_history,
    schedule_days,
)
from .selectors.evaluation_figures import evaluation_figures
from .selectors.improvements import cycle_improvements


@dataclass
class WeekFigures:
    """One calendar week of the month's weekly arrangement (周安排), in figures."""

    days: list[Day]  # the week's days inside the month

    @property
    def first(self) -> dt.date:
        return self.days[0].date

    @property
    def last(self) -> dt.date:
        return self.days[-1].date

    @property
    def visits(self) -> int:
        return sum(day.customers for day in self.days)

    @property
    def visit_days(self) -> int:
        return sum(1 for day in self.days if day.customers)

    @property
    def over_days(self) -> int:
        return sum(1 for day in self.days if day.over)

    @property
    def busy_days(self) -> list[Day]:
        return [day for day in self.days if day.customers]


def arrangement_weeks(*, cycle: Cycle) -> list[WeekFigures]:
    """The month's days grouped Monday to Sunday: one query."""
    weeks: list[WeekFigures] = []
    for day in schedule_days(cycle=cycle):
        if not weeks or day.date.weekday() == 0:
            weeks.append(WeekFigures([]))
        weeks[-1].days.append(day)
    return weeks


def plan_document(*, user: User, username: str, month: dt.date) -> dict:
    cycle = plan_for(user=user, username=username, month=month)
    weeks = arrangement_weeks(cycle=cycle)
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "groups": plan_actions(cycle=cycle),
        "counts": action_counts(cycle=cycle),
        "weeks": weeks,
        "planned_visits": sum(w.visits for w in weeks),
        "history": list(plan_history(cycle=cycle)),
        "printed_at": timezone.localtime(),
    }


def evaluation_document(*, user: User, username: str, month: dt.date) -> dict:
    cycle = plan_for(user=user, username=username, month=month)
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "figures": evaluation_figures(cycle=cycle),
        "weekly": list(cycle_rows(WeeklySummary.objects, cycle).order_by("week_start")),
        "improvements": list(cycle_improvements(cycle=cycle)),
        "history": list(evaluation_history(cycle=cycle)),
        "printed_at": timezone.localtime(),
    }


def plan_pdf(context: dict) -> bytes:
    return render_pdf("reports/plan_pdf.html", context)


def evaluation_pdf(context: dict) -> bytes:
    return render_pdf("reports/evaluation_pdf.html", context)
