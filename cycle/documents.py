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
from core.pdf import render_pdf, style

from .models import Cycle, WeeklySummary
from .selectors import (
    CustomerActions,
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


@dataclass
class PlanRow:
    """One customer's row of the printed plan, its cells as ready texts (lines separated by
    newlines): WeasyPrint lays out a cell of one text much faster than one of several
    elements (a line break, a span for a smaller code), and the template stays short. The
    code follows the name on its line: a line less for most customers (WeasyPrint's time
    grows with lines; a city plan of 145 customers takes 5 pages instead of 7)."""

    customer: str  # the name and the code (on the next line only when both do not fit)
    actions: str  # one line an action: mark, [source], text, (visit day)
    days: str  # the planned visit days, "" when none is planned


def plan_rows(groups: list[CustomerActions]) -> list[PlanRow]:
    return [
        PlanRow(
            f"{group.customer.name}　{group.customer.code}",
            "\n".join(_action_line(action) for action in group.actions),
            "、".join(f"{day:%m-%d}" for day in group.days),
        )
        for group in groups
    ]


def _action_line(action) -> str:
    line = f"{action.mark} [{action.get_source_display()}] {action.text}"
    return line + (f"（{action.visit_date:%m-%d}）" if action.visit_date else "")


def plan_document(*, user: User, username: str, month: dt.date) -> dict:
    cycle = plan_for(user=user, username=username, month=month)
    weeks = arrangement_weeks(cycle=cycle)
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "rows": plan_rows(plan_actions(cycle=cycle)),
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
    return render_pdf("reports/plan_pdf.html", context, stylesheets=[PLAN_STYLE])


def evaluation_pdf(context: dict) -> bytes:
    return render_pdf("reports/evaluation_pdf.html", context)


# The monthly plan's style, parsed once per process (the template's <style> holds only the page
# header and footer). The look of the cycle documents (reports/_cycle_document.html), made cheap
# for WeasyPrint (core/pdf.py): the margin boxes have widths, the long tables (``.fixed``) a
# fixed layout with the widths of their <col>s, and the headings and table heads are set apart
# by size and shading rather than a bold face (one embedded font instead of two). The grid's
# 0.5 pt lines are two 0.25 pt borders side by side (each cell's and the table's own), not
# collapsed borders: a cell's four sides are drawn as one rectangle, where collapsed ones are
# resolved and drawn segment by segment (a twentieth of a long plan's time).
PLAN_STYLE = style("""
@page {
  size: A4; margin: 16mm 12mm 14mm;
  font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 8pt; color: #333;
  @top-left { width: 100%; vertical-align: bottom; padding-bottom: 1mm; font-size: 10pt;
              color: #000; }
  @bottom-left { width: 70%; vertical-align: top; padding-top: 1mm; }
  @bottom-right { content: counter(page) " / " counter(pages); width: 30%;
                  vertical-align: top; padding-top: 1mm; text-align: right; }
}
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; color: #000; margin: 0;
       font-size: 8.5pt; line-height: 1.4; }
h1 { font-size: 14pt; font-weight: normal; margin: 0 0 2mm; }
h2 { font-size: 11pt; font-weight: normal; margin: 5mm 0 1.5mm; }
p { margin: 1mm 0; }
table { width: 100%; border-collapse: separate; border-spacing: 0; border: 0.25pt solid #666; }
table.fixed { table-layout: fixed; }
th { background: #e6e6e6; font-weight: normal; text-align: left; }
th, td { border: 0.25pt solid #666; padding: 0.8mm 1.5mm; vertical-align: top; }
tr { break-inside: avoid; }
.num { text-align: right; }
.prewrap { white-space: pre-wrap; }
.note { color: #444; font-size: 7.5pt; }
.lines { white-space: pre-line; }
dl { display: block; margin: 0; }
dt { float: left; width: 32mm; color: #444; }
dd { margin: 0 0 1mm 34mm; }
""")
