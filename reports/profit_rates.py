"""Retailer gross profit (客户赢利水平, DESIGN.md §5, issue #16): per active customer and month,
and summed per customer manager.

gross profit(customer, M) = Σ over the customer's order lines in M of
    quantity × retail price − amount

- **wholesale side: the line's amount.** What the retailer paid the company for the line
  (its quantity × the price it was actually charged) — not the SKU's ``wholesale_price``,
  which is today's catalogue value and may be missing: the amount is what the month's
  purchase really cost (the order import fills it with quantity × wholesale price when the
  file has none), so volume × (retail − wholesale) = Σ quantity × retail − Σ amount.
- **retail side: the latest price observed in M.** For a (customer, SKU) with a retail price
  check in M (the Asia/Shanghai month, as every check), the latest of them (ties: the later
  record) — "the latest observed price for that customer and SKU in the month" of DESIGN.md;
  a check of an earlier month does not count, as the other checks of the indicators. Without
  such a check: the SKU's suggested retail price. A line of an SKU with neither is left out
  (its profit is unknown, not 0); a customer without lines has a gross profit of 0.
- **change**: month-on-month = (GP(M) − GP(M−1)) / GP(M−1), year-on-year against M−12, the
  bases being the customer's **stored** rows of those months (one small read in
  ``frames._past_profits``: M−1 and M−12 need not be loaded line by line, and the change is
  exactly the one of the two figures users see). Empty when the base is absent (a month not
  computed, or computed before this column existed), 0 or negative (no meaningful rate).
  A month's change therefore follows what M−1 held when M was computed: recompute months in
  order after changing older data.
- **per manager**: the total over their active customers, the customers "compared" (a stored
  GP of M−1 exists) and those of them whose GP grew (GP(M) > GP(M−1)), and the share grown /
  compared (empty when none compared). A team's or the company's figures are the sums of its
  managers' rows (reports/selectors.py).

Everything is per customer from that customer's own lines, checks and stored rows (no
company-wide state), vectorised with numpy; money in whole cents, sums of integers held in
float64 (exact below 2⁵³)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import THIS, YEAR_AGO, Frames
from .rates import growth, ratio
from .sales import MonthSales, positions

CUSTOMER_COLUMNS = ["gross_profit", "gross_profit_change_mom", "gross_profit_change_yoy"]
MANAGER_COLUMNS = ["gross_profit", "profit_compared", "profit_grew", "profit_grew_share"]
# not stored: the M−1 base, for the managers' counts
BEFORE = "gross_profit_before"


def customer_profit(frames: Frames, sales: MonthSales) -> dict[str, np.ndarray]:
    """CUSTOMER_COLUMNS and BEFORE, one value per customer in ``sales`` order (cents)."""
    n_c, n_s = sales.n_customers, sales.n_skus
    lines = frames.lines[THIS]
    c = positions(sales.customer_ids, lines["customer_id"].to_numpy())
    s = positions(sales.sku_ids, lines["sku_id"].to_numpy())
    keep = (c >= 0) & (s >= 0)
    c, s = c[keep], s[keep]
    retail = _retail_cents(frames, sales, c * n_s + s, s)
    priced = ~np.isnan(retail)
    quantity = lines["quantity"].to_numpy()[keep][priced].astype("float64")
    paid = lines["cents"].to_numpy()[keep][priced].astype("float64")
    profit = np.rint(
        np.bincount(c[priced], weights=quantity * retail[priced] - paid, minlength=n_c)
    )
    before = _past(frames, sales, 1)
    year_ago = _past(frames, sales, YEAR_AGO)
    return {
        "gross_profit": profit.astype("int64"),
        "gross_profit_change_mom": growth(profit, before),
        "gross_profit_change_yoy": growth(profit, year_ago),
        BEFORE: before,
    }


def _retail_cents(frames: Frames, sales: MonthSales, pairs: np.ndarray, s: np.ndarray):
    """Each line's retail price in cents: the (customer, SKU)'s latest check in M, else the
    SKU's suggested price; NaN with neither."""
    suggested = np.rint(frames.skus["retail_price"].to_numpy(dtype="float64") * 100)
    retail = suggested[s]
    checks = frames.latest_prices
    cc = positions(sales.customer_ids, checks["customer_id"].to_numpy())
    cs = positions(sales.sku_ids, checks["sku_id"].to_numpy())
    known = (cc >= 0) & (cs >= 0)
    if not known.any() or not len(pairs):
        return retail
    keys = cc[known] * sales.n_skus + cs[known]  # one latest check per pair: distinct
    order = np.argsort(keys)
    keys = keys[order]
    observed = np.rint(checks["price"].to_numpy(dtype="float64")[known][order] * 100)
    at = np.minimum(np.searchsorted(keys, pairs), len(keys) - 1)
    found = keys[at] == pairs
    retail[found] = observed[at[found]]
    return retail


def _past(frames: Frames, sales: MonthSales, back: int) -> np.ndarray:
    """Each customer's stored gross profit ``back`` months ago in cents (NaN without)."""
    past = frames.past_profits
    past = past[past["back"].to_numpy() == back]
    out = np.full(sales.n_customers, np.nan)
    at = positions(sales.customer_ids, past["customer_id"].to_numpy())
    found = at >= 0
    out[at[found]] = past["cents"].to_numpy(dtype="float64")[found]
    return out


def manager_profit(customer_rows: pd.DataFrame, ids: pd.Index) -> dict[str, np.ndarray]:
    """MANAGER_COLUMNS per manager of ``ids`` (cents), from the customer rows (with BEFORE)."""
    profit = customer_rows["gross_profit"].to_numpy(dtype="float64")
    before = customer_rows[BEFORE].to_numpy(dtype="float64")
    compared = ~np.isnan(before)
    sums = (
        pd.DataFrame(
            {
                "manager_id": customer_rows["manager_id"].to_numpy(),
                "profit": profit,
                "compared": compared.astype("int64"),
                "grew": (compared & (profit > np.where(compared, before, 0))).astype("int64"),
            }
        )
        .groupby("manager_id")[["profit", "compared", "grew"]]
        .sum()
        .reindex(ids, fill_value=0)
    )
    compared_n = sums["compared"].to_numpy(dtype="int64")
    grew_n = sums["grew"].to_numpy(dtype="int64")
    return {
        "gross_profit": np.rint(sums["profit"].to_numpy(dtype="float64")).astype("int64"),
        "profit_compared": compared_n,
        "profit_grew": grew_n,
        "profit_grew_share": ratio(grew_n, compared_n),
    }
