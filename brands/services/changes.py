"""The record of every catalogue change (``CatalogChange``), one row per field changed."""

from django.utils.translation import gettext as _

from ..models import CatalogChange

Action = CatalogChange.Action
ObjectType = CatalogChange.ObjectType


def change_row(
    *, by, action, object_type, object_id, object_repr, field="", old="", new=""
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
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)
