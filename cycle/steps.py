"""The five steps of a cycle (分析 → 计划 → 实施 → 评估 → 改进) as a progress bar."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.months import add_months

from .models import Cycle, PlanStatus

DONE, CURRENT, TODO = "done", "current", "todo"


@dataclass(frozen=True)
class Step:
    number: int
    label: str
    state: str
    note: str
    url: str


def cycle_steps(*, cycle: Cycle) -> list[Step]:
    username, month = cycle.manager.username, f"{cycle.month:%Y-%m}"
    analysed = bool(cycle.problems) or cycle.plan_status != PlanStatus.DRAFT
    approved = cycle.plan_status == PlanStatus.APPROVED
    plan_url = reverse("plans:detail", args=[username, month])
    analysis_url = reverse("reports:manager", args=[username])
    analysis_url += f"?month={add_months(cycle.month, -1):%Y-%m}"
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
            DONE if approved else CURRENT if analysed else TODO,
            cycle.get_plan_status_display(),
            plan_url,
        ),
        Step(3, _("实施"), CURRENT if approved else TODO, _("计划批准后按周安排拜访"), plan_url),
        Step(4, _("评估"), TODO, _("周小结与月总结"), plan_url),
        Step(5, _("改进"), TODO, _("改进事项"), plan_url),
    ]
