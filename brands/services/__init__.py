"""Every write to the catalogue made in the brand manager's workspace (DESIGN.md §2, §3).

Services validate and raise ``ValidationError`` with a message for the user; each runs in one
transaction and records what it changed in ``CatalogChange``.

Locking: changes to the shape of the tree (create, move, reorder, delete, rename) lock every
category row in id order first, so that they run one after another and a move checked
against a stale tree cannot create a cycle (two concurrent moves "A under B" and "B under A"
would each look fine alone). Mapping SKUs locks the target node, which those tree changes
lock too, so a node cannot receive SKUs while it is getting its first child, and the reverse.
"""

from .categories import (
    NAME_MAX_LENGTH,
    category_create,
    category_delete,
    category_move,
    category_rename,
    category_reorder,
)
from .skus import (
    TAR_MAX,
    sku_bulk_set_key_brand,
    sku_map_to_category,
    sku_reset_tar,
    sku_unmap,
    sku_update,
)

__all__ = [
    "NAME_MAX_LENGTH",
    "TAR_MAX",
    "category_create",
    "category_delete",
    "category_move",
    "category_rename",
    "category_reorder",
    "sku_bulk_set_key_brand",
    "sku_map_to_category",
    "sku_reset_tar",
    "sku_unmap",
    "sku_update",
]
