"""Brand indicators (五率 and 量价存, DESIGN.md §5) for every scope × object.

- coverage = customers of S that ordered x in M / customers of S;
- shelf = customers whose latest check in M of (an SKU of) x found it on the shelf /
  customers with a check of x in M (per SKU the latest check counts; a brand or category is
  on the shelf at a customer when any of its checked SKUs is);
- repurchase = customers that ordered x in M−1 and in M / customers that ordered x in M−1;
- volume growth against M−1 and M−12 (empty when the base volume is 0, and against M−12
  also when M−12 has no order lines at all);
- share = vol(x) / volume of all SKUs in S; share growth against M−1;
- average price = amount / volume; supply satisfaction = volume / requested, and its state;
- price index = mean over the price observations in M of price / suggested retail price
  (SKUs with a retail price only);
- inventory-to-sales = Σ over customers of their latest inventory of x in M / vol(x, M),
  empty without an inventory check of x or without volume.
"Ordered" means a delivered quantity > 0: a requested-only line counts in ``requested`` only.

How: customers, SKUs, objects and scopes are positions 0…n−1. Every scope is a union of
customer managers (reports/scopes.py), so everything is first added up per manager × object
(``group_measures``, by each shard of the job over its own customers) and per scope last
(``combine`` puts the shards' rows together, ``scope_indicators`` adds them up per scope).
The order lines come reduced once (reports/sales.py): sums per customer manager × SKU, and
customer × SKU bitmaps of who ordered. Both are sent to objects once (SKU columns added up,
or OR-ed for the bitmaps, then customers counted per manager). The month's checks, a few
rows per customer, are sent to (customer, object) through each SKU → object map (the SKU
itself, its brand, its category node at each level up) and counted per manager × object with
one ``np.bincount``. A shard builds the objects of every SKU in the catalogue; the job writes
those of the SKUs on sale or seen in any shard (reports/objects.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frames import Frames
from .models import SupplyState
from .objects import build_objects, seen_skus
from .rates import cents_per_unit, growth, ratio
from .sales import MonthSales, ObjectMap, positions
from .scopes import Scopes

# supply satisfaction thresholds, in percent so that the comparison is exact in integers
TIGHT_BELOW, AMPLE_FROM = 70, 95


def supply_state(volume, requested) -> np.ndarray:
    """< 70% tight, 70% ≤ s < 95% balanced, ≥ 95% ample; "" when nothing was requested.
    Compared as 100 × volume against 70 × requested: exact at the boundaries."""
    volume = np.asarray(volume, dtype="int64")
    requested = np.asarray(requested, dtype="int64")
    return np.select(
        [
            requested <= 0,
            100 * volume < TIGHT_BELOW * requested,
            100 * volume < AMPLE_FROM * requested,
        ],
        ["", SupplyState.TIGHT.value, SupplyState.BALANCED.value],
        default=SupplyState.AMPLE.value,
    ).astype(object)


class Positions:
    """Customers, SKUs and objects as positions, and the SKU → object maps."""

    def __init__(self, frames: Frames, objects: pd.DataFrame, members: pd.DataFrame):
        self.customer_index = pd.Index(frames.customers["customer_id"])
        self.sku_index = pd.Index(frames.skus["sku_id"])
        self.objects = len(objects)
        member_sku = self.sku_index.get_indexer(members["sku_id"])
        self.members = (member_sku, members["obj"].to_numpy(dtype="int64"))
        level = pd.Series(member_sku).groupby(member_sku).cumcount().to_numpy()
        self.maps = []
        for k in range(int(level.max()) + 1 if len(level) else 0):  # one map per level
            at = level == k
            mapping = np.full(len(self.sku_index), -1, dtype="int64")
            mapping[member_sku[at]] = members["obj"].to_numpy()[at]
            self.maps.append(mapping)

    def customers(self, ids) -> np.ndarray:
        return self.customer_index.get_indexer(ids)

    def skus(self, ids) -> np.ndarray:
        return self.sku_index.get_indexer(ids)

    def expand(self, sku: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, obj) for every object each row's SKU (a position) belongs to."""
        rows, objs = [np.empty(0, dtype="int64")], [np.empty(0, dtype="int64")]
        for mapping in self.maps:
            obj = mapping[sku]
            found = np.flatnonzero(obj >= 0)
            rows.append(found)
            objs.append(obj[found])
        return np.concatenate(rows), np.concatenate(objs)

    def locate(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, customer, obj) for every object of every row of ``frame`` (customer_id,
        sku_id) whose customer is active; rows index ``frame``."""
        customer = self.customers(frame["customer_id"].to_numpy())
        sku = self.skus(frame["sku_id"].to_numpy())
        known = np.flatnonzero((customer >= 0) & (sku >= 0))
        rows, obj = self.expand(sku[known])
        return known[rows], customer[known][rows], obj


class Checks:
    """The month's checks sent to (customer, object)."""

    def __init__(self, frames: Frames, at: Positions):
        # shelf: per (customer, object), on the shelf when any checked SKU of it is
        rows, customer, obj = at.locate(frames.shelf)
        codes, unique = pd.factorize(customer * at.objects + obj)
        on_shelf = frames.shelf["on_shelf"].to_numpy(dtype="float64")[rows]
        self.shelf_pairs = unique
        self.shelf_on = (np.bincount(codes, weights=on_shelf, minlength=len(unique)) > 0).astype(
            "float64"
        )

        rows, self.stock_customer, self.stock_obj = at.locate(frames.inventory)
        self.stock = frames.inventory["stock"].to_numpy(dtype="float64")[rows]

        priced = frames.prices.merge(
            frames.skus.loc[frames.skus["retail_price"] > 0, ["sku_id", "retail_price"]],
            on="sku_id",
        )
        rows, self.price_customer, self.price_obj = at.locate(priced)
        self.price_ratio = (priced["price"] / priced["retail_price"]).to_numpy()[rows]


# what a shard adds up per customer manager (group) × object; each adds up over groups
GRID_MEASURES = [
    "volume",
    "requested",
    "cents",
    "volume_before",
    "volume_year_ago",
    "ordering",
    "ordering_before",
    "ordering_both",
    "checked",
    "on_shelf",
    "stock_checks",
    "stock",
    "observed",
    "price_total",
]
# per group: its volume of all SKUs in M and M−1 (the share's base), its active customers
GROUP_TOTALS = ["total", "total_before", "customers"]


@dataclass
class GroupMeasures:
    """A shard's contribution to the brand indicators: for each of its customer managers
    (rows, ``manager_ids``) × every object of the catalogue (columns, ``object_type`` and
    ``object_key``), the sums of GRID_MEASURES; the GROUP_TOTALS per manager; and the SKUs
    its customers ordered or were checked for (``seen``)."""

    manager_ids: np.ndarray
    object_type: np.ndarray
    object_key: np.ndarray
    grids: dict[str, np.ndarray]
    totals: dict[str, np.ndarray]
    seen: np.ndarray


def group_measures(frames: Frames, sales: MonthSales) -> GroupMeasures:
    """The measures of the loaded customers (a shard of the job, or all of them), per
    manager × object over every SKU's objects."""
    objects, members = build_objects(frames.skus, frames.categories)
    at = Positions(frames, objects, members)
    grids = _per_group(sales, at)
    totals = {name: grids.pop(name) for name in ("total", "total_before")}
    totals["customers"] = np.bincount(sales.group, minlength=sales.n_groups).astype("float64")

    checks = Checks(frames, at)
    n_objects, n_groups = at.objects, sales.n_groups

    def per_group(customer: np.ndarray, obj: np.ndarray, weights=None) -> np.ndarray:
        cells = sales.group[customer] * n_objects + obj
        return np.bincount(cells, weights=weights, minlength=n_groups * n_objects).reshape(
            n_groups, n_objects
        )

    shelf_customer, shelf_obj = np.divmod(checks.shelf_pairs, n_objects)
    grids["checked"] = per_group(shelf_customer, shelf_obj)
    grids["on_shelf"] = per_group(shelf_customer, shelf_obj, checks.shelf_on)
    grids["stock_checks"] = per_group(checks.stock_customer, checks.stock_obj)
    grids["stock"] = per_group(checks.stock_customer, checks.stock_obj, checks.stock)
    grids["observed"] = per_group(checks.price_customer, checks.price_obj)
    grids["price_total"] = per_group(checks.price_customer, checks.price_obj, checks.price_ratio)
    # only the managers with customers here: the others' rows hold nothing
    rows = np.flatnonzero(totals["customers"] > 0)
    return GroupMeasures(
        manager_ids=frames.managers["manager_id"].to_numpy(dtype="int64")[rows],
        object_type=objects["object_type"].to_numpy(dtype=str),
        object_key=objects["object_key"].to_numpy(dtype=str),
        grids={name: np.asarray(grids[name], dtype="float64")[rows] for name in GRID_MEASURES},
        totals={name: values[rows] for name, values in totals.items()},
        seen=seen_skus(frames),
    )


def combine(
    parts: list[GroupMeasures], manager_ids: np.ndarray, objects: pd.DataFrame
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The shards' measures on the job's managers (rows, in the order of ``manager_ids``) ×
    its ``objects`` (columns, in their order): each shard's rows put in place, and its columns
    of objects the job writes taken (the others are SKUs seen nowhere and their brands and
    categories: nothing in them)."""
    rows, columns = len(manager_ids), len(objects)
    grids = {name: np.zeros((rows, columns)) for name in GRID_MEASURES}
    totals = {name: np.zeros(rows) for name in GROUP_TOTALS}
    wanted = pd.Index(_object_keys(objects["object_type"], objects["object_key"]))
    for part in parts:
        at = positions(manager_ids, part.manager_ids)
        if (at < 0).any():
            raise ValueError("a shard holds a customer manager the job does not know")
        have = _object_keys(part.object_type, part.object_key)
        take = pd.Index(have).get_indexer(wanted)
        found = np.flatnonzero(take >= 0)
        for name in GRID_MEASURES:
            grids[name][np.ix_(at, found)] += part.grids[name][:, take[found]]
        for name in GROUP_TOTALS:
            totals[name][at] += part.totals[name]
    return grids, totals


def _object_keys(types, keys) -> np.ndarray:
    """ "type␟key" per object: a key never holds a control character (core.text cleans
    every name and code on the way in)."""
    joined = np.char.add(np.asarray(types, dtype=str), "\x1f")
    return np.char.add(joined, np.asarray(keys, dtype=str))


def scope_indicators(
    month,
    objects: pd.DataFrame,
    scopes: list[Scopes],
    grids: dict[str, np.ndarray],
    totals: dict[str, np.ndarray],
    *,
    has_year_ago: bool,
) -> pd.DataFrame:
    """One row per scope × object for every scope type; columns as ScopeIndicator's, money
    in cents (``amount``, ``avg_price``). ``grids`` and ``totals``: the job's managers ×
    ``objects`` sums (``combine``), added up here per scope."""
    parts = [_one_type(objects, grids, totals, s, has_year_ago) for s in scopes]
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "month", month)
    return out


def _per_group(sales: MonthSales, at: Positions) -> dict[str, np.ndarray]:
    """Every sales measure per group (customer manager) × object, once for all scope types."""
    member_sku, member_obj = at.members
    objects = ObjectMap(sales.n_skus, at.objects, member_sku, member_obj)
    out = {name: objects.add(grid) for name, grid in sales.grid.items()}
    # all SKUs of a group, for the share
    out["total"] = sales.grid["volume"].sum(axis=1)
    out["total_before"] = sales.grid["volume_before"].sum(axis=1)
    ordered = objects.any(sales.ordered)
    ordered_before = objects.any(sales.ordered_before)
    out["ordering"] = sales.per_group(ordered)
    out["ordering_before"] = sales.per_group(ordered_before)
    ordered &= ordered_before
    out["ordering_both"] = sales.per_group(ordered)
    return out


def _one_type(objects, grids, totals, scopes: Scopes, has_year_ago: bool) -> pd.DataFrame:
    n_objects = len(objects)
    size = len(scopes) * n_objects

    def summed(name: str) -> np.ndarray:
        """A group × object measure added up per scope × object, flat."""
        return scopes.add_up(grids[name]).ravel()

    def exact(name: str) -> np.ndarray:
        return np.rint(summed(name)).astype("int64")

    def per_scope(name: str) -> np.ndarray:
        return np.repeat(np.rint(scopes.add_up(totals[name])).astype("int64"), n_objects)

    volume = exact("volume")
    requested = exact("requested")
    cents = exact("cents")
    volume_before = exact("volume_before")
    volume_year_ago = exact("volume_year_ago")

    customers = per_scope("customers")
    ordering = exact("ordering")
    ordering_before = exact("ordering_before")
    ordering_both = exact("ordering_both")

    share = ratio(volume, per_scope("total"))
    share_before = ratio(volume_before, per_scope("total_before"))
    checked = summed("checked")
    on_shelf = summed("on_shelf")
    stock_checks = summed("stock_checks")
    stock = summed("stock")
    observed = summed("observed")
    price_total = summed("price_total")

    obj = np.tile(np.arange(n_objects), len(scopes))
    return pd.DataFrame(
        {
            "scope_type": scopes.scope_type,
            "scope_key": np.repeat(scopes.keys, n_objects),
            "object_type": objects["object_type"].to_numpy(dtype=object)[obj],
            "object_key": objects["object_key"].to_numpy(dtype=object)[obj],
            "object_name": objects["object_name"].to_numpy(dtype=object)[obj],
            "customers": customers,
            "ordering_customers": ordering,
            "coverage_rate": ratio(ordering, customers),
            "shelf_rate": ratio(on_shelf, checked),
            "repurchase_rate": ratio(ordering_both, ordering_before),
            "volume": volume,
            "amount": cents,
            "avg_price": cents_per_unit(cents, volume),
            "requested": requested,
            "supply_satisfaction": ratio(volume, requested),
            "supply_state": supply_state(volume, requested),
            "share": share,
            "share_growth": growth(share, share_before),
            "volume_growth_mom": growth(volume, volume_before),
            "volume_growth_yoy": growth(volume, volume_year_ago, where=np.full(size, has_year_ago)),
            "price_index": ratio(price_total, observed),
            "inventory_to_sales": ratio(stock, volume, where=stock_checks > 0),
        }
    )
