"""The record of every catalogue change (``CatalogChange``), one row per field changed,
whatever its source: the workspace pages, the Django admin, the ``skus`` import."""

import pandas as pd
from django.db import transaction
from django.utils.translation import gettext as _

from core.change_source import ChangeSource
from core.model_diff import field_diffs

from ..models import Brand, CatalogChange, Sku

Action = CatalogChange.Action
ObjectType = CatalogChange.ObjectType


def change_row(
    *,
    by,
    action,
    object_type,
    object_id,
    object_repr,
    field="",
    old="",
    new="",
    source=ChangeSource.PAGE,
) -> CatalogChange:
    return CatalogChange(
        by=by if by is not None and by.pk else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(object_repr)[:200],
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        source=source,
    )


def sku_admin_save(*, sku: Sku, fields: list[str], by) -> list[CatalogChange]:
    """Save an existing SKU edited in the Django admin (``fields``: the form's changed
    fields), recording each real change with source admin."""
    with transaction.atomic():
        old = Sku.objects.select_for_update().get(pk=sku.pk)
        sku.save()
        changes = [
            change_row(
                by=by,
                action=Action.UPDATE,
                object_type=ObjectType.SKU,
                object_id=sku.pk,
                object_repr=sku,
                field=name,
                old=before,
                new=after,
                source=ChangeSource.ADMIN,
            )
            for name, before, after in field_diffs(old=old, new=sku, names=fields, text=_text)
        ]
        CatalogChange.objects.bulk_create(changes)
    return changes


def sku_record_import_changes(*, changes: pd.DataFrame | None, names: pd.Series, by) -> int:
    """Record the field changes a ``skus`` import made (``WriteCounts.changes`` of the
    upsert; ``names``: the SKU names by code, from the file), in bulk, source import. The
    brand reads as its name, the column the file holds."""
    if changes is None or changes.empty:
        return 0
    changes = changes.copy()
    brands = changes["field"] == "brand_id"
    if brands.any():
        ids = pd.concat([changes.loc[brands, "old"], changes.loc[brands, "new"]]).dropna()
        brand_names = dict(
            Brand.objects.filter(pk__in=[int(i) for i in ids.unique()]).values_list("id", "name")
        )
        for side in ("old", "new"):
            changes.loc[brands, side] = changes.loc[brands, side].map(
                lambda pk: brand_names.get(pk, pk)
            )
        changes.loc[brands, "field"] = "brand"
    changes["repr"] = changes["code"].map(names) + "（" + changes["code"] + "）"
    rows = [
        change_row(
            by=by,
            action=Action.UPDATE,
            object_type=ObjectType.SKU,
            object_id=pk,
            object_repr=label,
            field=field,
            old=old,
            new=new,
            source=ChangeSource.IMPORT,
        )
        for pk, label, field, old, new in changes[["pk", "repr", "field", "old", "new"]].itertuples(
            index=False, name=None
        )
    ]
    CatalogChange.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)
