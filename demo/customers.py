"""Retail customers: each manager's territory lies in one district, so routes stay short."""

import numpy as np
import pandas as pd

from .names import (
    DISTRICTS,
    FORMAT_SUFFIXES,
    GIVEN_CHARS,
    MOBILE_PREFIXES,
    ROADS,
    RURAL_TRADE_AREAS,
    SHOP_WORDS,
    SURNAMES,
    TOWNS,
    URBAN_TRADE_AREAS,
    VILLAGES,
)
from .scale import Scale

FORMATS = list(FORMAT_SUFFIXES)
# weights per format, in FORMATS order: rural shops are mostly 食杂店
FORMAT_WEIGHTS = {
    True: [30, 12, 25, 15, 6, 8, 4],
    False: [10, 12, 50, 8, 4, 10, 6],
}
# tier offset per format: 烟酒店 and supermarkets sell more than a noodle shop
FORMAT_TIER_SHIFT = np.array([1, 3, -1, 5, -1, -2, -3])
INACTIVE_SHARE = 0.03
WITH_COORDINATES = 0.90


def _district_of_manager(scale: Scale) -> np.ndarray:
    """Small: a district per manager; city: a district per team."""
    pools = {kind: [i for i, d in enumerate(DISTRICTS) if d[1] == kind] for kind in (True, False)}
    used = {True: 0, False: 0}
    own_district = scale.manager_count <= len(DISTRICTS)
    out, current = [], 0
    for index in range(scale.manager_count):
        is_urban = scale.urban_share[index // scale.managers_per_team] > 0.5
        if own_district or index % scale.managers_per_team == 0:
            pool = pools[is_urban]
            current = pool[used[is_urban] % len(pool)]
            used[is_urban] += 1
        out.append(current)
    return np.array(out)


def build_customers(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    managers = scale.manager_count
    spread = 6 if scale.customers_per_manager < 250 else 40
    sizes = scale.customers_per_manager + rng.integers(-spread, spread + 1, size=managers)
    manager = np.repeat(np.arange(managers), sizes)
    n = len(manager)
    team = manager // scale.managers_per_team
    district = _district_of_manager(scale)[manager]

    urban = rng.random(n) < np.asarray(scale.urban_share)[team]
    fmt = np.where(
        urban,
        rng.choice(len(FORMATS), size=n, p=_norm(FORMAT_WEIGHTS[True])),
        rng.choice(len(FORMATS), size=n, p=_norm(FORMAT_WEIGHTS[False])),
    )
    tier_mean = np.where(urban, 14.0, 10.5) + FORMAT_TIER_SHIFT[fmt]
    tier = np.clip(np.rint(rng.normal(tier_mean, 5.0)), 1, 30).astype(int)

    frame = pd.DataFrame(
        {
            "manager": manager,
            "team": team,
            "district": district,
            "urban": urban,
            "business_format": np.array(FORMATS)[fmt],
            "tier": tier,
        }
    )
    frame["market_type"] = np.where(urban, "urban", "rural")
    frame["trade_area"] = _trade_areas(manager, urban, managers, rng)
    frame["visit_method"] = rng.choice(["onsite", "phone", "online"], size=n, p=[0.86, 0.1, 0.04])
    u = rng.random(n)
    weekly, biweekly = np.where(tier >= 20, 0.7, 0.4), np.where(tier >= 20, 0.95, 0.8)
    frame["visit_frequency"] = np.select(
        [u < weekly, u < biweekly], ["weekly", "biweekly"], "monthly"
    )
    frame["status"] = np.where(rng.random(n) < INACTIVE_SHARE, "inactive", "active")
    frame["code"], frame["license_no"] = _codes(district)
    frame["phone"] = _phones(n, rng)
    frame["latitude"], frame["longitude"] = _coordinates(manager, district, rng)
    frame["name"], frame["address"] = _names_and_addresses(frame, rng)
    return frame


def _norm(weights: list[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


def _trade_areas(manager, urban, managers, rng) -> np.ndarray:
    """Each manager works three urban and three rural trade areas of the pool."""
    urban_pick = np.array(
        [rng.choice(len(URBAN_TRADE_AREAS), 3, replace=False) for _ in range(managers)]
    )
    rural_pick = np.array(
        [rng.choice(len(RURAL_TRADE_AREAS), 3, replace=False) for _ in range(managers)]
    )
    slot = rng.choice(3, size=len(manager), p=[0.5, 0.3, 0.2])
    return np.where(
        urban,
        np.array(URBAN_TRADE_AREAS)[urban_pick[manager, slot]],
        np.array(RURAL_TRADE_AREAS)[rural_pick[manager, slot]],
    )


def _codes(district: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """客户编码 = area code + serial; 许可证号 = area code + a scrambled serial (both unique)."""
    order = pd.Series(district).groupby(district).cumcount().to_numpy() + 1
    area = np.array([d[5] for d in DISTRICTS])[district]
    serial = 100000 + order
    # 7919 is prime and does not divide 900000, so the serials stay distinct.
    scrambled = (order * 7919 + 12345) % 900000 + 100000
    code = np.char.add(area, serial.astype(str))
    license_no = np.char.add(area, scrambled.astype(str))
    return code, license_no


def _phones(n: int, rng: np.random.Generator) -> np.ndarray:
    prefix = np.array(MOBILE_PREFIXES)[rng.integers(len(MOBILE_PREFIXES), size=n)]
    rest = rng.integers(0, 10**8, size=n)
    return np.char.add(prefix, np.char.zfill(rest.astype(str), 8))


def _coordinates(manager, district, rng):
    centre_lat = np.array([d[2] for d in DISTRICTS])[district]
    centre_lon = np.array([d[3] for d in DISTRICTS])[district]
    spread = np.array([d[4] for d in DISTRICTS])[district]
    # every manager's territory is a patch of the district
    offset = rng.normal(0, 1, size=(manager.max() + 1, 2))
    lat = centre_lat + spread * (offset[manager, 0] + 0.45 * rng.normal(size=len(manager)))
    lon = centre_lon + spread * (offset[manager, 1] + 0.45 * rng.normal(size=len(manager)))
    missing = rng.random(len(manager)) >= WITH_COORDINATES
    return (
        np.where(missing, np.nan, np.round(lat, 6)),
        np.where(missing, np.nan, np.round(lon, 6)),
    )


def _names_and_addresses(frame: pd.DataFrame, rng: np.random.Generator):
    n = len(frame)
    pattern = rng.random(n)
    picks = rng.integers(0, 1 << 30, size=(n, 6))
    house = rng.integers(1, 400, size=n)
    names, addresses = [], []
    for i, (fmt, urban, district) in enumerate(
        zip(frame["business_format"], frame["urban"], frame["district"], strict=True)
    ):
        p = picks[i]
        suffixes = FORMAT_SUFFIXES[fmt]
        suffix = suffixes[p[0] % len(suffixes)]
        surname = SURNAMES[p[1] % len(SURNAMES)]
        word = SHOP_WORDS[p[2] % len(SHOP_WORDS)]
        road = ROADS[p[3] % len(ROADS)]
        town, village = TOWNS[p[4] % len(TOWNS)], VILLAGES[p[5] % len(VILLAGES)]
        if pattern[i] < 0.35:
            name = f"{surname}记{suffix}"
        elif pattern[i] < 0.7:
            name = f"{word}{suffix}"
        elif pattern[i] < 0.85:
            name = f"{(road if urban else village).removesuffix('路')}{word}{suffix}"
        else:
            name = f"{surname}{GIVEN_CHARS[p[5] % len(GIVEN_CHARS)]}{suffix}"
        place = DISTRICTS[district][0]
        if urban:
            addresses.append(f"{place}{road}{house[i]}号")
        else:
            addresses.append(f"{place}{town}{village}{house[i] % 120 + 1}号")
        names.append(name)
    return names, addresses
