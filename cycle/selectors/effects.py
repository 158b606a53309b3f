"""Reads of the stored action effects (``cycle.strategy.effects``): the export, the
evaluation page (last month's actions of one manager), the customer page (what changed
after each action) and the strategy library (per rule and standard action over the last
months). Every read is a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.policy import scope_of
from core.charts import IntervalChart, interval_chart
from core.months import add_months

from ..models import ActionEffect, ActionOutcome, EffectScope
from ..strategy.effect_metrics import metric_of

EXPORT_COLUMNS = [
    "month",
    "rule_code",
    "action_code",
    "treated",
    "controls",
    "treated_mean_change",
    "control_mean_change",
    "effect",
    "ci_low",
    "ci_high",
]
LIBRARY_MONTHS = 6


def _blank(value: Decimal | None):
    return "" if value is None else value


def action_effect_export_rows(
    *, month: dt.date, scope_type: str, scope_key: str = ""
) -> list[list]:
    """The contract of ``export_action_effects``: one row per (rule, standard action) done
    in ``month`` in the scope, decimals with 4 places, empty where there is not enough
    data; ordered by rule and action (their positions, then codes)."""
    rows = (
        ActionEffect.objects.filter(
            month=month, scope_type=scope_type, scope_key=scope_key, done__gt=0
        )
        .order_by("rule__position", "rule__code", "action__position", "action__code")
        .values_list(
            "rule__code",
            "action__code",
            "treated",
            "controls",
            "treated_mean_change",
            "control_mean_change",
            "effect",
            "ci_low",
            "ci_high",
        )
    )
    label = f"{month:%Y-%m}"
    return [
        [label, rule, action, treated, controls, *(_blank(v) for v in numbers)]
        for rule, action, treated, controls, *numbers in rows
    ]


@dataclass
class EffectRow:
    """One (rule, standard action) as a page shows it."""

    rule_id: int
    rule_code: str
    rule_name: str
    rule_kind: str
    action_code: str
    action_name: str
    flagged: int = 0
    planned: int = 0
    done: int = 0
    treated: int = 0
    controls: int = 0
    effect: Decimal | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    treated_mean: Decimal | None = None
    control_mean: Decimal | None = None
    month: dt.date | None = None  # the month the effect was measured in
    company: EffectRow | None = None  # the company's row beside a manager's
    months: list = field(default_factory=list)

    @property
    def metric(self) -> str:
        metric = metric_of(self.rule_kind)
        return str(metric.label) if metric else ""

    @property
    def completion(self) -> float | None:
        return self.done / self.planned if self.planned else None

    @property
    def verdict(self) -> str:
        """helped / hurt / unclear: the interval's side of zero, read the metric's way."""
        if self.effect is None:
            return ""
        metric = metric_of(self.rule_kind)
        better = metric.better if metric else 1
        if self.ci_low is not None and self.ci_low * better > 0 and self.ci_high * better > 0:
            return "helped"
        if self.ci_low is not None and self.ci_low * better < 0 and self.ci_high * better < 0:
            return "hurt"
        return "unclear"

    @property
    def verdict_label(self) -> str:
        return {
            "helped": _("有效"),
            "hurt": _("变差"),
            "unclear": _("不明显"),
        }.get(self.verdict, _("数据不足"))


_FIELDS = (
    "rule_id",
    "rule__code",
    "rule__name",
    "rule__kind",
    "action__code",
    "action__name",
    "month",
    "flagged",
    "planned",
    "done",
    "treated",
    "controls",
    "effect",
    "ci_low",
    "ci_high",
    "treated_mean_change",
    "control_mean_change",
    "scope_type",
)


def _row(values: dict) -> EffectRow:
    return EffectRow(
        rule_id=values["rule_id"],
        rule_code=values["rule__code"],
        rule_name=values["rule__name"],
        rule_kind=values["rule__kind"],
        action_code=values["action__code"],
        action_name=values["action__name"],
        flagged=values["flagged"],
        planned=values["planned"],
        done=values["done"],
        treated=values["treated"],
        controls=values["controls"],
        effect=values["effect"],
        ci_low=values["ci_low"],
        ci_high=values["ci_high"],
        treated_mean=values["treated_mean_change"],
        control_mean=values["control_mean_change"],
        month=values["month"],
    )


def manager_month_effects(*, manager: User, month: dt.date) -> list[EffectRow]:
    """The evaluation page: the standard actions ``manager`` did in ``month`` on flagged
    customers, each with its measured effect for the manager's customers and the company's
    beside it. The caller has checked that the user may see the manager's cycle."""
    rows = (
        ActionEffect.objects.filter(month=month, done__gt=0)
        .filter(
            Q(scope_type=EffectScope.MANAGER, scope_key=manager.username)
            | Q(scope_type=EffectScope.COMPANY)
        )
        .order_by("rule__position", "rule__code", "action__position", "action__code")
        .values(*_FIELDS)
    )
    mine, company = [], {}
    for values in rows:
        row = _row(values)
        if values["scope_type"] == EffectScope.COMPANY:
            company[(row.rule_code, row.action_code)] = row
        else:
            mine.append(row)
    for row in mine:
        row.company = company.get((row.rule_code, row.action_code))
    return mine


def effects_computed(*, month: dt.date) -> bool:
    return ActionEffect.objects.filter(month=month).exists()


@dataclass(frozen=True)
class Outcome:
    month: dt.date
    rule_name: str
    rule_kind: str
    action_name: str
    sku_name: str
    before: Decimal | None
    after: Decimal | None

    @property
    def metric(self) -> str:
        metric = metric_of(self.rule_kind)
        return str(metric.label) if metric else ""

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def improved(self) -> bool | None:
        metric = metric_of(self.rule_kind)
        if self.change is None or metric is None or self.change == 0:
            return None
        return self.change * metric.better > 0


def customer_action_outcomes(*, user: User, customer_id: int, months: int = 12) -> list[Outcome]:
    """The customer page (the hook ``MARKETS_CUSTOMER_OUTCOMES``): the standard actions done
    at this customer on a flag, latest first, with the triggering number when flagged and
    a month later. The caller has checked that ``user`` may see the customer."""
    latest = ActionOutcome.objects.filter(customer_id=customer_id).aggregate(m=Max("month"))["m"]
    if latest is None:
        return []
    rows = (
        ActionOutcome.objects.filter(customer_id=customer_id, month__gt=add_months(latest, -months))
        .order_by("-month", "rule__position", "action__position", "sku__code")
        .values_list(
            "month", "rule__name", "rule__kind", "action__name", "sku__name", "before", "after"
        )
    )
    return [
        Outcome(month, rule, kind, action, sku or "", before, after)
        for month, rule, kind, action, sku, before, after in rows
    ]


# --- the strategy library -------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryScope:
    scope_type: str
    key: str
    label: str

    @property
    def value(self) -> str:
        return self.scope_type if not self.key else f"{self.scope_type}:{self.key}"


def library_scopes(*, user: User) -> list[LibraryScope]:
    """The company, then the teams the user may see."""
    teams = scope_of(user).teams(Team.objects.all()).order_by("code").values_list("code", "name")
    return [LibraryScope(EffectScope.COMPANY, "", _("全公司"))] + [
        LibraryScope(EffectScope.TEAM, code, name) for code, name in teams
    ]


SORTS = {
    "rule": lambda r: (r.rule_code, r.action_code),
    "action": lambda r: (r.action_code, r.rule_code),
    "flagged": lambda r: r.flagged,
    "planned": lambda r: r.planned,
    "done": lambda r: r.done,
    "completion": lambda r: -1 if r.completion is None else r.completion,
    "effect": lambda r: float("-inf") if r.effect is None else float(r.effect),
}


@dataclass
class Library:
    scope: LibraryScope
    first: dt.date | None
    last: dt.date | None
    rows: list[EffectRow]


def strategy_library(*, scope: LibraryScope, last: dt.date | None, order: str = "") -> Library:
    """Per rule and standard action over the ``LIBRARY_MONTHS`` action months up to
    ``last`` (default: the latest with stored effects): flags raised, actions planned and
    done on them (summed), and the latest measured effect with its interval. ``order`` is a
    key of ``SORTS``, "-" for descending. The caller has checked the scope."""
    stored = ActionEffect.objects.filter(scope_type=scope.scope_type, scope_key=scope.key)
    if last is None:
        last = stored.aggregate(m=Max("month"))["m"]
    if last is None:
        return Library(scope, None, None, [])
    first = add_months(last, -(LIBRARY_MONTHS - 1))
    values = (
        stored.filter(month__gte=first, month__lte=last)
        .order_by("rule__position", "rule__code", "action__position", "action__code", "month")
        .values(*_FIELDS)
    )
    rows: dict[tuple[str, str], EffectRow] = {}
    for one in values:
        key = (one["rule__code"], one["action__code"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = _row(one)
            row.flagged = row.planned = row.done = 0
            row.effect = row.ci_low = row.ci_high = row.month = None
        row.flagged += one["flagged"]
        row.planned += one["planned"]
        row.done += one["done"]
        if one["effect"] is not None:  # the months come in order: the latest measured wins
            row.effect, row.ci_low, row.ci_high = one["effect"], one["ci_low"], one["ci_high"]
            row.treated, row.controls, row.month = one["treated"], one["controls"], one["month"]
            row.treated_mean = one["treated_mean_change"]
            row.control_mean = one["control_mean_change"]
    ordered = list(rows.values())
    field_name = order.lstrip("-")
    if field_name in SORTS:
        ordered.sort(key=SORTS[field_name], reverse=order.startswith("-"))
    return Library(scope, first, last, ordered)


def library_charts(library: Library) -> list[IntervalChart]:
    """One chart per rule with a measured action: each action's latest effect and interval
    (rules measure different numbers, so each has its own scale)."""
    charts, by_rule = [], {}
    for row in library.rows:
        by_rule.setdefault(row.rule_code, []).append(row)
    for rows in by_rule.values():
        if not any(r.effect is not None for r in rows):
            continue
        metric = metric_of(rows[0].rule_kind)
        title = f"{rows[0].rule_name}（{rows[0].metric}）" if rows[0].metric else rows[0].rule_name
        charts.append(
            interval_chart(
                title,
                [(r.action_name, r.effect, r.ci_low, r.ci_high) for r in rows],
                better=metric.better if metric else 1,
            )
        )
    return charts


def library_for(*, user: User, scope: str = "", order: str = "") -> tuple[Library, list]:
    """The strategy library page: the scope asked for if ``user`` may see it (else the
    company), with the scopes to pick from."""
    scopes = library_scopes(user=user)
    chosen = next((s for s in scopes if s.value == scope), scopes[0])
    return strategy_library(scope=chosen, last=None, order=order), scopes
