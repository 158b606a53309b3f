"""The month's work in the demo (DESIGN.md §4 steps 2–3), for the previous month and the
current one up to yesterday: each customer manager's approved plan with its marketing
actions and weekly arrangement, the visits made (a few under a minute, a few never checked
out), some actions done, a few temporary tasks, and (unplanned) visits on some of the days a
shelf, stock or price check was recorded. Generated with numpy per manager, written in bulk (COPY on PostgreSQL)."""

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
from .names import TEMPORARY_TASKS, VISIT_FEELINGS

SHANGHAI_OFFSET = np.timedelta64(8, "h")  # no daylight saving since 1991
SECOND = np.timedelta64(1, "s")
DAY = np.timedelta64(1, "D")
NOT_A_TIME = np.datetime64("NaT", "s")
# planned visits per manager per workday (DESIGN.md §4 step 3: about 30 a day in urban
# markets, 25 in rural ones), by the market of most of the manager's customers
PER_DAY = {"urban": (20, 28), "rural": (17, 24)}
DAY_LIMIT = {"urban": 30, "rural": 25}
VISITS_A_MONTH = {"weekly": 4, "biweekly": 2, "monthly": 1}
VISITED_SHARE = 0.9  # planned visits that happened
OBSERVED_VISITED_SHARE = 0.3  # days with a recorded check that also got a visit record
SHORT_SHARE = 0.04  # checked out within a minute: the audit lists them
UNFINISHED_SHARE = 0.015  # checked in, never out
FEELING_SHARE = 0.12
ACTION_SHARE = 0.3  # planned customers with a marketing action
SECOND_ACTION_SHARE = 0.15
BUSY_DAY_SHARE = 0.4  # managers with one day arranged past the limit (warned, not refused)
AWAY_DAY_SHARE = 0.5  # managers who made no visit on one workday (training, meetings)
DONE_SHARE = 0.8  # of the actions whose customer had a valid visit on the planned day
TEMPORARY_SHARE = 0.03  # of the valid visits
TEMPORARY_DONE_SHARE = 0.6
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
        visits = _visits(customers, plan, observed, month, today, rng)
        visits["cycle_id"] = key(visits["manager"].to_numpy(), month)
        visits["id"] = _write_visits(visits, cust_ids, month)
        counts[Visit] += len(visits)
        actions = _actions(plan, visits, carried, month, picks, weights, names, rng)
        actions["cycle_id"] = key(actions["manager"].to_numpy(), month)
        actions["standard_action_id"] = pd.array(
            [standard.get(c) for c in actions["code"]], dtype="Int64"
        )
        actions["id"] = _write_actions(actions, cust_ids, staff, month)
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


# --- visits -------------------------------------------------------------------------------


def _visits(customers, plan, observed, month, today, rng) -> pd.DataFrame:
    """Most planned visits before today, in route order from about 8:30, plus a visit on
    some of the days a check was recorded at a customer (at the time of the check); now and
    then a manager's workday without any (training, meetings). Columns:
    manager, customer, date, method, checked_in_at / checked_out_at (UTC, NaT if never
    checked out), valid, feeling."""
    limit = np.datetime64(today)
    past = plan[(plan["date"].to_numpy() < limit) & (rng.random(len(plan)) < VISITED_SHARE)]
    days = past[["manager", "date"]].drop_duplicates()
    away = days.groupby("manager").sample(n=1, random_state=rng)
    away = away[rng.random(len(away)) < AWAY_DAY_SHARE].set_index(["manager", "date"]).index
    routed = past.assign(area=customers["trade_area"].to_numpy()[past["customer"].to_numpy()])
    routed = routed.sort_values(["manager", "date", "area", "customer"], ignore_index=True)
    method = customers["visit_method"].to_numpy()[routed["customer"].to_numpy()]
    onsite = method == "onsite"
    stay = np.where(
        onsite, rng.integers(6 * 60, 18 * 60, len(routed)), rng.integers(120, 540, len(routed))
    )
    travel = np.where(
        onsite, rng.integers(180, 720, len(routed)), rng.integers(30, 120, len(routed))
    )
    step = stay + travel
    group = routed.groupby(["manager", "date"], sort=False)
    first = group.cumcount().to_numpy() == 0
    day_start = np.where(first, rng.integers(int(8.5 * 3600), int(9.2 * 3600), len(routed)), 0)
    # each day's start time, carried to the day's other visits
    offset = pd.Series(day_start).groupby(group.ngroup().to_numpy()).transform("max").to_numpy()
    elapsed = pd.Series(step).groupby(group.ngroup().to_numpy()).cumsum().to_numpy() - step
    local_in = routed["date"].to_numpy().astype("datetime64[s]") + (offset + elapsed) * SECOND
    planned = pd.DataFrame(
        {
            "manager": routed["manager"].to_numpy(),
            "customer": routed["customer"].to_numpy(),
            "date": routed["date"].to_numpy(),
            "local_in": local_in,
            "stay": stay,
        }
    )
    extra = _observed_visits(customers, observed, month, limit, rng)
    visits = pd.concat([planned, extra], ignore_index=True)
    visits = visits.drop_duplicates(["customer", "date"], ignore_index=True)
    visits = visits[~visits.set_index(["manager", "date"]).index.isin(away)]
    visits = visits.reset_index(drop=True)
    count = len(visits)
    short = rng.random(count) < SHORT_SHARE
    stay = np.where(short, rng.integers(8, 56, count), visits["stay"].to_numpy())
    unfinished = ~short & (rng.random(count) < UNFINISHED_SHARE)
    checked_in = visits["local_in"].to_numpy() - SHANGHAI_OFFSET
    checked_out = checked_in + stay * SECOND
    checked_out[unfinished] = NOT_A_TIME
    feelings = np.array(VISIT_FEELINGS, dtype=object)
    with_feeling = ~short & (rng.random(count) < FEELING_SHARE)
    feeling = np.full(count, "", dtype=object)
    feeling[with_feeling] = feelings[rng.integers(0, len(feelings), with_feeling.sum())]
    return pd.DataFrame(
        {
            "manager": visits["manager"].to_numpy(),
            "customer": visits["customer"].to_numpy(),
            "date": visits["date"].to_numpy(),
            "method": customers["visit_method"].to_numpy()[visits["customer"].to_numpy()],
            "checked_in_at": checked_in,
            "checked_out_at": checked_out,
            "valid": ~short & ~unfinished,
            "feeling": feeling,
        }
    )


def _observed_visits(customers, observed, month, limit, rng) -> pd.DataFrame:
    """A visit on some (customer, day) with a recorded check, checked in a few minutes
    before it, so that some of the demo's shelf, stock and price checks sit on visit days
    (others on planned visits of the same day; the rest were recorded without a visit)."""
    checks = pd.concat([observed["shelf"], observed["inventory"]], ignore_index=True)
    checks = checks[["customer", "observed_at"]].drop_duplicates(["customer", "observed_at"])
    local = checks["observed_at"].to_numpy().astype("datetime64[s]") + SHANGHAI_OFFSET
    day = local.astype("datetime64[D]")
    start, end = np.datetime64(month), np.datetime64(month_end(month))
    keep = (day >= start) & (day <= end) & (day < limit)
    keep &= rng.random(len(checks)) < OBSERVED_VISITED_SHARE
    customer = checks["customer"].to_numpy()[keep]
    return pd.DataFrame(
        {
            "manager": customers["manager"].to_numpy()[customer],
            "customer": customer,
            "date": day[keep],
            "local_in": local[keep] - rng.integers(60, 300, keep.sum()) * SECOND,
            "stay": rng.integers(8 * 60, 20 * 60, keep.sum()),
        }
    ).drop_duplicates(["customer", "date"])


def _write_visits(visits: pd.DataFrame, cust_ids: np.ndarray, month: dt.date):
    now = np.full(len(visits), np.datetime64("now", "s"))
    frame = pd.DataFrame(
        {
            "cycle_id": visits["cycle_id"].to_numpy(),
            "customer_id": cust_ids[visits["customer"].to_numpy()],
            "date": visits["date"].to_numpy(),
            "method": visits["method"].to_numpy(),
            "checked_in_at": visits["checked_in_at"].to_numpy(),
            "checked_out_at": visits["checked_out_at"].to_numpy(),
            "feeling": visits["feeling"].to_numpy(),
            "created_at": now,
            "updated_at": now,
        }
    )
    times = ("checked_in_at", "checked_out_at", "created_at", "updated_at")
    load.write_rows(Visit, [frame], times=times, blank=("feeling",))
    # the new rows' keys, in the order written (one writer: the seed's transaction)
    return _new_ids(Visit.objects.filter(date__gte=month, date__lte=month_end(month)), len(frame))


def _new_ids(queryset, count: int) -> np.ndarray:
    ids = np.fromiter(queryset.order_by("-id").values_list("id", flat=True)[:count], np.int64)
    return ids[::-1]


# --- marketing actions --------------------------------------------------------------------


def _actions(plan, visits, carried, month, picks, weights, names, rng) -> pd.DataFrame:
    """Hand-picked standard actions for some planned customers (on their first planned
    day), last month's unfinished ones carried over, a few temporary tasks met on visits;
    done when the customer had a valid visit that day (mostly)."""
    first_day = plan.groupby("customer")["date"].min()
    owner = plan.drop_duplicates("customer").set_index("customer")["manager"]
    chosen = first_day.index.to_numpy()[rng.random(len(first_day)) < ACTION_SHARE]
    twice = chosen[rng.random(len(chosen)) < SECOND_ACTION_SHARE]
    customer = np.concatenate([chosen, twice])
    # weighted picks without repeats (Efraimidis–Spirakis: the largest u ** (1 / weight))
    order = np.argsort(-(rng.random((len(customer), len(picks))) ** (1 / weights)), axis=1)
    rank = np.concatenate([np.zeros(len(chosen), int), np.ones(len(twice), int)])
    pick = np.array(picks)[order[np.arange(len(customer)), rank]]
    parts = [
        pd.DataFrame(
            {
                "manager": owner.loc[customer].to_numpy(),
                "customer": customer,
                "source": "manual",
                "code": pick,
                "text": [names[c] for c in pick],
                "origin_id": pd.array([None] * len(customer), dtype="Int64"),
                "temporary": False,
                "visit_date": first_day.loc[customer].to_numpy(),
            }
        )
    ]
    if carried is not None and len(carried):
        parts.append(
            pd.DataFrame(
                {
                    "manager": carried["manager"].to_numpy(),
                    "customer": carried["customer"].to_numpy(),
                    "source": "carried",
                    "code": carried["code"].to_numpy(),
                    "text": carried["text"].to_numpy(),
                    "origin_id": pd.array(carried["id"].to_numpy(), dtype="Int64"),
                    "temporary": carried["temporary"].to_numpy(dtype=bool),
                    "visit_date": first_day.reindex(carried["customer"].to_numpy()).to_numpy(),
                }
            )
        )
    actions = pd.concat(parts, ignore_index=True)
    # done on the planned day's valid visit (most of the time)
    valid = visits[visits["valid"]].set_index(["customer", "date"])
    met = valid.reindex(pd.MultiIndex.from_arrays([actions["customer"], actions["visit_date"]]))
    done = met["checked_out_at"].notna().to_numpy() & (rng.random(len(actions)) < DONE_SHARE)
    actions["done_at"] = np.where(done, met["checked_out_at"].to_numpy(), NOT_A_TIME)
    actions["done_visit_id"] = pd.array(np.where(done, met["id"].to_numpy(), None), dtype="Int64")
    # temporary tasks: needs met on a visit, most of them handled there and then
    on = visits[visits["valid"].to_numpy() & (rng.random(len(visits)) < TEMPORARY_SHARE)]
    handled = rng.random(len(on)) < TEMPORARY_DONE_SHARE
    tasks = np.array(TEMPORARY_TASKS, dtype=object)
    temporary = pd.DataFrame(
        {
            "manager": on["manager"].to_numpy(),
            "customer": on["customer"].to_numpy(),
            "source": "manual",
            "code": "",
            "text": tasks[rng.integers(0, len(tasks), len(on))],
            "origin_id": pd.array([None] * len(on), dtype="Int64"),
            "temporary": True,
            "visit_date": on["date"].to_numpy(),
            "done_at": np.where(handled, on["checked_out_at"].to_numpy(), NOT_A_TIME),
            "done_visit_id": pd.array(np.where(handled, on["id"].to_numpy(), None), dtype="Int64"),
            "created_at": on["checked_in_at"].to_numpy(),
        }
    )
    return pd.concat([actions, temporary], ignore_index=True)


def _write_actions(actions, cust_ids, staff: Staff, month: dt.date):
    # the plan's actions were written when it was submitted; temporary tasks on their visit
    submitted = np.datetime64(add_months(month, -1).replace(day=26), "s") + np.timedelta64(
        17 * 3600 - 8 * 3600, "s"
    )
    created = (
        actions["created_at"]
        if "created_at" in actions.columns
        else pd.Series(pd.NaT, index=actions.index)
    )
    created_at = created.fillna(pd.Timestamp(submitted)).to_numpy(dtype="datetime64[s]")
    keys = np.where(
        actions["source"].to_numpy() == "carried",
        "c:" + actions["origin_id"].astype("string").fillna("").to_numpy(dtype=object),
        "",
    )
    manager_users = staff.manager_ids[actions["manager"].to_numpy()]
    frame = pd.DataFrame(
        {
            "cycle_id": actions["cycle_id"].to_numpy(),
            "customer_id": cust_ids[actions["customer"].to_numpy()],
            "source": actions["source"].to_numpy(),
            "key": keys.astype(object),
            "text": actions["text"].to_numpy(),
            "detail": "",
            "standard_action_id": actions["standard_action_id"],
            "origin_id": actions["origin_id"],
            "visit_date": actions["visit_date"].to_numpy(),
            "temporary": actions["temporary"].to_numpy(dtype=bool),
            "done_at": actions["done_at"].to_numpy(),
            "done_visit_id": actions["done_visit_id"],
            "removed_reason": "",
            "created_by_id": manager_users,
            "created_at": created_at,
        }
    )
    load.write_rows(
        MarketingAction,
        [frame],
        times=("done_at", "created_at"),
        blank=("key", "detail", "removed_reason"),
    )
    return _new_ids(MarketingAction.objects.filter(cycle__month=month), len(frame))
