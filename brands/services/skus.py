"""Changes to SKUs: their place in the category tree, key-brand flag and tar."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import CatalogChange, Category, Sku
from ..tree import Tree
from .changes import Action, ObjectType, change_row

TAR_MAX = Decimal("99.9")


def _sku_ids(skus: Iterable) -> list[int]:
    ids = sorted({sku.pk if isinstance(sku, Sku) else int(sku) for sku in skus})
    if not ids:
        raise ValidationError(_("请至少选择一个单品。"))
    return ids


def _lock_skus(ids: list[int]) -> list[Sku]:
    return list(
        Sku.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .only("id", "code", "name", "category_id", "is_key_brand")
    )


def _category_paths() -> Tree:
    return Tree(Category.objects.order_by().values_list("id", "name", "parent_id", "position"))


def sku_map_to_category(*, skus: Iterable[Sku], category: Category, by: User) -> int:
    """Put ``skus`` in the leaf ``category`` (moving those already mapped elsewhere).
    Returns how many SKUs changed."""
    ids = _sku_ids(skus)
    with transaction.atomic():
        target = Category.objects.select_for_update().filter(pk=category.pk).first()
        if target is None:
            raise ValidationError(
                _("品类「%(name)s」已被删除，请刷新页面。") % {"name": category.name}
            )
        tree = _category_paths()
        children = Category.objects.filter(parent_id=target.pk).count()
        if children:
            raise ValidationError(
                _("「%(name)s」下有 %(count)s 个下级品类，单品只能归入叶子节点（没有下级的品类）。")
                % {"name": tree.path(target.pk), "count": children}
            )
        locked = _lock_skus(ids)
        moved = [sku for sku in locked if sku.category_id != target.pk]
        Sku.objects.filter(pk__in=[sku.pk for sku in moved]).update(category=target)
        CatalogChange.objects.bulk_create(
            change_row(
                by=by,
                action=Action.MAP,
                object_type=ObjectType.SKU,
                object_id=sku.pk,
                object_repr=sku,
                field="category",
                old=tree.path(sku.category_id),
                new=tree.path(target.pk),
            )
            for sku in moved
        )
    return len(moved)


def sku_unmap(*, skus: Iterable[Sku], by: User) -> int:
    """Take ``skus`` out of their category. Returns how many SKUs changed."""
    ids = _sku_ids(skus)
    with transaction.atomic():
        tree = _category_paths()
        mapped = [sku for sku in _lock_skus(ids) if sku.category_id is not None]
        Sku.objects.filter(pk__in=[sku.pk for sku in mapped]).update(category=None)
        CatalogChange.objects.bulk_create(
            change_row(
                by=by,
                action=Action.UNMAP,
                object_type=ObjectType.SKU,
                object_id=sku.pk,
                object_repr=sku,
                field="category",
                old=tree.path(sku.category_id),
            )
            for sku in mapped
        )
    return len(mapped)


def _clean_tar(tar_mg) -> Decimal | None:
    if tar_mg is None or tar_mg == "":
        return None
    try:
        value = Decimal(tar_mg)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise ValidationError(_("焦油含量须是数字。")) from exc
    if not value.is_finite() or value < 0 or value > TAR_MAX:
        raise ValidationError(_("焦油含量须在 0 到 %(max)s mg 之间。") % {"max": TAR_MAX})
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError(_("焦油含量最多保留一位小数。"))
    return value.quantize(Decimal("0.1"))


def sku_update(*, sku: Sku, is_key_brand: bool, tar_mg: Decimal | None, by: User) -> list[str]:
    """Set the key-brand flag and the tar content. Returns the names of the changed fields."""
    tar_mg = _clean_tar(tar_mg)
    with transaction.atomic():
        locked = Sku.objects.select_for_update().get(pk=sku.pk)
        changes = []
        for field, new in (("is_key_brand", bool(is_key_brand)), ("tar_mg", tar_mg)):
            old = getattr(locked, field)
            if old != new:
                setattr(locked, field, new)
                changes.append(
                    change_row(
                        by=by,
                        action=Action.UPDATE,
                        object_type=ObjectType.SKU,
                        object_id=locked.pk,
                        object_repr=locked,
                        field=field,
                        old=old,
                        new=new,
                    )
                )
        fields = [change.field for change in changes]
        if fields:
            locked.save(update_fields=fields)
            CatalogChange.objects.bulk_create(changes)
    sku.is_key_brand, sku.tar_mg = locked.is_key_brand, locked.tar_mg
    return fields


def sku_reset_tar(*, sku: Sku, by: User) -> bool:
    """Set the tar content back to the imported value. Returns whether it changed."""
    with transaction.atomic():
        locked = Sku.objects.select_for_update().get(pk=sku.pk)
        if locked.tar_mg_imported is None:
            raise ValidationError(_("「%(sku)s」没有导入的焦油含量。") % {"sku": locked})
        changed = locked.tar_mg != locked.tar_mg_imported
        if changed:
            change_row(
                by=by,
                action=Action.UPDATE,
                object_type=ObjectType.SKU,
                object_id=locked.pk,
                object_repr=locked,
                field="tar_mg",
                old=locked.tar_mg,
                new=locked.tar_mg_imported,
            ).save()
            locked.tar_mg = locked.tar_mg_imported
            locked.save(update_fields=["tar_mg"])
    sku.tar_mg = locked.tar_mg
    return changed


def sku_bulk_set_key_brand(*, skus: Iterable[Sku], value: bool, by: User) -> int:
    """Mark (``value`` True) or unmark ``skus`` as key brands. Returns how many changed."""
    ids = _sku_ids(skus)
    value = bool(value)
    with transaction.atomic():
        changed = [sku for sku in _lock_skus(ids) if sku.is_key_brand != value]
        Sku.objects.filter(pk__in=[sku.pk for sku in changed]).update(is_key_brand=value)
        CatalogChange.objects.bulk_create(
            change_row(
                by=by,
                action=Action.UPDATE,
                object_type=ObjectType.SKU,
                object_id=sku.pk,
                object_repr=sku,
                field="is_key_brand",
                old=not value,
                new=value,
            )
            for sku in changed
        )
    return len(changed)
