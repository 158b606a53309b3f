import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Brand, CatalogChange, Category, Sku, SkuStatus
from .tree import Tree


def sku_summary() -> dict[str, int]:
    return Sku.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=SkuStatus.ACTIVE)),
        key_brand=Count("id", filter=Q(is_key_brand=True)),
        unmapped=Count("id", filter=Q(category__isnull=True)),
    ) | {"brands": Brand.objects.count()}


def sku_prices_by_code() -> dict[str, tuple[int, object]]:
    """code → (id, wholesale price per carton or None)."""
    return {
        code: (pk, price)
        for code, pk, price in Sku.objects.values_list("code", "id", "wholesale_price")
    }


def sku_rule_rows() -> list[tuple]:
    """(id, code, name, retail_price, is_key_brand, status, launch_date) of every SKU, by id:
    what the strategy rules need of the catalogue."""
    return list(
        Sku.objects.order_by("id").values_list(
            "id", "code", "name", "retail_price", "is_key_brand", "status", "launch_date"
        )
    )


def key_skus():
    """Active key-brand SKUs (重点品牌), with their brand."""
    return (
        Sku.objects.filter(is_key_brand=True, status=SkuStatus.ACTIVE)
        .select_related("brand")
        .order_by("brand__name", "code")
    )


# --- the brand manager's workspace ----------------------------------------------------------


def category_tree() -> Tree:
    """The whole tree with the number of SKUs mapped to each node: one query."""
    rows = (
        Category.objects.order_by()
        .annotate(sku_count=Count("skus"))
        .values_list("id", "name", "parent_id", "position", "sku_count")
    )
    return Tree(rows)


def unmapped_sku_count() -> int:
    return Sku.objects.filter(category__isnull=True).count()


def brand_choices() -> list[tuple[int, str]]:
    return list(Brand.objects.order_by("name").values_list("id", "name"))


def brand_list(*, search: str = "") -> QuerySet[Brand]:
    """Brands with their number of SKUs, key SKUs and SKUs on sale."""
    brands = Brand.objects.annotate(
        sku_total=Count("skus"),
        sku_key=Count("skus", filter=Q(skus__is_key_brand=True)),
        sku_active=Count("skus", filter=Q(skus__status=SkuStatus.ACTIVE)),
    ).order_by("name")
    if search:
        brands = brands.filter(Q(name__icontains=search) | Q(manufacturer__icontains=search))
    return brands


def brand_get(*, pk: int) -> Brand:
    return get_object_or_404(brand_list(), pk=pk)


def brand_skus(*, brand: Brand) -> QuerySet[Sku]:
    return Sku.objects.filter(brand=brand).order_by("-is_key_brand", "price_class", "code")


def sku_list(
    *,
    search: str = "",
    brand_id: int | None = None,
    price_class: int | None = None,
    is_key_brand: bool | None = None,
    category_ids: Iterable[int] | None = None,
    unmapped: bool = False,
    status: str | None = None,
) -> QuerySet[Sku]:
    """SKUs matching the filters. ``category_ids``: a node and its descendants (see
    ``Tree.subtree_ids``); ``unmapped``: only SKUs in no category."""
    skus = Sku.objects.select_related("brand").order_by("code")
    if search:
        skus = skus.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if brand_id is not None:
        skus = skus.filter(brand_id=brand_id)
    if price_class is not None:
        skus = skus.filter(price_class=price_class)
    if is_key_brand is not None:
        skus = skus.filter(is_key_brand=is_key_brand)
    if category_ids is not None:
        skus = skus.filter(category_id__in=list(category_ids))
    if unmapped:
        skus = skus.filter(category__isnull=True)
    if status:
        skus = skus.filter(status=status)
    return skus


class SkuExportRow(NamedTuple):
    code: str
    name: str
    brand: str
    manufacturer: str
    price_class: int | None
    wholesale_price: Decimal | None
    retail_price: Decimal | None
    tar_mg: Decimal | None
    tar_mg_imported: Decimal | None
    is_key_brand: bool
    launch_date: dt.date | None
    status: str
    category_path: str


def sku_export_rows(*, tree: Tree, **filters) -> Iterator[SkuExportRow]:
    """The SKUs of ``sku_list(**filters)`` (the page's filters) as rows for the download, in
    the page's order: one query, the category paths from the loaded ``tree``, the maker
    the brand's where the SKU names none (as the edit page shows it)."""
    rows = sku_list(**filters).values_list(
        "code",
        "name",
        "brand__name",
        "manufacturer",
        "brand__manufacturer",
        "price_class",
        "wholesale_price",
        "retail_price",
        "tar_mg",
        "tar_mg_imported",
        "is_key_brand",
        "launch_date",
        "status",
        "category_id",
    )
    for code, name, brand, maker, brand_maker, *numbers, category_id in rows.iterator():
        path = tree.path(category_id)
        yield SkuExportRow(code, name, brand, maker or brand_maker, *numbers, path)


def category_skus(*, category_id: int) -> QuerySet[Sku]:
    return Sku.objects.filter(category_id=category_id).select_related("brand").order_by("code")


def sku_get(*, pk: int) -> Sku:
    return get_object_or_404(Sku.objects.select_related("brand", "category"), pk=pk)


def sku_changes(*, sku: Sku, limit: int = 20) -> list[CatalogChange]:
    return list(
        CatalogChange.objects.filter(object_type=CatalogChange.ObjectType.SKU, object_id=sku.pk)
        .select_related("by")
        .order_by("-at", "-id")[:limit]
    )


def catalog_changes(*, object_type: str | None = None, limit: int = 20) -> list[CatalogChange]:
    changes = CatalogChange.objects.select_related("by").order_by("-at", "-id")
    if object_type:
        changes = changes.filter(object_type=object_type)
    return list(changes[:limit])


def with_category_paths(skus: Iterable[Sku], tree: Tree) -> list[Sku]:
    """The SKUs as a list, each with ``category_path`` ("卷烟 / 一类烟 / 常规"),
    ``category_name`` ("常规") and ``category_parent_path`` ("卷烟 / 一类烟") from the
    already loaded tree (empty strings for an unmapped SKU)."""
    skus = list(skus)
    for sku in skus:
        node = tree.by_id.get(sku.category_id) if sku.category_id is not None else None
        sku.category_path = node.path if node else ""
        sku.category_name = node.name if node else ""
        sku.category_parent_path = tree.path(node.parent_id) if node else ""
    return skus


def sku_price_classes() -> dict[str, int]:
    """SKU code → price class (价类), for SKUs that have one."""
    return dict(Sku.objects.exclude(price_class=None).values_list("code", "price_class"))


def category_find(*, pk: int) -> Category | None:
    """The node, or None when it was deleted meanwhile (the page then says so)."""
    return Category.objects.filter(pk=pk).first()
