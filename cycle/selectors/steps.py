"""The five steps of a cycle (分析 → 计划 → 实施 → 评估 → 改进) as a progress bar."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.months import add_months, current_month

from ..models import Cycle, EvaluationStatus, PlanStatus
from .evaluation_figures import NO_PLANNED_VISITS, planned_visit_counts
from .improvements import NO_ITEMS, improvement_summary

# a step not reached yet is "ahead"
DONE, CURRENT, AHEAD = "done", "current", "ahead"


@dataclass(frozen=True)
class Step:
    number: int
    label: str
    state: str
    note: str
    url: str


def cycle_steps(
    *, cycle: Cycle, visit_counts: dict | None = None, item_counts: dict | None = None
) -> list[Step]:
    """The five steps of ``cycle``. A page showing many cycles (the team board) passes each
    one's ``planned_visit_counts`` and ``improvement_summary``, fetched for all at once."""
    username, month = cycle.manager.username, f"{cycle.month:%Y-%m}"
    analysed = bool(cycle.problems) or cycle.plan_status != PlanStatus.DRAFT
    approved = cycle.plan_status == PlanStatus.APPROVED
    plan_url = reverse("plans:detail", args=[username, month])
    analysis_url = reverse("reports:manager", args=[username])
    analysis_url += f"?month={add_months(cycle.month, -1):%Y-%m}"
    evaluation_url = reverse("plans:evaluation", args=[username, month])

    # 实施: over when the month is over, or when every planned visit day has had its visit;
    # before the plan is approved there is nothing to count (the home page stays cheap)
    ended = current_month() > cycle.month
    if not (approved or ended):
        visits = NO_PLANNED_VISITS
    else:
        visits = visit_counts if visit_counts is not None else planned_visit_counts(cycle=cycle)
    executed = ended or (visits["planned"] > 0 and visits["honoured"] >= visits["planned"])
    if visits["planned"]:
        execution_note = _("按计划拜访 %(done)d/%(planned)d") % {
            "done": visits["honoured"],
            "planned": visits["planned"],
        }
    else:
        execution_note = _("计划批准后按周安排拜访")

    evaluated = cycle.evaluation_status == EvaluationStatus.APPROVED
    evaluating = executed or cycle.evaluation_status != EvaluationStatus.DRAFT
    evaluation_state = DONE if evaluated else CURRENT if evaluating else AHEAD
    if cycle.evaluation_status == EvaluationStatus.DRAFT:
        evaluation_note = _("周小结与月总结")
    else:
        evaluation_note = cycle.get_evaluation_status_display()

    # 改进 follows the evaluation: items written before it do not finish the cycle early
    if evaluation_state == AHEAD:
        items = NO_ITEMS
    else:
        items = item_counts if item_counts is not None else improvement_summary(cycle=cycle)
    improved = items["total"] > 0 and items["returned"] == 0
    if items["returned"]:
        improvement_note = _("%(n)d 项被退回") % {"n": items["returned"]}
    elif items["total"]:
        improvement_note = _("%(n)d 项改进事项") % {"n": items["total"]}
    else:
        improvement_note = _("改进事项")
    return [
        Step(
            1,
            _("分析"),
            DONE if analysed else CURRENT,
            _("已写问题与原因") if cycle.problems else _("查看预警，写问题与原因"),
            analysis_url,
        ),
        Step(
            2,
            _("计划"),
            DONE if approved else CURRENT if analysed else AHEAD,
            cycle.get_plan_status_display(),
            plan_url,
        ),
        Step(
            3,
            _("实施"),
            DONE if executed else CURRENT if approved else AHEAD,
            execution_note,
            _execution_url(cycle, ended=ended, default=plan_url),
        ),
        Step(4, _("评估"), evaluation_state, evaluation_note, evaluation_url),
        Step(
            5,
            _("改进"),
            DONE if improved else CURRENT if evaluation_state != AHEAD else AHEAD,
            improvement_note,
            evaluation_url + "#improvements",
        ),
    ]


def _execution_url(cycle: Cycle, *, ended: bool, default: str) -> str:
    """Today's visits while the month runs; the month's task execution table once it is
    over; the plan where those pages do not exist."""
    try:
        if ended:
            return reverse("plans:tasks", args=[cycle.manager.username, f"{cycle.month:%Y-%m}"])
        return reverse("visits:today")
    except NoReverseMatch:
        return default
