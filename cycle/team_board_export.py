"""The team board as Excel sheets: the ranking (with the team average), the five-step
statuses and the approval queue — the tables the page shows, in the page's order."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.xlsx import DATETIME, PERCENT, Column, Sheet

from .selectors.steps import AHEAD, CURRENT, DONE
from .selectors.team_board import INDICATORS, TeamBoard

# how a step's state prints in a cell
STATES = {DONE: "✓", CURRENT: "…", AHEAD: ""}


def team_board_sheets(board: TeamBoard) -> list[Sheet]:
    return [_ranking(board), _statuses(board), _queue(board)]


def _ranking(board: TeamBoard) -> Sheet:
    columns = [
        Column(_("名次"), 6),
        Column(_("账号"), 10),
        Column(_("客户经理"), 12),
        *[Column(str(label), 12, PERCENT) for _key, label in INDICATORS],
        Column(_("有效拜访"), 10),
        Column(_("计划拜访"), 10),
    ]
    rows = [
        [row.rank, row.manager.username, row.manager.display_name, *row.cells]
        + [row.visits_done, row.visits_planned]
        for row in board.rows
    ]
    rows.append(["", "", _("团队平均"), *board.average_cells, None, None])
    title = _("排名 %(month)s") % {"month": f"{board.ranking_month:%Y-%m}"}
    return Sheet(title, columns, rows)


def _statuses(board: TeamBoard) -> Sheet:
    columns = [
        Column(_("账号"), 10),
        Column(_("客户经理"), 12),
        Column(_("计划状态"), 10),
        Column(_("评估状态"), 10),
        Column(_("已完成步骤"), 10),
        Column(_("当前步骤"), 10),
        Column(_("说明"), 24),
        *[
            Column(str(label), 8)
            for label in (_("分析"), _("计划"), _("实施"), _("评估"), _("改进"))
        ],
    ]
    rows = []
    for status in board.statuses:
        current = status.current
        rows.append(
            [
                status.manager.username,
                status.manager.display_name,
                status.cycle.get_plan_status_display(),
                status.cycle.get_evaluation_status_display(),
                f"{status.done}/5",
                str(current.label) if current else _("全部完成"),
                str(current.note) if current else "",
                *[STATES[step.state] for step in status.steps],
            ]
        )
    title = _("进度 %(month)s") % {"month": f"{board.status_month:%Y-%m}"}
    return Sheet(title, columns, rows)


def _queue(board: TeamBoard) -> Sheet:
    columns = [
        Column(_("待办"), 14),
        Column(_("账号"), 10),
        Column(_("客户经理"), 12),
        Column(_("月份"), 9),
        Column(_("提交时间"), 17, DATETIME),
        Column(_("说明"), 24),
    ]
    queue, rows = board.queue, []
    for cycle in queue.plans:
        note = _("%(n)d 条动作") % {"n": cycle.actions_count}
        rows.append(_queue_row(_("计划审批"), cycle, cycle.plan_submitted_at, note))
    for cycle in queue.evaluations:
        note = _("%(n)d 项改进待审") % {"n": cycle.improvements_pending}
        rows.append(_queue_row(_("月度评估审核"), cycle, cycle.evaluation_submitted_at, note))
    for cycle in queue.improvements:
        note = _("%(n)d 项") % {"n": cycle.pending}
        rows.append(_queue_row(_("改进事项审核"), cycle, None, note))
    return Sheet(_("待审批"), columns, rows)


def _queue_row(kind: str, cycle, at, note: str) -> list:
    return [
        kind,
        cycle.manager.username,
        cycle.manager.display_name,
        f"{cycle.month:%Y-%m}",
        at,
        note,
    ]
