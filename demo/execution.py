"""The month's work in the demo (DESIGN.md §4 steps 2–3), for the previous month and the
current one up to yesterday: each customer manager's approved plan with its marketing
actions and weekly arrangement, the visits made (a few under a minute, a few never checked
out), some actions done, a few temporary tasks, and (unplanned) visits on some of the days a
shelf, stock or price check was recorded. Generated with numpy per manager, written in bulk (COPY on PostgreSQL).
This module plans the months and writes the cycles; the visits and the actions on them are
made by ``demo.execution_visits``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings

from core.months import add_months, month_end
from cycle.models import (
    ApprovalRecord,
    Cycle,
    MarketingAction,
    PlannedVisit,
    StandardAction,
    Visit,
)

from . import load
from .execution_visits import actions_frame, visits_frame, write_actions, write_visits

DAY = np.timedelta64(1, "D")
# planned visits per manager per workday (DESIGN.md §4 step 3: about 30 a day in urban
# markets, 25 in rural ones), by the market of most of the manager's customers
PER_DAY = {"urban": (20, 28), "rural": (17, 24)}
DAY_LIMIT = {"urban": 30, "rural": 25}
VISITS_A_MONTH = {"weekly": 4, "biweekly": 2, "monthly": 1}
BUSY_DAY_SHARE = 0.4  # managers with one day arranged past the limit (warned, not refused)
# the standard actions a manager picks by hand: how often, and the text when the strategy
# library (seeded by a migration) has been emptied
HAND_PICKED = {
    "visit_analyse": (4, "走访了解经营变化，帮助分析原因并制定提升措施"),
    "guide_shelf_display": (5, "指导上柜陈列"),
    "guide_inventory": (3, "指导控制进货、加快动销"),
    "promote_price_tagging": (2, "宣传明码标价、引导合理定价"),
    "review_forecast": (3, "复核需求预测方法，与客户沟通订货计划"),
    "key_customer_visit": (1, "重点走访大客户，稳定经营、挽回销量"),
}


@dataclass
class Staff:
    """Per customer-manager index: the user id and their market manager's id."""

    manager_ids: np.ndarray
    market_manager_ids: np.ndarray


def execution_months(today: dt.date) -> list[dt.date]:
    current = today.replace(day=1)
    return [add_months(current, -1), current]


def seed_execution(
    *,
    customers: pd.DataFrame,
    cust_ids: np.ndarray,
    staff: Staff,
    observed: dict[str, pd.DataFrame],
    volumes: dict[dt.date, np.ndarray],
    today: dt.date,
    rng: np.random.Generator,
) -> dict:
    """Writes cycles, approvals, planned visits, visits and actions; returns the rows
    written per model."""
    months = execution_months(today)
    plans = {m: _planned(customers, m, rng) for m in months}
    cycles, records = _cycles(staff, plans, volumes)
    standard = dict(StandardAction.objects.values_list("code", "pk"))
    names = {code: text for code, (_weight, text) in HAND_PICKED.items()}
    names.update(StandardAction.objects.values_list("code", "name"))
    picks = list(HAND_PICKED)
    weights = np.array([HAND_PICKED[c][0] for c in picks], dtype=float)
    key = cycles_key(cycles, staff)
    counts = {Cycle: len(cycles), ApprovalRecord: records, PlannedVisit: 0, Visit: 0}
    counts[MarketingAction] = 0
    carried: pd.DataFrame | None = None
    for month in months:
        plan = plans[month]
        cycle_of = key(plan["manager"].to_numpy(), month)
        counts[PlannedVisit] += load.write_rows(
            PlannedVisit,
            [
                pd.DataFrame(
                    {
                        "cycle_id": cycle_of,
                        "customer_id": cust_ids[plan["customer"].to_numpy()],
                        "date": plan["date"].to_numpy(),
                    }
                )
            ],
        )
        visits = visits_frame(customers, plan, observed, month, today, rng)
        visits["cycle_id"] = key(visits["manager"].to_numpy(), month)
        visits["id"] = write_visits(visits, cust_ids, month)
        counts[Visit] += len(visits)
        actions = actions_frame(plan, visits, carried, month, picks, weights, names, rng)
        actions["cycle_id"] = key(actions["manager"].to_numpy(), month)
        actions["standard_action_id"] = pd.array(
            [standard.get(c) for c in actions["code"]], dtype="Int64"
        )
        actions["id"] = write_actions(actions, cust_ids, staff.manager_ids, month)
        counts[MarketingAction] += len(actions)
        # unfinished ones (☆ and ●) flow into the next month's plan
        carried = actions[actions["done_at"].isna()]
    return counts


def cycles_key(cycles: dict[tuple[int, dt.date], int], staff: Staff):
    """manager indexes, month → their cycle ids."""
    by_month: dict[dt.date, np.ndarray] = {}
    for (manager, month), pk in cycles.items():
        ids = by_month.setdefault(month, np.zeros(len(staff.manager_ids), dtype=np.int64))
        ids[manager] = pk
    return lambda managers, month: by_month[month][managers]


# --- plans --------------------------------------------------------------------------------


def _workdays(month: dt.date) -> np.ndarray:
    days = np.arange(np.datetime64(month), np.datetime64(month_end(month)) + DAY)
    return days[np.is_busday(days)]


def _planned(customers: pd.DataFrame, month: dt.date, rng) -> pd.DataFrame:
    """The weekly arrangement: each active customer as often as its visit frequency asks
    (weekly 4, biweekly 2, monthly 1), its visits spread evenly over the month; 20–28
    customers a workday (17–24 in a mostly rural territory), now and then a day past the
    limit. A manager with fewer visits to make than that gets lighter days."""
    days = _workdays(month)
    active = customers[customers["status"] == "active"]
    frames = []
    for manager, group in active.groupby("manager", sort=True):
        index = group.index.to_numpy()
        weight = group["visit_frequency"].map(VISITS_A_MONTH).fillna(1).to_numpy(dtype=np.int64)
        phase = rng.random(len(index))
        customer = np.repeat(index, weight)
        starts = np.repeat(np.cumsum(weight) - weight, weight)
        nth = np.arange(len(customer)) - starts
        spread = (nth + np.repeat(phase, weight)) / np.repeat(weight, weight)
        customer = customer[np.argsort(spread, kind="stable")]
        market = "rural" if (group["market_type"] == "rural").mean() > 0.5 else "urban"
        low, high = PER_DAY[market]
        per_day = rng.integers(low, high + 1, len(days))
        if rng.random() < BUSY_DAY_SHARE:  # so many that even the visits made pass the limit
            per_day[rng.integers(len(days))] = DAY_LIMIT[market] + rng.integers(6, 10)
        if per_day.sum() > len(customer):  # fewer visits than slots: lighter days
            per_day = np.floor(per_day * len(customer) / per_day.sum()).astype(np.int64)
        ends = np.cumsum(per_day)
        count = min(len(customer), int(ends[-1]))
        day = np.searchsorted(ends, np.arange(count), side="right")
        frames.append(
            pd.DataFrame({"manager": manager, "customer": customer[:count], "date": days[day]})
        )
    plan = pd.concat(frames, ignore_index=True).drop_duplicates(["customer", "date"])
    return plan.reset_index(drop=True)


def _cycles(staff: Staff, plans, volumes):
    """Approved plans: submitted on the 26th of the month before, approved on the 28th."""
    zone = ZoneInfo(settings.TIME_ZONE)
    objects = []
    for month, plan in plans.items():
        before = add_months(month, -1)
        submitted = dt.datetime.combine(before.replace(day=26), dt.time(17, 20), tzinfo=zone)
        decided = dt.datetime.combine(before.replace(day=28), dt.time(9, 40), tzinfo=zone)
        planned = plan.groupby("manager").size()
        volume = volumes.get(before)
        for manager, user_id in enumerate(staff.manager_ids):
            goal = None if volume is None else int(round(volume[manager] * 1.03, -1))
            objects.append(
                Cycle(
                    manager_id=int(user_id),
                    month=month,
                    plan_status="approved",
                    goal_volume=goal,
                    goal_coverage=None,
                    goal_visits=int(planned.get(manager, 0)),
                    focus="稳定重点客户销量，提升重点品牌上柜率；按周安排拜访，做好陈列和价格引导。",
                    plan_submitted_at=submitted,
                    plan_decided_at=decided,
                    plan_decided_by_id=int(staff.market_manager_ids[manager]),
                    plan_comment="同意，按计划执行。",
                )
            )
    created = Cycle.objects.bulk_create(objects)
    records = []
    for cycle in created:
        common = {"cycle": cycle, "document": "plan"}
        records += [
            ApprovalRecord(
                **common,
                transition="submit",
                from_status="draft",
                to_status="submitted",
                by_id=cycle.manager_id,
                at=cycle.plan_submitted_at,
            ),
            ApprovalRecord(
                **common,
                transition="approve",
                from_status="submitted",
                to_status="approved",
                by_id=cycle.plan_decided_by_id,
                at=cycle.plan_decided_at,
                comment=cycle.plan_comment,
            ),
        ]
    ApprovalRecord.objects.bulk_create(records)
    user_to_index = {int(u): i for i, u in enumerate(staff.manager_ids)}
    return {(user_to_index[c.manager_id], c.month): c.pk for c in created}, len(records)
