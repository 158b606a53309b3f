"""Demand-forecast guidance (需求预测分析指导): a market manager's team side by side by
forecast accuracy, bias and coverage for a month (DESIGN.md §5), the weak ones picked out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import fmean

from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import managers_visible_to
from core.charts import HBarChart, Series, hbar_chart
from reports.selectors import manager_indicators

from ..models import EntryKind, FeedEntry

# Where a forecast stops being good enough to leave alone; guidance is worth writing below.
WEAK_ACCURACY = 0.70
WEAK_BIAS = 0.20  # either way
WEAK_COVERAGE = 0.80

SORTS = {
    "accuracy": lambda r: (r.accuracy is None, r.accuracy if r.accuracy is not None else 0),
    "bias": lambda r: (r.bias is None, -abs(r.bias) if r.bias is not None else 0),
    "coverage": lambda r: (r.coverage is None, r.coverage if r.coverage is not None else 0),
    "name": lambda r: (False, r.manager.username),
}


@dataclass
class GuidanceRow:
    manager: User
    customers: int | None
    accuracy: float | None
    bias: float | None
    coverage: float | None
    last_guidance: dt.datetime | None

    @property
    def weak(self) -> list[str]:
        """Which measures are weak: 'accuracy', 'bias', 'coverage'."""
        weak = []
        if self.accuracy is not None and self.accuracy < WEAK_ACCURACY:
            weak.append("accuracy")
        if self.bias is not None and abs(self.bias) > WEAK_BIAS:
            weak.append("bias")
        if self.coverage is not None and self.coverage < WEAK_COVERAGE:
            weak.append("coverage")
        return weak


def guidance_rows(*, user: User, month: dt.date, sort: str = "accuracy") -> list[GuidanceRow]:
    """Every customer manager ``user`` leads, weakest first by ``sort`` (accuracy and
    coverage ascending, bias by size descending; empty values last)."""
    members = managers_visible_to(user=user).filter(team__market_manager=user)
    indicators = {row.manager_id: row for row in manager_indicators(managers=members, month=month)}
    last = dict(
        FeedEntry.objects.filter(manager__in=members, kind=EntryKind.GUIDANCE)
        .values("manager_id")
        .annotate(at=Max("created_at"))
        .order_by()
        .values_list("manager_id", "at")
    )
    rows = []
    for member in members.order_by("username"):
        row = indicators.get(member.pk)
        rows.append(
            GuidanceRow(
                manager=member,
                customers=row.customers if row else None,
                accuracy=_f(row.forecast_accuracy) if row else None,
                bias=_f(row.forecast_bias) if row else None,
                coverage=_f(row.forecast_coverage) if row else None,
                last_guidance=last.get(member.pk),
            )
        )
    rows.sort(key=SORTS.get(sort, SORTS["accuracy"]))
    return rows


def guidance_chart(rows: list[GuidanceRow]) -> HBarChart:
    """Forecast accuracy and bias side by side, a row per customer manager in the page's
    order: accuracy from 0 with the weak threshold dotted, bias around a zero line (left:
    forecast below what was requested, right: above) with ±the weak bias dotted; weak bars
    red, the team's average dashed."""

    def mean(values):
        known = [v for v in values if v is not None]
        return fmean(known) if known else None

    accuracy = [r.accuracy for r in rows]
    bias = [r.bias for r in rows]
    return hbar_chart(
        [r.manager.display_name for r in rows],
        [
            Series(
                _("预测准确率"),
                accuracy,
                mean(accuracy),
                weak=lambda v: v < WEAK_ACCURACY,
                marks=(WEAK_ACCURACY,),
            ),
            Series(
                _("预测偏差"),
                bias,
                mean(bias),
                symmetric=True,
                weak=lambda v: abs(v) > WEAK_BIAS,
                marks=(-WEAK_BIAS, WEAK_BIAS),
                ends=(_("预测偏低"), _("预测偏高")),
            ),
        ],
    )


def _f(value) -> float | None:
    return None if value is None else float(value)
