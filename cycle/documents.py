"""The printable monthly documents of a customer manager: the monthly plan (月计划: goals,
focus, the actions per customer with their source and planned days, the weekly arrangement
in figures, the approval history) and the monthly summary (月总结: the plan-versus-result
figures, the summary, the weekly summaries, the improvement items, the review history).

Who may print whose is ``cycle.selectors.plan_for``'s rule (404 otherwise). Each document is
a fixed number of queries whatever the plan's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import zip_longest
from string import Template

from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from core.pdf import render_pdf, style
from core.typeset import Columns

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


# The actions table's columns (core/typeset.py): a row is one cell whose text holds the three
# columns (the customer, the actions, the planned days), 48, 108 and 27 mm wide with 3 mm
# between them, where the column rules are (drawn once for the table, PLAN_STYLE).
PLAN_PT = 8.5
PLAN_COLUMNS = Columns(starts_mm=(0, 48, 156), width_mm=183, font_pt=PLAN_PT, gap_mm=3)


@dataclass
class PlanRow:
    """One customer's row of the printed plan: the customer's name and code (the code on
    the next line only when both do not fit), the actions a line each (mark, [source],
    text, (visit day)), the planned visit days ("" when none is planned)."""

    customer: str
    actions: str
    days: str

    @property
    def text(self) -> SafeString:
        """The row as one text on the plan's columns; "未安排" set apart when no day is."""
        columns = [
            PLAN_COLUMNS.wrap(0, self.customer),
            PLAN_COLUMNS.wrap(1, self.actions),
            PLAN_COLUMNS.wrap(2, self.days or _("未安排")),
        ]
        lines = [PLAN_COLUMNS.segments(cells) for cells in zip_longest(*columns, fillvalue="")]
        if not self.days:
            first = lines[0]
            lines[0] = [*first[:-1], format_html('<span class="note">{}</span>', first[-1])]
        return mark_safe(  # noqa: S308 - escaped piece by piece
            "\n".join("".join(conditional_escape(piece) for piece in line) for line in lines)
        )


def plan_heads() -> str:
    return PLAN_COLUMNS.row([_("客户"), _("营销动作"), _("计划拜访日")])


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
        "heads": plan_heads(),
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
# a rule is a one-pixel gray image stretched down the table (a gradient is drawn over the
# whole table, whatever its size)
_GRAY = (
    "url(data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNIAwAAaABn0/grvwAAAABJRU5ErkJggg==)"
)
_RULES = PLAN_COLUMNS.starts_mm[1:]
_COLUMN_RULES = (
    f"background-image: {', '.join([_GRAY] * len(_RULES))}; "
    f"background-position: {', '.join(f'{x}mm 0' for x in _RULES)}; "
    "background-size: 0.5pt 100%; background-repeat: no-repeat;"
)
PLAN_STYLE = style(
    Template("""
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
/* the actions table: a cell a row, its text on the columns of PLAN_COLUMNS, the column rules
   drawn once for the table (and over the head's shading) */
table.rows { table-layout: fixed; border-width: 0.5pt; }
table.rows th, table.rows td { border: none; padding-left: 1.5mm; padding-right: 1.5mm;
                               white-space: pre; }
table.rows td { border-top: 0.5pt solid #666; }
table.rows, table.rows th { ${rules} }
table.rows th { background-color: #e6e6e6; }
.lines { white-space: pre-line; }
dl { display: block; margin: 0; }
dt { float: left; width: 32mm; color: #444; }
dd { margin: 0 0 1mm 34mm; }
""").substitute(rules=_COLUMN_RULES)
)
