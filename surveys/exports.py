"""The satisfaction workbook of the overview page: the scope's figures period by period
(the trend), then the chosen period per team or per manager. Rates and means as numbers;
core.xlsx disarms every text cell."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.xlsx import PERCENT, Column, Sheet

from .selectors import Figures

MEAN = "0.00"


def _columns(dimensions) -> list[Column]:
    return [
        Column(_("调查期"), 14),
        Column(_("范围"), 16),
        Column(_("答卷数"), 9),
        Column(_("总体满意作答数"), 12),
        Column(_("满意数"), 9),
        Column(_("满意率"), 9, PERCENT),
        *[Column(str(d.name), 11, MEAN) for d in dimensions],
        Column(_("最弱维度"), 12),
    ]


def _row(name: str, figures: Figures, dimensions) -> list:
    weakest = figures.weakest
    return [
        figures.survey.name,
        name,
        figures.responses,
        figures.respondents,
        figures.satisfied,
        figures.rate,
        *[figures.mean_of(d.code) for d in dimensions],
        weakest.dimension.name if weakest else "",
    ]


def satisfaction_sheets(context: dict) -> list[Sheet]:
    summary = context["summary"]
    if summary is None:
        return [Sheet(_("满意度趋势"), _columns([]), [])]
    dimensions = [m.dimension for m in summary.latest.means]
    trend = [_row(context["scope_name"], f, dimensions) for f in summary.trend if f.responses]
    sheets = [Sheet(_("满意度趋势"), _columns(dimensions), trend)]
    if context["rows"]:
        title = _("按团队") if context["scope_kind"] == "company" else _("按客户经理")
        rows = [_row(r.label, r.figures, dimensions) for r in context["rows"] if r.figures]
        sheets.append(Sheet(title, _columns(dimensions), rows))
    return sheets
