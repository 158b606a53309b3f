"""SKUs and the category tree. Prices are kept as integer cents so order amounts stay exact."""

import datetime as dt

import numpy as np
import pandas as pd

from .catalog import (
    BASE_SPECS,
    CATEGORY_ROOT,
    FORMS,
    LOCAL_BRAND,
    MANUFACTURERS,
    PRICE_CLASS_FLOORS,
    PRICE_CLASS_NAMES,
    TAR_RANGE,
    VARIANT_PACKS,
    VARIANT_SERIES,
)
from .scale import Scale

MAPPED_SHARE = 0.9
CLASS_POPULARITY = np.array([0.5, 0.8, 1.0, 1.2, 1.0])
DAY = np.timedelta64(1, "D")


def price_class(wholesale_yuan: np.ndarray) -> np.ndarray:
    floors = np.asarray(PRICE_CLASS_FLOORS)
    return 1 + (wholesale_yuan[:, None] < floors[None, :]).sum(axis=1)


def category_nodes() -> list[tuple[str, tuple | None, int]]:
    """(path, parent path, position), parents before children; a path is a tuple of names."""
    nodes = [((CATEGORY_ROOT,), None, 0)]
    for i, class_name in enumerate(PRICE_CLASS_NAMES):
        nodes.append(((CATEGORY_ROOT, class_name), (CATEGORY_ROOT,), i))
        for j, form in enumerate(FORMS):
            nodes.append(((CATEGORY_ROOT, class_name, form), (CATEGORY_ROOT, class_name), j))
    return nodes


def build_skus(
    scale: Scale, rng: np.random.Generator, first: dt.date, last: dt.date
) -> pd.DataFrame:
    rows = [
        {
            "brand": b,
            "spec": s,
            "manufacturer": m,
            "retail": r,
            "form": f,
            "flags": flags,
            "base": True,
        }
        for b, s, m, r, f, flags in BASE_SPECS
    ]
    rows += _variants(scale, rng, max(scale.sku_count - len(rows), 0))
    frame = pd.DataFrame(rows)
    n = len(frame)
    frame["name"] = frame["brand"] + "(" + frame["spec"] + ")"

    retail = frame["retail"].to_numpy(dtype=float)
    wholesale_dimes = np.rint(retail / rng.uniform(1.105, 1.145, size=n) * 10).astype(np.int64)
    frame["retail_cents"] = (retail * 100).astype(np.int64)
    frame["wholesale_cents"] = wholesale_dimes * 10
    frame["price_class"] = price_class(wholesale_dimes / 10)

    low, high = zip(*(TAR_RANGE[f] for f in frame["form"]), strict=True)
    frame["tar_mg"] = rng.integers(np.array(low), np.array(high) + 1)

    flags = frame["flags"]
    frame["is_key_brand"] = flags.str.contains("K") | (
        ~frame["base"] & (rng.random(n) < scale.variant_key_share)
    )
    frame["tight"] = flags.str.contains("T")
    discontinued = flags.str.contains("D") | (~frame["base"] & (rng.random(n) < 0.03))
    launched_late = flags.str.contains("N") | (~frame["base"] & (rng.random(n) < 0.02))
    frame["status"] = np.where(discontinued, "discontinued", "active")

    span = (last - first).days
    old = np.datetime64("2003-01-01") + rng.integers(0, (first - dt.date(2004, 1, 1)).days, n) * DAY
    late = np.datetime64(first) + (span * rng.uniform(0.3, 0.6, n)).astype(int) * DAY
    frame["launch_date"] = np.where(launched_late, late, old).astype("datetime64[D]")
    stop = np.datetime64(first) + (span * rng.uniform(0.3, 0.6, n)).astype(int) * DAY
    # no orders after the stop day; far future for SKUs still on sale
    frame["stop_date"] = np.where(discontinued, stop, np.datetime64("2999-12-31")).astype(
        "datetime64[D]"
    )

    popularity = CLASS_POPULARITY[frame["price_class"] - 1] * rng.lognormal(0, 0.3, n)
    popularity *= np.where(frame["is_key_brand"], 3.0, 1.0)
    popularity *= np.where(frame["brand"] == LOCAL_BRAND, 2.5, 1.0)
    popularity *= np.where(frame["base"], 1.0, 0.25 * rng.lognormal(0, 0.8, n))
    frame["popularity"] = popularity

    mapped = rng.random(n) < MAPPED_SHARE
    frame["category"] = [
        (CATEGORY_ROOT, PRICE_CLASS_NAMES[c - 1], f) if m else None
        for c, f, m in zip(frame["price_class"], frame["form"], mapped, strict=True)
    ]
    frame["code"] = _codes(frame["manufacturer"])
    return frame.drop(columns=["flags", "spec"])


def _variants(scale: Scale, rng: np.random.Generator, count: int) -> list[dict]:
    if count <= 0:
        return []
    brands: dict[str, tuple[str, list[int]]] = {}
    for brand, _spec, maker, retail, _form, _flags in BASE_SPECS:
        brands.setdefault(brand, (maker, []))[1].append(retail)
    taken = {f"{b}({s})" for b, s, *_ in BASE_SPECS}
    names = list(brands)
    share = rng.dirichlet(np.full(len(names), 4.0))
    per_brand = np.floor(share * count).astype(int)
    per_brand[: count - per_brand.sum()] += 1
    rows = []
    for brand, wanted in zip(names, per_brand, strict=True):
        maker, prices = brands[brand]
        combos = [(p, s) for p in range(len(VARIANT_PACKS)) for s in range(len(VARIANT_SERIES))]
        made = 0
        for index in rng.permutation(len(combos)):
            if made == wanted:
                break
            pack, series = combos[index]
            spec = VARIANT_PACKS[pack][0] + VARIANT_SERIES[series]
            if f"{brand}({spec})" in taken:
                continue
            taken.add(f"{brand}({spec})")
            retail = float(np.clip(np.median(prices) * rng.lognormal(0, 0.45), 40, 1200))
            step = 5 if retail < 100 else 10 if retail < 300 else 50
            rows.append(
                {
                    "brand": brand,
                    "spec": spec,
                    "manufacturer": maker,
                    "retail": int(round(retail / step) * step),
                    "form": VARIANT_PACKS[pack][1],
                    "flags": "",
                    "base": False,
                }
            )
            made += 1
    return rows


def _codes(manufacturers: pd.Series) -> list[str]:
    serial = manufacturers.groupby(manufacturers).cumcount().to_numpy()
    return [
        f"{MANUFACTURERS[m]}{100013 + 37 * k:06d}"
        for m, k in zip(manufacturers, serial, strict=True)
    ]
