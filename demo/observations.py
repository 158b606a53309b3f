"""What managers record on visits in the last two months: shelf checks of key SKUs,
inventory and retail-price checks, and a few market notes."""

import numpy as np
import pandas as pd

from core.months import add_months

from .names import MARKET_NOTES
from .orders import OrderModel

OBSERVED_SHARE = 0.4
KEY_SKUS_PER_VISIT = 4
DAY = np.timedelta64(1, "D")
SHANGHAI_OFFSET = np.timedelta64(8, "h")  # no daylight saving since 1991


def build_observations(
    model: OrderModel, customers: pd.DataFrame, skus: pd.DataFrame, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    active = np.flatnonzero((customers["status"] == "active").to_numpy())
    observed = active[rng.random(len(active)) < OBSERVED_SHARE]
    parts: dict[str, list[pd.DataFrame]] = {"shelf": [], "inventory": [], "price": [], "info": []}
    first = max(len(model.months) - 2, 0)
    for index in range(first, len(model.months)):
        visits = _visits(observed, model.months[index], rng)
        parts["shelf"].append(_shelf(model, skus, visits, index, rng))
        inventory, price = _inventory_and_price(model, skus, visits, index, rng)
        parts["inventory"].append(inventory)
        parts["price"].append(price)
        parts["info"].append(_notes(model, skus, visits, rng))
    return {kind: pd.concat(frames, ignore_index=True) for kind, frames in parts.items()}


def _visits(observed: np.ndarray, month, rng) -> pd.DataFrame:
    """One or two visits with checks for ~90% of the observed customers."""
    count = np.where(rng.random(len(observed)) < 0.9, 1, 0) + (rng.random(len(observed)) < 0.5)
    customer = np.repeat(observed, count)
    days = (np.datetime64(add_months(month, 1)) - np.datetime64(month)).astype(int)
    local = (
        np.datetime64(month, "s")
        + rng.integers(0, days, len(customer)) * DAY
        + rng.integers(9 * 3600, 18 * 3600 + 1800, len(customer)) * np.timedelta64(1, "s")
    )
    return pd.DataFrame({"customer": customer, "observed_at": local - SHANGHAI_OFFSET})


def _shelf(model, skus, visits, index, rng) -> pd.DataFrame:
    month_end = np.datetime64(add_months(model.months[index], 1)) - DAY
    keys = np.flatnonzero(
        skus["is_key_brand"].to_numpy()
        & (skus["status"] == "active").to_numpy()
        & (skus["launch_date"].to_numpy() <= month_end)
    )
    per_visit = min(KEY_SKUS_PER_VISIT, len(keys))
    choice = np.argsort(rng.random((len(visits), len(keys))), axis=1)[:, :per_visit]
    sku = keys[choice].ravel()
    customer = np.repeat(visits["customer"].to_numpy(), per_visit)
    carried = model.expected_cartons(customer, sku, index) > 0
    on_shelf = rng.random(len(sku)) < np.where(carried, 0.92, 0.4)
    return pd.DataFrame(
        {
            "customer": customer,
            "sku": sku,
            "observed_at": np.repeat(visits["observed_at"].to_numpy(), per_visit),
            "on_shelf": on_shelf,
        }
    )


def _inventory_and_price(model, skus, visits, index, rng):
    """Two of the customer's six favourite SKUs per visit: stock counted, price noted."""
    customer = visits["customer"].to_numpy()
    top = np.minimum(model.size[customer], 6)
    first = rng.integers(0, top)
    second = (first + 1 + rng.integers(0, top - 1)) % top
    rank = np.column_stack([first, second]).ravel()
    customer = np.repeat(customer, 2)
    at = np.repeat(visits["observed_at"].to_numpy(), 2)
    sku = model.sku_flat[model.offset[customer] + rank]

    monthly = model.expected_cartons(customer, sku, index)
    months_of_stock = np.where(
        rng.random(len(sku)) < 0.08,
        rng.uniform(2.2, 3.5, len(sku)),
        rng.uniform(0.15, 1.3, len(sku)),
    )
    inventory = pd.DataFrame(
        {
            "customer": customer,
            "sku": sku,
            "observed_at": at,
            "quantity": np.rint(monthly * months_of_stock).astype(np.int64),
        }
    )
    markup = np.where(
        rng.random(len(sku)) < 0.1,
        rng.uniform(0.06, 0.15, len(sku)),
        np.clip(rng.normal(0.0, 0.02, len(sku)), -0.05, 0.04),
    )
    retail = skus["retail_cents"].to_numpy()[sku]
    # retailers price whole yuan per carton
    price_cents = np.rint(retail * (1 + markup) / 100).astype(np.int64) * 100
    price = pd.DataFrame(
        {"customer": customer, "sku": sku, "observed_at": at, "price_cents": price_cents}
    )
    return inventory, price


def _notes(model, skus, visits, rng) -> pd.DataFrame:
    chosen = visits[rng.random(len(visits)) < 0.06]
    names = skus["name"].to_numpy()
    customer = chosen["customer"].to_numpy()
    sku = model.sku_flat[model.offset[customer] + rng.integers(0, model.size[customer])]
    template = rng.integers(0, len(MARKET_NOTES), len(chosen))
    content = [MARKET_NOTES[t].format(sku=names[s]) for t, s in zip(template, sku, strict=True)]
    return pd.DataFrame(
        {"customer": customer, "observed_at": chosen["observed_at"].to_numpy(), "content": content}
    )
