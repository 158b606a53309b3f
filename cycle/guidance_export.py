"""The forecast guidance table (需求预测分析指导) as an Excel sheet, in the page's order."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from core.xlsx import DATETIME, PERCENT, Column, Sheet

from .selectors.guidance import GuidanceRow


def guidance_sheet(rows: list[GuidanceRow], *, month: dt.date) -> Sheet:
    weak_labels = {
        "accuracy": _("准确率低"),
        "bias": _("偏差大"),
        "coverage": _("覆盖率低"),
    }
    columns = [
        Column(_("账号"), 10),
        Column(_("客户经理"), 12),
        Column(_("客户数"), 8),
        Column(_("预测准确率"), 11, PERCENT),
        Column(_("预测偏差"), 10, PERCENT),
        Column(_("预测覆盖率"), 11, PERCENT),
        Column(_("需指导"), 22),
        Column(_("上次指导"), 17, DATETIME),
    ]
    data = [
        [
            row.manager.username,
            row.manager.display_name,
            row.customers,
            row.accuracy,
            row.bias,
            row.coverage,
            "、".join(str(weak_labels[w]) for w in row.weak),
            row.last_guidance,
        ]
        for row in rows
    ]
    return Sheet(_("预测指导 %(month)s") % {"month": f"{month:%Y-%m}"}, columns, data)
