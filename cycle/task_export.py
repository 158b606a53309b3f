"""The task execution table as an Excel file: exactly the rows the filter shows, one row per
action, Chinese headers, the header row frozen."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import ActionSource

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def tasks_workbook(rows) -> bytes:
    """``rows``: ``task_table.task_export_rows`` — (code, name, source, text, temporary,
    done_at, visit_date) per action; streamed, so a month of thousands stays cheap."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("任务执行标注表"))
    columns = [
        (_("客户编码"), 16),
        (_("客户名称"), 24),
        (_("来源"), 10),
        (_("营销动作"), 48),
        (_("标记"), 6),
        (_("计划拜访日"), 12),
        (_("完成时间"), 17),
        (_("临时任务"), 9),
    ]
    for index, (_title, width) in enumerate(columns):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=bold) for title, _width in columns])
    sources = dict(ActionSource.choices)
    yes, no = _("是"), _("否")
    for code, name, source, text, temporary, done_at, visit_date in rows:
        mark = "★" if done_at else "●" if temporary else "☆"  # as MarketingAction.mark
        # Excel knows no time zones: the local wall-clock time is what the manager saw
        done = timezone.localtime(done_at).replace(tzinfo=None) if done_at else None
        sheet.append(
            [
                code,
                name,
                str(sources.get(source, source)),
                text,
                mark,
                _cell(sheet, visit_date, number_format=DATE_FORMAT),
                _cell(sheet, done, number_format=DATETIME_FORMAT),
                yes if temporary else no,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value, *, font=None, number_format=None):
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell
