"""The month's order lines reduced once, for every indicator module (issue #15: the brand and
customer indicators used to sum the same lines again, per scope type and per module).

Customers, SKUs, objects and customer managers are positions 0…n−1. A customer's manager is
its **group**: every scope is a union of groups (the company: all of them; a team: its
managers'; a manager: their own), so anything that adds up over customers is summed once per
(group, SKU) straight from the lines — one ``np.bincount`` per measure and period — and a
scope type's grid is its groups' rows added up. Objects (the SKU, its brand, its category
nodes) add up SKU columns: a 0/1 SKU × object matrix.

What does not add up — how many distinct customers ordered (any SKU of) an object — comes
from bitmaps: customer × SKU "ordered in M" and "in M−1" (a delivered quantity > 0), made
customer × object by OR-ing each object's SKU columns, then counted per group.

All sums are of integers held in float64 (exact below 2⁵³) and come back as int64; results
are the ones the per-scope-type expansion computed before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import PREVIOUS, THIS, Frames

# a dense id → position table while ids stay below this; a hash lookup above
DENSE_IDS = 50_000_000


def positions(index: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The position in ``index`` (distinct ids) of each of ``ids``; −1 when absent."""
    index = np.asarray(index, dtype="int64")
    ids = np.asarray(ids, dtype="int64")
    if not len(index):
        return np.full(len(ids), -1, dtype="int64")
    top = int(index.max())
    if int(index.min()) >= 0 and top < DENSE_IDS:
        table = np.full(top + 2, -1, dtype="int64")  # the last slot answers every id > top
        table[index] = np.arange(len(index))
        return table[np.clip(ids, -1, top + 1)]
    return pd.Index(index).get_indexer(ids)


class ObjectMap:
    """SKU → object membership, one map per level (an SKU's k-th object: the SKU itself, its
    brand, its category node at each level up; −1 where an SKU has fewer)."""

    def __init__(self, n_skus: int, n_objects: int, member_sku: np.ndarray, member_obj):
        self.n_objects = n_objects
        level = pd.Series(member_sku).groupby(member_sku).cumcount().to_numpy()
        self.maps = []
        for k in range(int(level.max()) + 1 if len(level) else 0):
            at = level == k
            mapping = np.full(n_skus, -1, dtype="int64")
            mapping[member_sku[at]] = member_obj[at]
            self.maps.append(mapping)

    def add(self, grid: np.ndarray) -> np.ndarray:
        """rows × SKU sums → rows × object sums (each object: its SKUs' columns added)."""
        rows, n = grid.shape[0], self.n_objects
        out = np.zeros(rows * n, dtype="float64")
        for mapping in self.maps:
            columns = np.flatnonzero(mapping >= 0)
            cells = (np.arange(rows)[:, None] * n + mapping[columns][None, :]).ravel()
            weights = grid[:, columns].ravel().astype("float64")
            out += np.bincount(cells, weights=weights, minlength=rows * n)
        return out.reshape(rows, n)

    def any(self, bits: np.ndarray) -> np.ndarray:
        """rows × SKU booleans → rows × object: does any SKU of the object hold?"""
        rows, n = bits.shape[0], self.n_objects
        row, sku = np.divmod(np.flatnonzero(bits), bits.shape[1])
        out = np.zeros(rows * n, dtype=bool)
        for mapping in self.maps:
            obj = mapping[sku]
            found = obj >= 0
            out[row[found] * n + obj[found]] = True
        return out.reshape(rows, n)


class MonthSales:
    """The month's lines (M, M−1, and the M−12 sums) reduced once; see the module docstring.

    Per customer: ``volume``, ``requested``, ``cents``, ``volume_before``, ``order_days``.
    Per (group, SKU): ``grid`` of "volume", "requested", "cents", "volume_before",
    "volume_year_ago". Customer × SKU bitmaps ``ordered`` and ``ordered_before``."""

    def __init__(self, frames: Frames):
        customers = frames.customers
        self.customer_ids = customers["customer_id"].to_numpy(dtype="int64")
        self.sku_ids = frames.skus["sku_id"].to_numpy(dtype="int64")
        n_c, n_s = len(self.customer_ids), len(self.sku_ids)
        self.n_customers, self.n_skus = n_c, n_s
        manager_ids = frames.managers["manager_id"].to_numpy(dtype="int64")
        self.n_groups = len(manager_ids)
        self.group = positions(manager_ids, customers["manager_id"].to_numpy())
        if (self.group < 0).any():
            raise ValueError("an active customer's manager is not among the managers")
        self.grid: dict[str, np.ndarray] = {}

        now = frames.lines[THIS]
        c, s, keep = self._locate(now)
        quantity = now["quantity"].to_numpy()[keep]
        sums = {
            "volume": quantity,
            "requested": now["requested"].to_numpy()[keep],
            "cents": now["cents"].to_numpy()[keep],
        }
        cell = self.group[c] * n_s + s
        for name, values in sums.items():
            weights = values.astype("float64")
            setattr(self, name, self._count(c, n_c, weights))
            self.grid[name] = self._count(cell, self.n_groups * n_s, weights).reshape(
                self.n_groups, n_s
            )
        # each line's (customer, SKU) and quantity, for checked_stock
        self._pairs, self._pair_quantity = c * n_s + s, quantity
        delivered = quantity > 0
        self.ordered = self._bits(c[delivered] * n_s + s[delivered], (n_c, n_s))
        days = int(now["day"].max()) + 1 if len(now) else 1
        day = now["day"].to_numpy()[keep][delivered].astype("int64")
        self.order_days = self._bits(c[delivered] * days + day, (n_c, days)).sum(axis=1)
        del c, s, keep, quantity, sums, cell, delivered, day

        before = frames.lines[PREVIOUS]
        c, s, keep = self._locate(before)
        weights = before["quantity"].to_numpy()[keep].astype("float64")
        self.volume_before = self._count(c, n_c, weights)
        self.grid["volume_before"] = self._count(
            self.group[c] * n_s + s, self.n_groups * n_s, weights
        ).reshape(self.n_groups, n_s)
        delivered = weights > 0
        self.ordered_before = self._bits(c[delivered] * n_s + s[delivered], (n_c, n_s))
        del c, s, keep, weights, delivered

        year_ago = frames.year_ago
        g = positions(manager_ids, year_ago["manager_id"].to_numpy())
        s = positions(self.sku_ids, year_ago["sku_id"].to_numpy())
        keep = (g >= 0) & (s >= 0)
        self.grid["volume_year_ago"] = self._count(
            g[keep] * n_s + s[keep],
            self.n_groups * n_s,
            year_ago["quantity"].to_numpy()[keep].astype("float64"),
        ).reshape(self.n_groups, n_s)

    def checked_stock(self, inventory: pd.DataFrame):
        """(customer position, stock, the customer's volume in M of that SKU) for each row of
        ``inventory`` (customer_id, sku_id, stock) whose customer is active."""
        c = positions(self.customer_ids, inventory["customer_id"].to_numpy())
        s = positions(self.sku_ids, inventory["sku_id"].to_numpy())
        keep = (c >= 0) & (s >= 0)
        c, s = c[keep], s[keep]
        pairs = pd.Index(c * self.n_skus + s)
        unique = pairs.unique()  # one latest check per (customer, SKU): no repeats
        found = unique.get_indexer(self._pairs)
        hit = found >= 0
        volume = np.bincount(
            found[hit], weights=self._pair_quantity[hit].astype("float64"), minlength=len(unique)
        )
        volume = volume[unique.get_indexer(pairs)]
        return c, inventory["stock"].to_numpy(dtype="float64")[keep], volume

    def _locate(self, lines: pd.DataFrame):
        """Customer and SKU positions of the lines, and which lines have both."""
        c = positions(self.customer_ids, lines["customer_id"].to_numpy())
        s = positions(self.sku_ids, lines["sku_id"].to_numpy())
        keep = (c >= 0) & (s >= 0)  # active customers only (the loader already cut them)
        if keep.all():
            return c, s, slice(None)
        return c[keep], s[keep], keep

    @staticmethod
    def _count(at: np.ndarray, size: int, weights: np.ndarray) -> np.ndarray:
        return np.rint(np.bincount(at, weights=weights, minlength=size))

    @staticmethod
    def _bits(at: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        bits = np.zeros(shape[0] * shape[1], dtype=bool)
        bits[at] = True
        return bits.reshape(shape)

    def per_group(self, bits: np.ndarray) -> np.ndarray:
        """customer × object booleans → group × object counts of customers."""
        n = bits.shape[1]
        customer, obj = np.divmod(np.flatnonzero(bits), n)
        cells = self.group[customer] * n + obj
        return np.bincount(cells, minlength=self.n_groups * n).reshape(self.n_groups, n)
