"""The objects brand indicators are computed for, and which SKUs each one stands for.

An object is an SKU, a brand (its SKUs) or a category node (the SKUs mapped to the node or to
any node below it). Rows are written for every SKU on sale in the month (active and launched
by its last day) and every SKU with an order line or a check in the loaded months (over all
shards of the job), for the brands of those SKUs, and for the category nodes above them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import Frames
from .models import ObjectType

TYPE_ORDER = {ObjectType.SKU: 0, ObjectType.BRAND: 1, ObjectType.CATEGORY: 2}
PATH_SEPARATOR = " / "


def seen_skus(frames: Frames) -> np.ndarray:
    """The SKUs with an order line (M, M−1, M−12) or a check in M among the loaded
    customers: distinct ids."""
    seen = [
        *(lines["sku_id"].to_numpy() for lines in frames.lines.values()),
        frames.year_ago["sku_id"].to_numpy(),
        frames.shelf["sku_id"].to_numpy(),
        frames.inventory["sku_id"].to_numpy(),
        frames.prices["sku_id"].to_numpy(),
    ]
    return np.unique(np.concatenate([np.empty(0, "int64"), *(s.astype("int64") for s in seen)]))


def build_objects(
    skus: pd.DataFrame, categories: pd.DataFrame, seen: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(objects: obj, object_type, object_key, object_name; members: sku_id, obj) for the
    SKUs on sale and those in ``seen``; for every SKU when ``seen`` is None (a shard of the
    job builds them all: which SKUs were seen is known only once every shard is done, and
    an SKU seen nowhere adds nothing to any object's sums)."""
    chosen = skus if seen is None else skus[skus["on_sale"] | skus["sku_id"].isin(seen)]
    parts = [
        pd.DataFrame(
            {
                "sku_id": chosen["sku_id"],
                "object_type": ObjectType.SKU.value,
                "object_key": chosen["code"],
                "object_name": chosen["name"],
            }
        ),
        pd.DataFrame(
            {
                "sku_id": chosen["sku_id"],
                "object_type": ObjectType.BRAND.value,
                "object_key": chosen["brand"],
                "object_name": chosen["brand"],
            }
        ),
        _category_members(chosen, categories),
    ]
    membership = pd.concat(parts, ignore_index=True)
    membership["rank"] = membership["object_type"].map(TYPE_ORDER)
    objects = (
        membership.drop_duplicates(["object_type", "object_key"])
        .sort_values(["rank", "object_key"])[["object_type", "object_key", "object_name"]]
        .reset_index(drop=True)
    )
    objects["obj"] = objects.index.astype("int64")
    members = membership.merge(objects[["object_type", "object_key", "obj"]])[["sku_id", "obj"]]
    return objects[["obj", "object_type", "object_key", "object_name"]], members


def _category_members(skus: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    """(sku_id, category node) for the SKU's leaf and every node above it, one level per
    pass; names are the node's path from the root ("卷烟 / 一类烟")."""
    parent = categories.set_index("category_id")["parent_id"]
    paths = _paths(categories)
    level = skus.loc[skus["category_id"].notna(), ["sku_id", "category_id"]].rename(
        columns={"category_id": "node"}
    )
    pairs = []
    for _depth in range(len(categories)):  # a tree is never deeper than its node count
        if level.empty:
            break
        pairs.append(level)
        level = level.assign(node=level["node"].map(parent)).dropna(subset=["node"])
    if not pairs:
        return pd.DataFrame(columns=["sku_id", "object_type", "object_key", "object_name"])
    found = pd.concat(pairs, ignore_index=True)
    nodes = found["node"].astype("int64")
    return pd.DataFrame(
        {
            "sku_id": found["sku_id"].to_numpy(),
            "object_type": ObjectType.CATEGORY.value,
            "object_key": nodes.astype(str).to_numpy(),
            "object_name": nodes.map(paths).to_numpy(),
        }
    )


def _paths(categories: pd.DataFrame) -> pd.Series:
    """Each node's path of names from its root, built one level up per pass."""
    parent = categories.set_index("category_id")["parent_id"]
    name = categories.set_index("category_id")["name"].astype(str)
    path = name.copy()
    above = parent.copy()
    for _depth in range(len(categories)):
        pending = above.notna()
        if not pending.any():
            break
        ids = above[pending].astype("int64")
        path[pending] = name.reindex(ids).to_numpy() + PATH_SEPARATOR + path[pending].to_numpy()
        above[pending] = parent.reindex(ids).to_numpy()
    return path
