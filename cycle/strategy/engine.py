"""Evaluating the warning rules of the strategy library (DESIGN.md §4 step 1, Analysis).

``warnings_evaluate(manager=…, month=M)`` flags the problems of one customer manager's
**active** customers (current owner, current status) in month M — the month whose data is
analysed, normally the month before the cycle's — by every active ``WarningRule``, each
through the spec of its kind (``kinds``). Everything is vectorised with pandas over the data
of ``data.RuleData``; the visits come from the pluggable source of ``visit_source`` (with no
source the ``no_visit`` rules are skipped with a reason, never evaluated as "no visits").

Customers without a stored row for M (activated or created after the month was computed) are
only tested by the check-based rules. Who may look at a manager's warnings is the caller's
business (``cycle.selectors``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from reports.selectors import indicators_stored

from ..models import Severity, WarningRule
from . import kinds  # noqa: F401  (registers the built-in kinds)
from .data import RuleData
from .spec import KINDS, RuleSkipped, render


class IndicatorsMissing(Exception):
    """The month's indicators have not been computed, so there is nothing to analyse."""

    def __init__(self, month: dt.date):
        self.month = month
        super().__init__(f"the indicators of {month:%Y-%m} have not been computed")

    @property
    def message(self) -> str:
        return gettext("%(month)s的月度指标尚未计算，暂时无法分析预警。请先计算该月指标。") % {
            "month": _month_text(self.month)
        }


@dataclass(frozen=True)
class CustomerWarning:
    """One flag on one customer (and SKU, for the SKU rules) by one rule."""

    customer_id: int
    customer_code: str
    customer_name: str
    manager_id: int
    rule_code: str
    rule_name: str
    severity: str
    message: str
    # the numbers behind the flag, e.g. {"customer_growth": 0.72, "class_growth": 1.05,
    # "ratio": 0.69, ...}; floats unrounded, None where a rate is empty
    numbers: dict[str, Any]
    suggestion: str  # 建议标准动作: the rule's suggestion, else its standard action's name
    action_id: int | None
    action_code: str
    sku_id: int | None = None
    sku_code: str = ""
    sku_name: str = ""

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)


@dataclass(frozen=True)
class SkippedRule:
    """An active rule that could not be evaluated, and why."""

    code: str
    name: str
    reason: str


class Evaluated(list):
    """A result list with the active rules that were skipped (``skipped``)."""

    def __init__(self, items: Iterable = (), *, skipped: Iterable[SkippedRule] = ()):
        super().__init__(items)
        self.skipped: list[SkippedRule] = list(skipped)


@dataclass(frozen=True)
class ManagerWarningCounts:
    manager_id: int
    customers: int  # active customers evaluated
    flagged_customers: int  # customers with at least one warning
    warnings: int
    by_severity: dict[str, int]  # every severity, 0 included
    by_rule: dict[str, int]  # rule code → warnings, rules without any left out


def warnings_evaluate(*, manager: User | int, month: dt.date) -> Evaluated:
    """Every active rule on ``manager``'s active customers in the month of ``month``: a list
    of CustomerWarning ordered by customer code, rule position and SKU code, with the rules
    that had to be skipped in ``.skipped``. Raises IndicatorsMissing when the month's
    indicators have not been computed."""
    data, rules = _prepare([_id_of(manager)], month)
    hits, skipped = _evaluate(data, rules)
    warnings = [w for rule, frame in hits for w in _warnings(data, rule, frame)]
    positions = {rule.code: (rule.position, rule.code) for rule in rules}
    warnings.sort(key=lambda w: (w.customer_code, positions[w.rule_code], w.sku_code))
    return Evaluated(warnings, skipped=skipped)


def warnings_summary(*, managers: Iterable[User | int], month: dt.date) -> Evaluated:
    """Warning counts per customer manager (in the order given) for a team view, with the
    skipped rules in ``.skipped``. Raises IndicatorsMissing like warnings_evaluate."""
    ids = [_id_of(m) for m in managers]
    data, rules = _prepare(ids, month)
    hits, skipped = _evaluate(data, rules)
    return Evaluated(_summary(data, rules, hits, ids), skipped=skipped)


@dataclass(frozen=True)
class Batch:
    """Every warning of some managers' customers in a month, with the counts per manager."""

    warnings: list[CustomerWarning]  # ordered by manager, customer code, rule, SKU code
    counts: list[ManagerWarningCounts]  # one per manager, in the order given
    skipped: list[SkippedRule]


def warnings_batch(*, managers: Iterable[User | int], month: dt.date) -> Batch:
    """``warnings_evaluate`` and ``warnings_summary`` of many managers from one load of the
    data: what the monthly computation (``cycle.strategy.store``) stores. Raises
    IndicatorsMissing like them."""
    ids = [_id_of(m) for m in managers]
    data, rules = _prepare(ids, month)
    hits, skipped = _evaluate(data, rules)
    warnings = [w for rule, frame in hits for w in _warnings(data, rule, frame)]
    positions = {rule.code: (rule.position, rule.code) for rule in rules}
    warnings.sort(key=lambda w: (w.manager_id, w.customer_code, positions[w.rule_code], w.sku_code))
    return Batch(warnings, _summary(data, rules, hits, ids), skipped)


def _summary(
    data: RuleData,
    rules: list[WarningRule],
    hits: list[tuple[WarningRule, pd.DataFrame]],
    ids: list[int],
) -> list[ManagerWarningCounts]:
    flags = pd.concat(
        [
            pd.DataFrame({"customer_id": pd.Series(dtype="int64"), "rule": "", "severity": ""}),
            *(
                frame[["customer_id"]].assign(rule=rule.code, severity=rule.severity)
                for rule, frame in hits
            ),
        ],
        ignore_index=True,
    ).merge(data.customers[["customer_id", "manager_id"]], on="customer_id")
    customers = data.customers.groupby("manager_id").size().to_dict()
    warnings = flags.groupby("manager_id").size().to_dict()
    flagged = flags.groupby("manager_id")["customer_id"].nunique().to_dict()
    severities = flags.groupby(["manager_id", "severity"]).size().to_dict()
    per_rule = flags.groupby(["manager_id", "rule"]).size().to_dict()
    return [
        ManagerWarningCounts(
            manager_id=manager_id,
            customers=int(customers.get(manager_id, 0)),
            flagged_customers=int(flagged.get(manager_id, 0)),
            warnings=int(warnings.get(manager_id, 0)),
            by_severity={s: int(severities.get((manager_id, s), 0)) for s in Severity.values},
            by_rule={
                rule.code: int(per_rule[(manager_id, rule.code)])
                for rule in rules
                if (manager_id, rule.code) in per_rule
            },
        )
        for manager_id in ids
    ]


def _prepare(manager_ids: list[int], month: dt.date) -> tuple[RuleData, list[WarningRule]]:
    month = dt.date(month.year, month.month, 1)
    if not indicators_stored(month=month):
        raise IndicatorsMissing(month)
    rules = list(
        WarningRule.objects.filter(is_active=True)
        .select_related("action")
        .order_by("position", "code")
    )
    company_wide = any(KINDS[r.kind].company_wide for r in rules if r.kind in KINDS)
    return RuleData(month, manager_ids, company_wide=company_wide), rules


def _id_of(manager: User | int) -> int:
    return manager.pk if isinstance(manager, User) else int(manager)


def _month_text(month: dt.date) -> str:
    return gettext("%(year)d年%(month)d月") % {"year": month.year, "month": month.month}


def _evaluate(
    data: RuleData, rules: list[WarningRule]
) -> tuple[list[tuple[WarningRule, pd.DataFrame]], list[SkippedRule]]:
    hits, skipped = [], []
    for rule in rules:
        spec = KINDS.get(rule.kind)
        try:
            if spec is None:
                raise RuleSkipped(_("不支持的预警条件“%(kind)s”。") % {"kind": rule.kind})
            if spec.unit is not None and rule.threshold is None:
                raise RuleSkipped(_("未设置阈值。"))
            t = None if rule.threshold is None else float(rule.threshold)
            frame = spec.condition(data, t)
        except RuleSkipped as skip:
            skipped.append(SkippedRule(code=rule.code, name=rule.name, reason=str(skip.args[0])))
            continue
        hits.append((rule, frame[frame["customer_id"].isin(data.ids)]))
    return hits, skipped


def _native(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _warnings(data: RuleData, rule: WarningRule, frame: pd.DataFrame) -> list[CustomerWarning]:
    if frame.empty:
        return []
    spec = KINDS[rule.kind]
    rows = frame.merge(data.customers, on="customer_id")
    if spec.per_sku:
        rows = rows.merge(data.skus[["sku_id", "sku_code", "sku_name"]], on="sku_id")
    threshold = None if rule.threshold is None else float(rule.threshold)
    out = []
    for record in rows.to_dict("records"):
        numbers = {c: _native(record[c]) for c in spec.numbers}
        if threshold is not None:
            numbers["threshold"] = threshold
        out.append(
            CustomerWarning(
                customer_id=int(record["customer_id"]),
                customer_code=record["code"],
                customer_name=record["name"],
                manager_id=int(record["manager_id"]),
                rule_code=rule.code,
                rule_name=rule.name,
                severity=rule.severity,
                message=warning_message(
                    rule.message,
                    kind=rule.kind,
                    threshold=rule.threshold,
                    numbers=numbers,
                    month=data.month,
                    customer=record["name"],
                    code=record["code"],
                    sku=record.get("sku_name", ""),
                ),
                numbers=numbers,
                suggestion=rule.suggested_action,
                action_id=rule.action_id,
                action_code=rule.action.code if rule.action_id else "",
                sku_id=int(record["sku_id"]) if spec.per_sku else None,
                sku_code=record.get("sku_code", ""),
                sku_name=record.get("sku_name", ""),
            )
        )
    return out


def warning_message(
    template: str,
    *,
    kind: str,
    threshold: Decimal | None,
    numbers: dict[str, Any],
    month: dt.date,
    customer: str,
    code: str,
    sku: str = "",
) -> str:
    """A warning's message in the active language: the rule's template with the numbers
    behind the flag (also how a stored warning is shown in another language)."""
    spec = KINDS[kind]
    values = {
        "month": _month_text(month),
        "threshold": spec.threshold_text(threshold),
        "customer": customer,
        "code": code,
        "sku": sku or "",
        **spec.message_texts(numbers, None if threshold is None else float(threshold)),
    }
    return render(template, values)
