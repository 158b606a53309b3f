"""A plan's marketing actions (月计划营销动作) as an Excel sheet: one row per action still in the
plan (removed ones are not), in the page's order (customer code, then as added), with the
customer's tier and trade area for sorting and filtering, the action's visit day as a date and
every day the customer is planned for (written by the shared workbook writer, ``core.xlsx``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.xlsx import DATE, Column, Sheet

from .models import Cycle
from .selectors import plan_actions


def plan_actions_sheet(cycle: Cycle) -> Sheet:
    columns = [
        Column(_("客户编码"), 16),
        Column(_("客户名称"), 28),
        Column(_("档位"), 6),
        Column(_("商圈"), 14),
        Column(_("营销动作"), 48),
        Column(_("依据"), 36),
        Column(_("来源"), 10),
        Column(_("拜访日"), 12, DATE),
        Column(_("该客户的拜访日"), 24),
        Column(_("标记"), 6),
    ]
    data = (
        (
            group.customer.code,
            group.customer.name,
            group.customer.tier,
            group.customer.trade_area,
            action.text,
            action.detail,
            action.get_source_display(),
            action.visit_date,
            "、".join(f"{day:%m-%d}" for day in group.days),
            action.mark,
        )
        for group in plan_actions(cycle=cycle)
        for action in group.actions
    )
    return Sheet(_("月计划营销动作"), columns, data)


def plan_actions_filename(cycle: Cycle) -> str:
    name = _("月计划营销动作")
    return f"{name}-{cycle.manager.username}-{cycle.month:%Y-%m}.xlsx"
