"""Order lines, generated a month at a time without per-line Python loops.

Every customer carries a fixed assortment ranked by preference and orders on fixed weekdays;
each order takes each SKU of the assortment with a probability falling with its rank. Volume
follows the tier, the season and a per-customer trend, so month-on-month growth varies.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.months import add_months

from .scale import Scale

# Spring Festival and the autumn holidays sell the most; March and midsummer the least.
SEASON = np.array([1.25, 1.12, 0.85, 0.92, 0.95, 0.93, 0.95, 0.98, 1.08, 1.04, 0.97, 1.06])
# A tier-1 shop sells about 8 cartons a month; each tier up sells ~20% more (tier 30 ≈ 1,500).
TIER1_VOLUME, TIER_STEP = 8.0, 0.18
# Preference for price classes 1–5: towns buy dearer cigarettes than villages.
CLASS_PREFERENCE = {
    "urban": np.array([1.3, 1.2, 1.1, 1.0, 0.6]),
    "rural": np.array([0.35, 0.7, 1.0, 1.3, 1.6]),
}
GIFT_SHOP_PREFERENCE = np.array([2.0, 1.5, 1.0, 0.8, 0.6])  # 烟酒店 sell gift cigarettes
# Cartons per line relative to the customer's average, by price class.
LINE_SIZE = np.array([0.35, 0.6, 0.9, 1.2, 1.4])
WEEKDAY_WEIGHT = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.0])  # no deliveries on Sunday
ZERO_DELIVERY_SHARE = 0.01


@dataclass
class MonthLines:
    month: dt.date
    frame: pd.DataFrame  # order_date, customer, sku, quantity, requested, amount_cents


class OrderModel:
    def __init__(
        self,
        customers: pd.DataFrame,
        skus: pd.DataFrame,
        scale: Scale,
        months: list[dt.date],
        rng: np.random.Generator,
    ):
        self.rng, self.months = rng, months
        n, self.sku_count = len(customers), len(skus)
        tier = customers["tier"].to_numpy()
        self.manager = customers["manager"].to_numpy()

        days_a_week = 1 + sum((tier >= t).astype(int) for t in scale.extra_day_tiers)
        self.weekdays = _pick_weekdays(days_a_week, rng)
        self.skip = rng.uniform(0.04, 0.15, n)  # closed, enough stock, forgot to order

        inactive = (customers["status"] == "inactive").to_numpy()
        self.last_month = np.full(n, len(months) - 1)
        self.last_month[inactive] = rng.integers(0, max(1, len(months) // 2), inactive.sum())

        size = scale.assortment_base + scale.assortment_per_tier * tier + rng.normal(0, 2, n)
        self.size = np.clip(np.rint(size), 3, len(skus)).astype(np.int64)
        self.offset = np.concatenate([[0], np.cumsum(self.size)])
        self.sku_flat = _assortments(customers, skus, self.size, rng)
        self.customer_flat = np.repeat(np.arange(n), self.size)
        rank = np.arange(len(self.sku_flat)) - np.repeat(self.offset[:-1], self.size)
        relative = rank / self.size[self.customer_flat]
        self.p_flat = 0.9 * np.exp(-2.5 * relative)
        weight = np.exp(-relative) * LINE_SIZE[skus["price_class"].to_numpy()[self.sku_flat] - 1]
        self.p_sum = np.bincount(self.customer_flat, weights=self.p_flat, minlength=n)
        pw_sum = np.bincount(self.customer_flat, weights=self.p_flat * weight, minlength=n)
        # scaled so an average line carries the customer's average line size
        self.w_flat = weight * (self.p_sum / pw_sum)[self.customer_flat]

        base = TIER1_VOLUME * np.exp(TIER_STEP * (tier - 1)) * rng.lognormal(0, 0.25, n)
        self.base_volume, self.trend = base, rng.normal(0.004, 0.015, n)

        self.launch = skus["launch_date"].to_numpy().astype("datetime64[D]")
        self.stop = skus["stop_date"].to_numpy().astype("datetime64[D]")
        # tight SKUs are cut to 60–90% of the request, some harder than others
        self.cut = np.where(skus["tight"].to_numpy(), rng.uniform(0.62, 0.85, len(skus)), 1.0)
        self.price_cents = skus["wholesale_cents"].to_numpy()
        self.volume = np.zeros((n, len(months)))  # planned cartons per customer and month
        self.requested = np.zeros((n, len(months)), dtype=np.int64)

    def month_volume(self, index: int) -> np.ndarray:
        n, rng = len(self.base_volume), self.rng
        season = SEASON[self.months[index].month - 1]
        volume = self.base_volume * season * np.exp(self.trend * index + rng.normal(0, 0.1, n))
        shock = rng.random(n)
        volume *= np.where(shock < 0.04, rng.uniform(0.5, 0.75, n), 1.0)
        volume *= np.where(shock > 0.97, rng.uniform(1.3, 1.6, n), 1.0)
        return volume

    def lines(self, index: int) -> MonthLines:
        rng, month = self.rng, self.months[index]
        days = np.arange(np.datetime64(month), np.datetime64(add_months(month, 1)))
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        n = len(self.size)
        ordering = (
            self.weekdays[:, weekday]
            & (self.last_month >= index)[:, None]
            & (rng.random((n, len(days))) >= self.skip[:, None])
        )
        order_day, order_customer = np.nonzero(ordering.T)  # sorted by date, then customer
        orders = np.bincount(order_customer, minlength=n)
        volume = self.month_volume(index)
        self.volume[:, index] = np.where(orders > 0, volume, 0)
        per_line = volume / np.maximum(orders * self.p_sum, 1e-9)

        # every order × every SKU of the customer's assortment, then keep by probability
        size = self.size[order_customer]
        order_of = np.repeat(np.arange(len(order_customer)), size)
        flat = np.repeat(self.offset[order_customer], size) + (
            np.arange(len(order_of)) - np.repeat(np.cumsum(size) - size, size)
        )
        keep = rng.random(len(flat)) < self.p_flat[flat]
        flat, order_of = flat[keep], order_of[keep]
        sku, date = self.sku_flat[flat], days[order_day[order_of]]
        on_sale = (self.launch[sku] <= date) & (date <= self.stop[sku])
        flat, order_of, sku, date = flat[on_sale], order_of[on_sale], sku[on_sale], date[on_sale]
        customer = order_customer[order_of]

        wanted = per_line[customer] * self.w_flat[flat] * rng.lognormal(0, 0.35, len(flat))
        requested = np.maximum(np.floor(wanted + rng.random(len(flat))), 1).astype(np.int64)
        cut = np.where(
            self.cut[sku] < 1,
            np.clip(self.cut[sku] + rng.uniform(-0.08, 0.08, len(flat)), 0.6, 0.9),
            np.where(rng.random(len(flat)) < 0.05, rng.uniform(0.8, 0.95, len(flat)), 1.0),
        )
        quantity = np.minimum(np.rint(requested * cut).astype(np.int64), requested)
        quantity[rng.random(len(flat)) < ZERO_DELIVERY_SHARE] = 0

        self.requested[:, index] = np.bincount(customer, weights=requested, minlength=n)
        frame = pd.DataFrame(
            {
                "order_date": date,
                "customer": customer,
                "sku": sku,
                "quantity": quantity,
                "requested": requested,
                "amount_cents": quantity * self.price_cents[sku],
            }
        )
        return MonthLines(month, frame)

    def expected_cartons(self, customer: np.ndarray, sku: np.ndarray, index: int) -> np.ndarray:
        """Planned monthly cartons of ``sku`` at ``customer`` (0 outside its assortment)."""
        key = self.customer_flat * self.sku_count + self.sku_flat
        wanted = customer * self.sku_count + sku
        order = np.argsort(key)
        pos = np.clip(np.searchsorted(key[order], wanted), 0, len(key) - 1)
        flat = order[pos]
        found = key[flat] == wanted
        share = self.p_flat[flat] * self.w_flat[flat] / self.p_sum[customer]
        return np.where(found, self.volume[customer, index] * share, 0.0)


def _pick_weekdays(days_a_week: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A boolean customer × weekday matrix with ``days_a_week`` distinct weekdays per row."""
    with np.errstate(divide="ignore"):
        key = np.log(WEEKDAY_WEIGHT)[None, :] + rng.gumbel(size=(len(days_a_week), 7))
    rank = np.argsort(np.argsort(-key, axis=1), axis=1)
    return rank < days_a_week[:, None]


def _assortments(
    customers: pd.DataFrame, skus: pd.DataFrame, size: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Flat SKU indices, customer by customer, each customer's favourite first
    (weighted sampling without replacement by the Gumbel top-k trick)."""
    price_class = skus["price_class"].to_numpy() - 1
    log_pop = np.log(skus["popularity"].to_numpy())
    market = customers["market_type"].to_numpy()
    gift = (customers["business_format"] == "tobacco_liquor").to_numpy()
    top = int(size.max())
    out = []
    for start in range(0, len(customers), 4096):
        stop = min(start + 4096, len(customers))
        pref = np.where(
            (market[start:stop] == "urban")[:, None],
            CLASS_PREFERENCE["urban"][price_class][None, :],
            CLASS_PREFERENCE["rural"][price_class][None, :],
        )
        pref = pref * np.where(gift[start:stop, None], GIFT_SHOP_PREFERENCE[price_class], 1.0)
        key = (log_pop + np.log(pref) + rng.gumbel(size=pref.shape)).astype(np.float32)
        best = np.argpartition(-key, top - 1, axis=1)[:, :top]
        best = np.take_along_axis(
            best, np.argsort(-np.take_along_axis(key, best, axis=1), axis=1), axis=1
        )
        out.append(best[np.arange(top)[None, :] < size[start:stop, None]])
    return np.concatenate(out)
