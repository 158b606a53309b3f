"""The task execution table as an Excel sheet: exactly the rows the filter shows, one row per
action (written by the shared workbook writer, ``core.xlsx``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.xlsx import DATE, DATETIME, Column, Sheet

from .models import ActionSource


def tasks_sheet(rows) -> Sheet:
    """``rows``: ``task_table.task_export_rows`` — (code, name, source, text, temporary,
    done_at, visit_date) per action; consumed lazily, so a month of thousands stays cheap."""
    sources = dict(ActionSource.choices)
    yes, no = _("是"), _("否")
    columns = [
        Column(_("客户编码"), 16),
        Column(_("客户名称"), 24),
        Column(_("来源"), 10),
        Column(_("营销动作"), 48),
        Column(_("标记"), 6),
        Column(_("计划拜访日"), 12, DATE),
        Column(_("完成时间"), 17, DATETIME),
        Column(_("临时任务"), 9),
    ]
    data = (
        (
            code,
            name,
            str(sources.get(source, source)),
            text,
            "★" if done_at else "●" if temporary else "☆",  # as MarketingAction.mark
            visit_date,
            done_at,
            yes if temporary else no,
        )
        for code, name, source, text, temporary, done_at, visit_date in rows
    )
    return Sheet(_("任务执行标注表"), columns, data)
