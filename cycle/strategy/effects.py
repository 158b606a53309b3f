"""The measured effect of the standard actions (issue #17; DESIGN.md §4 "Action effect"),
computed once per month and stored (``ActionEffect``, ``ActionOutcome``).

The months. The plan of month M takes its actions from the analysis of M, which flags the
data of M−1 (the stored warnings of M−1, ``cycle.strategy.store``). So for the standard
actions done (★) in month M (the plan's month, the ``month`` of every row):
- the flagged units are the customers (customer × SKU for a per-SKU rule) flagged by a rule
  in the stored warnings of M−1 — what the manager saw when planning M;
- the change is the rule's triggering number (``effect_metrics``) from M−1 (read from the
  stored warning's numbers) to M (recomputed for every flagged unit through ``RuleData`` of
  M, flagged again or not);
- the (rule, standard action) pairs: an action counts for a rule when it was generated
  from that rule's warning (``MarketingAction.rule``) or added without a rule and is the
  rule's suggested standard action;
- treated: flagged units with the rule's standard action done in M's plan (a per-SKU action
  with a SKU treats that SKU only); controls: the flagged units of the same rule, company
  wide, without that standard action done at all (planned and not done counts as not done;
  done for another rule makes the unit neither);
- effect = mean change of the treated − mean change of the controls of the same class
  (tier band × business format), with a bootstrap 90 % interval (``did``); below 10 treated
  or 10 controls: not enough data (the counts are kept, the numbers left empty).

Scopes: the company, each team and each customer manager (the manager the flag belongs
to). A team's or a manager's row compares their treated units with the company's controls,
so a manager whose every flagged customer was served is still measured.

A unit without the number in M (no stock check of that SKU in M, no forecast, a customer
closed since) has no change and is left out of both groups. Rows are counted per unit: a
customer with the action done twice counts once.

``action_effects_compute(month=M)`` replaces the rows of M in one transaction (idempotent:
the bootstrap seed comes from month, rule, action and scope). It runs in the Celery task
``cycle.tasks.compute_warnings``: after the warnings of a month W are stored, for W (its
indicators were just written; the flags of W−1 are stored) and for W+1 when W+1's
indicators exist (the flags of W may have changed: a rule edited, a late visit)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from core.months import add_months, month_start
from customers.selectors import active_customers
from reports.selectors import indicators_stored

from ..models import (
    ActionEffect,
    ActionOutcome,
    EffectScope,
    MarketingAction,
    StandardAction,
    StoredWarning,
    WarningRule,
)
from . import kinds  # noqa: F401  (registers the built-in kinds)
from .data import _BAND_OF_TIER, RuleData
from .did import did_estimate, seed_of
from .effect_metrics import metric_of
from .spec import KINDS, RuleSkipped

logger = logging.getLogger(__name__)

LOCK_CLASS = 135_017
FOUR = Decimal("0.0001")
NO_SKU = 0


def action_effects_compute(*, month: dt.date) -> int | None:
    """Compute and store the effects of the actions done in ``month`` (any day of it);
    the rows written, or None when the month's indicators have not been computed."""
    month = month_start(month)
    if not indicators_stored(month=month):
        return None
    effects, outcomes = _effects(month)
    now = timezone.now()
    with transaction.atomic():
        _lock(month)
        ActionEffect.objects.filter(month=month).delete()
        ActionOutcome.objects.filter(month=month).delete()
        ActionEffect.objects.bulk_create(
            (ActionEffect(month=month, computed_at=now, **row) for row in effects),
            batch_size=2_000,
        )
        ActionOutcome.objects.bulk_create(
            (ActionOutcome(month=month, **row) for row in outcomes), batch_size=5_000
        )
    return len(effects)


def _effects(month: dt.date) -> tuple[list[dict], list[dict]]:
    actions = _plan_actions(month)
    if actions.empty:
        return [], []
    units = _flagged_units(add_months(month, -1))
    if units.empty:
        return [], []
    units = _with_change(units, month)
    matched = _matched(units, actions)
    if matched.empty:
        return [], []
    codes = dict(StandardAction.objects.values_list("pk", "code"))
    rule_codes = dict(WarningRule.objects.values_list("pk", "code"))
    people = pd.DataFrame.from_records(
        list(
            User.objects.filter(pk__in=units["manager_id"].unique().tolist()).values_list(
                "pk", "username", "team__code"
            )
        ),
        columns=["manager_id", "username", "team"],
    )
    units = units.merge(people, on="manager_id", how="left")
    units["username"] = units["username"].fillna("")
    units["team"] = units["team"].fillna("")
    effects, outcomes = [], []
    key = ["rule_id", "customer_id", "sku_id"]
    for (rule_id, action_id), pair in matched.groupby(["rule_id", "action_id"], sort=True):
        flagged = units[units["rule_id"] == rule_id].reset_index(drop=True)
        index = pd.MultiIndex.from_frame(flagged[key])
        status = pair.set_index(key)[["planned", "done", "done_any"]].reindex(
            index, fill_value=False
        )
        planned = status["planned"].to_numpy(dtype=bool)
        done = status["done"].to_numpy(dtype=bool)
        untreated = ~status["done_any"].to_numpy(dtype=bool)  # no such action done at all
        change = flagged["change"].to_numpy(dtype="float64")
        classes = flagged["class"].to_numpy(dtype=object)
        controls, control_classes = change[untreated], classes[untreated]
        scopes = [(EffectScope.COMPANY, "", np.ones(len(flagged), dtype=bool))]
        for column, scope_type in (("team", EffectScope.TEAM), ("username", EffectScope.MANAGER)):
            values = flagged[column].to_numpy(dtype=object)
            for scope_key in sorted(set(values[planned]) - {""}):
                scopes.append((scope_type, scope_key, values == scope_key))
        for scope_type, scope_key, mask in scopes:
            treated = mask & done
            estimate = did_estimate(
                change[treated],
                classes[treated],
                controls,
                control_classes,
                seed=seed_of(
                    f"{month:%Y-%m}", rule_codes[rule_id], codes[action_id], scope_type, scope_key
                ),
            )
            effects.append(
                {
                    "rule_id": int(rule_id),
                    "action_id": int(action_id),
                    "scope_type": scope_type,
                    "scope_key": scope_key,
                    "flagged": int(mask.sum()),
                    "planned": int((mask & planned).sum()),
                    "done": int(treated.sum()),
                    "treated": estimate.treated,
                    "controls": estimate.controls,
                    "treated_mean_change": _decimal(estimate.treated_mean),
                    "control_mean_change": _decimal(estimate.control_mean),
                    "effect": _decimal(estimate.effect),
                    "ci_low": _decimal(estimate.ci_low),
                    "ci_high": _decimal(estimate.ci_high),
                }
            )
        served = flagged[done]
        outcomes.extend(
            {
                "customer_id": int(row.customer_id),
                "manager_id": int(row.manager_id),
                "rule_id": int(rule_id),
                "action_id": int(action_id),
                "sku_id": None if row.sku_id == NO_SKU else int(row.sku_id),
                "before": _decimal(row.before),
                "after": _decimal(row.after),
            }
            for row in served.itertuples(index=False)
        )
    return effects, outcomes


def _flagged_units(month: dt.date) -> pd.DataFrame:
    """The stored warnings of ``month`` as units: rule_id, kind, customer_id, sku_id (0 for
    a customer rule), manager_id, before (the triggering number; NaN without a metric)."""
    rows = StoredWarning.objects.filter(month=month).values_list(
        "rule_id", "rule__kind", "customer_id", "sku_id", "manager_id", "numbers"
    )
    frame = pd.DataFrame.from_records(
        list(rows.iterator(chunk_size=10_000)),
        columns=["rule_id", "kind", "customer_id", "sku_id", "manager_id", "numbers"],
    )
    if frame.empty:
        return frame.drop(columns="numbers").assign(before=pd.Series(dtype="float64"))
    frame["sku_id"] = frame["sku_id"].fillna(NO_SKU).astype("int64")
    before = np.full(len(frame), np.nan)
    for kind, positions in frame.groupby("kind").indices.items():
        metric = metric_of(kind)
        if metric is None:
            continue
        numbers = frame["numbers"].to_numpy()[positions]
        before[positions] = [_float(metric.before(n or {})) for n in numbers]
    frame["before"] = before
    # one unit per rule × customer × SKU (a rule flags a unit once; kept safe anyway)
    return frame.drop(columns="numbers").drop_duplicates(["rule_id", "customer_id", "sku_id"])


def _plan_actions(month: dt.date) -> pd.DataFrame:
    """The plan's standard actions of ``month``: customer_id, action_id, action_rule_id (the
    rule it was generated from, 0: none), sku_id (0: none), done."""
    rows = (
        MarketingAction.objects.filter(
            cycle__month=month, removed_at__isnull=True, standard_action__isnull=False
        )
        .values_list("customer_id", "standard_action_id", "rule_id", "sku_id", "done_at")
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows.iterator(chunk_size=10_000)),
        columns=["customer_id", "action_id", "action_rule_id", "sku_id", "done_at"],
    )
    frame["sku_id"] = frame["sku_id"].fillna(NO_SKU).astype("int64")
    frame["action_rule_id"] = frame["action_rule_id"].fillna(0).astype("int64")
    frame["done"] = frame["done_at"].notna()
    return frame.drop(columns="done_at")


def _with_change(units: pd.DataFrame, month: dt.date) -> pd.DataFrame:
    """``units`` with their class, the number in ``month`` (after) and the change."""
    customers = pd.DataFrame.from_records(
        list(active_customers().values_list("id", "tier", "business_format")),
        columns=["customer_id", "tier", "business_format"],
    )
    band = customers["tier"].map(_BAND_OF_TIER).fillna("")
    customers["class"] = band + "|" + customers["business_format"].fillna("")
    units = units.merge(customers[["customer_id", "class"]], on="customer_id", how="left")
    units["class"] = units["class"].fillna("")
    managers = sorted(set(active_customers().values_list("manager_id", flat=True)))
    company_wide = any(spec.company_wide for spec in KINDS.values())
    data = RuleData(month, managers, company_wide=company_wide)  # loads on first use
    afters = [_after_frame(kind, data) for kind in sorted(units["kind"].unique())]
    after = pd.concat(
        [pd.DataFrame({"kind": [], "customer_id": [], "sku_id": [], "after": []}), *afters],
        ignore_index=True,
    ).astype({"customer_id": "int64", "sku_id": "int64", "after": "float64"})
    units = units.merge(after, on=["kind", "customer_id", "sku_id"], how="left")
    units["change"] = units["after"] - units["before"]
    return units


def _after_frame(kind: str, data: RuleData) -> pd.DataFrame | None:
    metric = metric_of(kind)
    if metric is None or kind not in KINDS:
        return None
    try:
        frame = metric.after(data)
    except RuleSkipped:
        return None
    frame = frame.copy()
    if "sku_id" not in frame.columns:
        frame["sku_id"] = NO_SKU
    frame = frame.drop_duplicates(["customer_id", "sku_id"])
    return frame.rename(columns={"value": "after"}).assign(kind=kind)[
        ["kind", "customer_id", "sku_id", "after"]
    ]


def _matched(units: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """rule_id, customer_id, sku_id (the unit's), action_id, planned, done, done_any: the
    standard actions on each flagged unit (an action with a SKU on a per-SKU unit only when
    the SKUs agree). An action is the rule's (``planned``, ``done``) when it was generated
    from that rule, or added without a rule and is the rule's suggested action; ``done_any``
    says the action was done at all (such a unit is no control)."""
    suggested = dict(
        WarningRule.objects.filter(action__isnull=False).values_list("pk", "action_id")
    )
    rows = units[["rule_id", "customer_id", "sku_id"]].merge(
        actions, on="customer_id", suffixes=("", "_action")
    )
    fits = (rows["sku_id_action"] == NO_SKU) | (rows["sku_id"] == NO_SKU)
    fits |= rows["sku_id_action"] == rows["sku_id"]
    rows = rows[fits]
    own = rows["action_rule_id"] == rows["rule_id"]
    own |= (rows["action_rule_id"] == 0) & (rows["rule_id"].map(suggested) == rows["action_id"])
    rows = rows.assign(planned=own, done_own=own & rows["done"])
    matched = rows.groupby(["rule_id", "customer_id", "sku_id", "action_id"], as_index=False).agg(
        planned=("planned", "any"), done=("done_own", "any"), done_any=("done", "any")
    )
    # the pairs: a rule and an action of it planned on one of its units at least
    pairs = matched.loc[matched["planned"], ["rule_id", "action_id"]].drop_duplicates()
    return matched.merge(pairs, on=["rule_id", "action_id"])


def _decimal(value) -> Decimal | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return Decimal(repr(float(value))).quantize(FOUR)


def _float(value) -> float:
    return np.nan if value is None else float(value)


def _lock(month: dt.date) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [LOCK_CLASS, month.year * 12 + month.month],
            )
