"""What-if for one warning rule (issue #17 point 3): which customers the rule flags in month M
with another threshold, counted per team, before the threshold is saved.

``rule_flag_counts(rule=…, thresholds=[…], month=M, manager_ids=[…])`` loads the rule's data
once (``data.RuleData``, only what its kind reads) and runs the kind's condition once per
threshold, exactly as the engine does (``engine._evaluate``: the same condition, the same
float threshold, the same restriction to the managers' active customers), so a preview number
is what the engine flags once that threshold is saved. Everything is vectorised: one
condition call and one group-by per threshold. Nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.utils.translation import gettext

from core.months import month_start
from reports.selectors import indicators_stored

from ..models import WarningRule
from . import kinds  # noqa: F401  (registers the built-in kinds)
from .data import RuleData
from .engine import IndicatorsMissing
from .spec import KINDS, RuleSkipped


@dataclass(frozen=True)
class FlagCounts:
    """Per team id (None: managers without a team): the active customers, and for each
    threshold asked the customers flagged and the warnings (one per customer, or per
    customer × SKU for a per-SKU kind)."""

    customers: dict[int | None, int]
    flagged: list[dict[int | None, int]]  # one per threshold, in the order asked
    warnings: list[dict[int | None, int]]
    skipped: str = ""  # why the rule cannot be evaluated (then every count is empty)


def rule_flag_counts(
    *,
    rule: WarningRule,
    thresholds: Sequence[Decimal | None],
    month: dt.date,
    manager_ids: list[int],
    team_of: dict[int, int | None],
) -> FlagCounts:
    """Counts of ``rule`` in ``month`` over ``manager_ids``' active customers for each of
    ``thresholds``, grouped by ``team_of`` (manager id → team id). Raises IndicatorsMissing
    when the month's indicators have not been computed."""
    month = month_start(month)
    if not indicators_stored(month=month):
        raise IndicatorsMissing(month)
    spec = KINDS.get(rule.kind)
    data = RuleData(month, manager_ids, company_wide=bool(spec and spec.company_wide))
    owners = data.customers[["customer_id", "manager_id"]].copy()
    owners["team"] = owners["manager_id"].map(team_of).astype(object)
    customers = _count(owners["team"])
    empty = [{} for _ in thresholds]
    if spec is None:
        return FlagCounts(
            customers,
            empty,
            empty,
            skipped=gettext("不支持的预警条件“%(kind)s”。") % {"kind": rule.kind},
        )
    flagged, warnings = [], []
    for threshold in thresholds:
        if spec.unit is not None and threshold is None:
            return FlagCounts(customers, empty, empty, skipped=gettext("未设置阈值。"))
        t = None if threshold is None else float(threshold)
        try:
            frame = spec.condition(data, t)
        except RuleSkipped as skip:
            return FlagCounts(customers, empty, empty, skipped=str(skip.args[0]))
        hits = frame[["customer_id"]].merge(owners, on="customer_id")  # the engine's data.ids
        warnings.append(_count(hits["team"]))
        flagged.append(_count(hits.drop_duplicates("customer_id")["team"]))
    return FlagCounts(customers, flagged, warnings)


def _count(teams: pd.Series) -> dict[int | None, int]:
    counts = teams.fillna(-1).value_counts()
    return {(None if key == -1 else int(key)): int(n) for key, n in counts.items()}
