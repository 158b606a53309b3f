"""The monthly job in shards: each shard computes the indicators of the active customers in
a range of ids (its customers' rows, and their sums per customer manager × object for the
brand indicators); the last step puts the shards together into the month's three tables.
Every scope is a union of customer managers (reports/scopes.py) and everything the brand
indicators count adds up over customers, so a shard needs nothing of the others: the
indicators of a manager, a team or the company are sums of the shards' sums, made rates
only at the end. Ranges of customer ids, not sets of managers, because the order lines of
a month are stored in customer order: a shard reads its own stretch of each partition.

One shard of every customer manager is the whole job in one process
(``reports.services.indicators_compute``); a Celery worker per shard shares a month between
machines (reports/fanout.py). Both go through ``shard_compute`` and ``month_assemble``, and
give the same rows (tests/test_indicator_shards.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import profit_rates
from .brand_rates import GroupMeasures, combine, group_measures, scope_indicators
from .customer_rates import STORED as CUSTOMER_COLUMNS
from .customer_rates import customer_indicators
from .frames import (
    Bounds,
    any_year_ago,
    load_categories,
    load_frames,
    load_managers,
    load_skus,
    load_teams,
)
from .manager_rates import manager_indicators
from .objects import build_objects
from .sales import MonthSales
from .scopes import all_scopes

FOR_MANAGERS = ["volume_before", profit_rates.BEFORE]


@dataclass
class ShardResult:
    # the shard's customers' rows: CUSTOMER_COLUMNS and what the managers' rows also need
    # (volume_before; the gross profit of M−1, profit_rates.BEFORE)
    customer_rows: pd.DataFrame
    measures: GroupMeasures
    # the month's execution counts per manager (index manager_id), as the shard read them
    execution: pd.DataFrame


def shard_compute(
    month: dt.date,
    bounds: Bounds | None = None,
    *,
    parallel: bool = True,
    step: Callable[[str], None] | None = None,
) -> ShardResult:
    """The indicators of the active customers with an id within ``bounds`` (None: all of
    them). ``step(name)`` is told as each stage starts: "brands", "customers"."""
    frames = load_frames(month, bounds, parallel=parallel)
    if step:
        step("brands")
    sales = MonthSales(frames)  # the lines reduced once, for brands and customers
    measures = group_measures(frames, sales)
    if step:
        step("customers")
    customer_rows = customer_indicators(frames, sales)
    return ShardResult(
        customer_rows=customer_rows[[*CUSTOMER_COLUMNS, *FOR_MANAGERS]],
        measures=measures,
        execution=frames.execution,
    )


def month_assemble(month: dt.date, parts: list[ShardResult]) -> dict[str, pd.DataFrame]:
    """The month's three tables from its shards: ``scope``, ``customer``, ``manager``. A
    customer manager's row needs all their customers, which shards may split: it is made
    here, from every shard's customer rows."""
    managers = load_managers()
    customer_rows = pd.concat([p.customer_rows for p in parts], ignore_index=True)
    # every shard read the counts of all managers: the first one's serve
    manager_rows = manager_indicators(month, managers, parts[0].execution, customer_rows)
    seen = np.unique(np.concatenate([np.empty(0, "int64"), *(p.measures.seen for p in parts)]))
    objects, _members = build_objects(load_skus(month), load_categories(), seen)
    grids, totals = combine(
        [p.measures for p in parts], managers["manager_id"].to_numpy(dtype="int64"), objects
    )
    scope_rows = scope_indicators(
        month,
        objects,
        all_scopes(managers, load_teams()),
        grids,
        totals,
        has_year_ago=any_year_ago(month),
    )
    return {
        "scope": scope_rows,
        "customer": customer_rows[CUSTOMER_COLUMNS],
        "manager": manager_rows,
    }
