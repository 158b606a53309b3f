"""The annual brand evaluation as Excel sheets: the key brands' and key SKUs' annual values
with rank and change against the year before, their months (one row per object and month,
the stored indicators as they are), and each brand's reach by trade area and by business
format. Rates are percentages; changes in percentage points are numbers of points."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.xlsx import PERCENT, Column, Sheet

from .annual import STATE_LABELS, AnnualEvaluation, Line, Segment

POINTS = "0.0"
MONEY = "#,##0.00"
COUNT = "#,##0"


def annual_sheets(evaluation: AnnualEvaluation) -> list[Sheet]:
    return [
        _summary(_("品牌年度"), evaluation.brands, brands=True),
        _summary(_("单品年度"), evaluation.skus, brands=False),
        _months(_("品牌月度"), evaluation.brands, brands=True),
        _months(_("单品月度"), evaluation.skus, brands=False),
        _segments(_("商圈分布"), _("商圈"), evaluation, evaluation.trade_areas),
        _segments(_("业态分布"), _("业态"), evaluation, evaluation.formats),
    ]


def _object_columns(brands: bool) -> list[Column]:
    if brands:
        return [Column(_("品牌"), 14)]
    return [Column(_("单品编码"), 12), Column(_("单品名称"), 18), Column(_("品牌"), 10)]


def _object_cells(line: Line, brands: bool) -> list:
    return [line.name] if brands else [line.key, line.name, line.brand]


def _points(value: float | None) -> float | None:
    return None if value is None else value * 100


def _summary(title: str, lines: list[Line], *, brands: bool) -> Sheet:
    columns = [
        Column(_("名次"), 6),
        *_object_columns(brands),
        Column(_("销量（条）"), 12, COUNT),
        Column(_("销量成长率（同比）"), 12, PERCENT),
        Column(_("金额（元）"), 15, MONEY),
        Column(_("金额较上年"), 11, PERCENT),
        Column(_("条均价（元）"), 11, MONEY),
        Column(_("市场份额"), 10, PERCENT),
        Column(_("份额成长率（同比）"), 12, PERCENT),
        Column(_("覆盖率"), 9, PERCENT),
        Column(_("覆盖率较上年（百分点）"), 12, POINTS),
        Column(_("上柜率"), 9, PERCENT),
        Column(_("上柜率较上年（百分点）"), 12, POINTS),
        Column(_("再购率"), 9, PERCENT),
        Column(_("再购率较上年（百分点）"), 12, POINTS),
        Column(_("供应满足率"), 10, PERCENT),
        Column(_("供求状态"), 9),
    ]
    if brands:
        columns.append(Column(_("年内订购客户占比"), 12, PERCENT))
    rows = []
    for line in lines:
        y, c = line.year, line.changes
        row = [
            line.rank,
            *_object_cells(line, brands),
            y["volume"],
            line.volume_growth,
            y["amount"],
            c.get("amount"),
            y["avg_price"],
            y["share"],
            line.share_growth,
            y["coverage_rate"],
            _points(c.get("coverage_rate")),
            y["shelf_rate"],
            _points(c.get("shelf_rate")),
            y["repurchase_rate"],
            _points(c.get("repurchase_rate")),
            y["supply_satisfaction"],
            str(line.state_label),
        ]
        if brands:
            row.append(line.reach)
        rows.append(row)
    return Sheet(title, columns, rows)


def _months(title: str, lines: list[Line], *, brands: bool) -> Sheet:
    columns = [
        *_object_columns(brands),
        Column(_("月份"), 9),
        Column(_("覆盖率"), 9, PERCENT),
        Column(_("上柜率"), 9, PERCENT),
        Column(_("再购率"), 9, PERCENT),
        Column(_("销量环比"), 10, PERCENT),
        Column(_("份额成长率"), 10, PERCENT),
        Column(_("销量（条）"), 11, COUNT),
        Column(_("金额（元）"), 14, MONEY),
        Column(_("条均价（元）"), 11, MONEY),
        Column(_("市场份额"), 10, PERCENT),
        Column(_("供应满足率"), 10, PERCENT),
        Column(_("供求状态"), 9),
    ]
    rows = []
    for line in lines:
        for cell in line.cells:
            if cell is None:
                continue
            rows.append(
                [
                    *_object_cells(line, brands),
                    f"{cell['month']:%Y-%m}",
                    cell["coverage_rate"],
                    cell["shelf_rate"],
                    cell["repurchase_rate"],
                    cell["volume_growth_mom"],
                    cell["share_growth"],
                    cell["volume"],
                    cell["amount"],
                    cell["avg_price"],
                    cell["share"],
                    cell["supply_satisfaction"],
                    str(STATE_LABELS.get(cell["supply_state"], "")),
                ]
            )
    return Sheet(title, columns, rows)


def _segments(
    title: str, label: str, evaluation: AnnualEvaluation, segments: list[Segment]
) -> Sheet:
    columns = [
        Column(label, 14),
        Column(_("有效客户"), 9, COUNT),
        Column(_("品牌"), 12),
        Column(_("订购客户"), 9, COUNT),
        Column(_("订购客户占比"), 11, PERCENT),
        Column(_("品牌全市占比"), 11, PERCENT),
        Column(_("销量（条）"), 11, COUNT),
        Column(_("判断"), 7),
    ]
    rows = []
    for segment in segments:
        for line, reach in zip(evaluation.brands, segment.cells, strict=True):
            rows.append(
                [
                    segment.name,
                    segment.customers,
                    line.name,
                    reach.ordering,
                    reach.rate,
                    line.reach,
                    reach.volume,
                    str(reach.label),
                ]
            )
    return Sheet(title, columns, rows)
