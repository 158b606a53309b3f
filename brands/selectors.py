from django.db.models import Count, Q

from .models import Brand, Sku, SkuStatus


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


def key_skus():
    """Active key-brand SKUs (重点品牌), with their brand."""
    return (
        Sku.objects.filter(is_key_brand=True, status=SkuStatus.ACTIVE)
        .select_related("brand")
        .order_by("brand__name", "code")
    )
