"""The visits of the demo's months and the marketing actions on them (DESIGN.md §4 step 3),
generated with numpy per manager and written in bulk: most planned visits before today in
route order, a visit on some days a check was recorded, a few under a minute or never
checked out; the plan's hand-picked and carried-over actions, done on the day's valid visit
(mostly), and a few temporary tasks met on visits. ``demo.execution`` plans the months and
calls these."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.months import add_months, month_end
from cycle.models import MarketingAction, Visit

from . import load
from .names import TEMPORARY_TASKS, VISIT_FEELINGS

SHANGHAI_OFFSET = np.timedelta64(8, "h")  # no daylight saving since 1991
SECOND = np.timedelta64(1, "s")
NOT_A_TIME = np.datetime64("NaT", "s")
VISITED_SHARE = 0.9  # planned visits that happened
OBSERVED_VISITED_SHARE = 0.3  # days with a recorded check that also got a visit record
SHORT_SHARE = 0.04  # checked out within a minute: the audit lists them
UNFINISHED_SHARE = 0.015  # checked in, never out
FEELING_SHARE = 0.12
ACTION_SHARE = 0.3  # planned customers with a marketing action
SECOND_ACTION_SHARE = 0.15
AWAY_DAY_SHARE = 0.5  # managers who made no visit on one workday (training, meetings)
DONE_SHARE = 0.8  # of the actions whose customer had a valid visit on the planned day
TEMPORARY_SHARE = 0.03  # of the valid visits
TEMPORARY_DONE_SHARE = 0.6


# --- visits -------------------------------------------------------------------------------


def visits_frame(customers, plan, observed, month, today, rng) -> pd.DataFrame:
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


def write_visits(visits: pd.DataFrame, cust_ids: np.ndarray, month: dt.date):
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


def actions_frame(plan, visits, carried, month, picks, weights, names, rng) -> pd.DataFrame:
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


def write_actions(actions, cust_ids, manager_ids: np.ndarray, month: dt.date):
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
    manager_users = manager_ids[actions["manager"].to_numpy()]
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
