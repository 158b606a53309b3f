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

How: customers, SKUs, objects and scopes are positions 0…n−1. The order lines come reduced
once (reports/sales.py): sums per customer manager × SKU, and customer × SKU bitmaps of who
ordered. Both are sent to objects once (SKU columns added up, or OR-ed for the bitmaps, then
customers counted per manager) and each scope type adds up its managers' rows. The month's
checks, a few rows per customer, are sent to (customer, object) through each SKU → object
map (the SKU itself, its brand, its category node at each level up) and counted per scope
type with one ``np.bincount`` over scope × object."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import Frames
from .models import SupplyState
from .rates import cents_per_unit, growth, ratio
from .sales import MonthSales, ObjectMap
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


def scope_indicators(
    frames: Frames,
    objects: pd.DataFrame,
    members: pd.DataFrame,
    scopes: list[Scopes],
    sales: MonthSales | None = None,
) -> pd.DataFrame:
    """One row per scope × object for every scope type; columns as ScopeIndicator's, money
    in cents (``amount``, ``avg_price``). ``sales``: the month's lines reduced once
    (reports/sales.py), built here when not given."""
    sales = sales if sales is not None else MonthSales(frames)
    at = Positions(frames, objects, members)
    per_group = _per_group(sales, at)
    checks = Checks(frames, at)
    parts = [_one_type(frames, objects, at, sales, per_group, checks, s) for s in scopes]
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "month", frames.month)
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


def _groups_of(sales: MonthSales, scopes: Scopes) -> np.ndarray:
    """Each group's (customer manager's) scope of this type, −1 for none."""
    of_group = np.full(sales.n_groups, -1, dtype="int64")
    of_group[sales.group] = scopes.of_customer
    if (of_group[sales.group] != scopes.of_customer).any():
        raise ValueError(f"a {scopes.scope_type} scope splits a manager's customers")
    return of_group


def _one_type(
    frames, objects, at: Positions, sales: MonthSales, per_group, checks: Checks, scopes: Scopes
):
    n_objects = at.objects
    size = len(scopes) * n_objects
    groups = _groups_of(sales, scopes)

    inside = np.flatnonzero(groups >= 0)

    def summed(name: str) -> np.ndarray:
        """A group × object measure added up per scope × object, flat (exact integers)."""
        grid = per_group[name][inside]
        cells = (groups[inside][:, None] * n_objects + np.arange(n_objects)[None, :]).ravel()
        total = np.bincount(cells, weights=grid.ravel().astype("float64"), minlength=size)
        return np.rint(total).astype("int64")

    def grid(customer: np.ndarray, obj: np.ndarray, weights=None) -> np.ndarray:
        """Σ weights (or a count) per scope × object over rows of (customer, object)."""
        scope = scopes.of_customer[customer]
        inside = scope >= 0
        cells = scope[inside] * n_objects + obj[inside]
        w = None if weights is None else weights[inside]
        return np.bincount(cells, weights=w, minlength=size)

    def pairs(keys: np.ndarray, weights=None) -> np.ndarray:
        return grid(keys // n_objects, keys % n_objects, weights)

    def per_scope(name: str) -> np.ndarray:
        totals = np.bincount(groups[inside], weights=per_group[name][inside], minlength=len(scopes))
        return np.repeat(np.rint(totals).astype("int64"), n_objects)

    volume = summed("volume")
    requested = summed("requested")
    cents = summed("cents")
    volume_before = summed("volume_before")
    volume_year_ago = summed("volume_year_ago")

    customers = np.repeat(scopes.customer_counts(), n_objects)
    ordering = summed("ordering")
    ordering_before = summed("ordering_before")
    ordering_both = summed("ordering_both")

    share = ratio(volume, per_scope("total"))
    share_before = ratio(volume_before, per_scope("total_before"))
    checked = pairs(checks.shelf_pairs)
    on_shelf = pairs(checks.shelf_pairs, checks.shelf_on)
    stock_checks = grid(checks.stock_customer, checks.stock_obj)
    stock = grid(checks.stock_customer, checks.stock_obj, checks.stock)
    observed = grid(checks.price_customer, checks.price_obj)
    price_total = grid(checks.price_customer, checks.price_obj, checks.price_ratio)

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
            "volume_growth_yoy": growth(
                volume, volume_year_ago, where=np.full(size, frames.has_year_ago)
            ),
            "price_index": ratio(price_total, observed),
            "inventory_to_sales": ratio(stock, volume, where=stock_checks > 0),
        }
    )
