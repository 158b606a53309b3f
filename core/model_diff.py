"""Field-by-field differences between two states of one row, for the change histories."""

from collections.abc import Callable, Iterable

from django.db.models import Model


def field_diffs(
    *, old: Model, new: Model, names: Iterable[str], text: Callable[[object], str]
) -> list[tuple[str, str, str]]:
    """(field name, old text, new text) for each of ``names`` whose value differs. Foreign
    keys compare by id and read as the related row (its ``str``), not as a number."""
    diffs = []
    for name in names:
        field = type(new)._meta.get_field(name)
        if not field.concrete:
            continue
        if getattr(old, field.attname) == getattr(new, field.attname):
            continue
        if field.is_relation:
            before, after = getattr(old, name), getattr(new, name)
        else:
            before, after = getattr(old, field.attname), getattr(new, field.attname)
        diffs.append((name, text(before), text(after)))
    return diffs
