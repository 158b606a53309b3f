"""Write a validated frame by natural key: insert new rows, update changed ones, leave
identical ones alone — so importing the same file twice changes nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

import pandas as pd
from django.db.models import Model, QuerySet


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # with record_changes: one row per changed field of an existing row — pk, the key
    # columns, field, old, new (normalised values; None for empty)
    changes: pd.DataFrame | None = dataclass_field(default=None, compare=False, repr=False)


def upsert_frame(
    *,
    model: type[Model],
    frame: pd.DataFrame,
    key: list[str],
    fields: list[str],
    existing: QuerySet,
    defaults_for_new: dict | None = None,
    batch_size: int = 2000,
    record_changes: bool = False,
) -> WriteCounts:
    """``frame`` holds ``key`` + ``fields`` columns (attnames); ``existing`` the rows that
    may share a key with it. Only ``fields`` are compared and written. ``record_changes``:
    also return the field-level differences (``WriteCounts.changes``) for a history."""
    loaded = [*key, *fields, *(["pk"] if record_changes else [])]
    old = pd.DataFrame.from_records(list(existing.values(*loaded)), columns=loaded)
    merged = frame[[*key, *fields]].merge(
        old, on=key, how="left", suffixes=("", "__old"), indicator=True
    )
    is_new = merged["_merge"] == "left_only"
    changed = pd.Series(False, index=merged.index)
    diffs = []
    for name in fields:
        new_values = merged[name].map(_norm).astype(object).fillna(_MISSING)
        old_values = merged[f"{name}__old"].map(_norm).astype(object).fillna(_MISSING)
        differs = new_values != old_values
        changed |= differs
        if record_changes:
            rows = differs & ~is_new
            diffs.append(
                pd.DataFrame(
                    {
                        "pk": merged.loc[rows, "pk"].astype("int64"),
                        **{k: merged.loc[rows, k] for k in key},
                        "field": name,
                        "old": old_values[rows].replace({_MISSING: None}),
                        "new": new_values[rows].replace({_MISSING: None}),
                    }
                )
            )
    changed &= ~is_new

    to_write = merged[is_new | changed]
    if len(to_write):
        # Normalised per value: pandas would turn None back into NaN in a numeric column.
        records = [
            {name: _norm(value) for name, value in rec.items()}
            for rec in to_write[[*key, *fields]].to_dict("records")
        ]
        new_mask = is_new[is_new | changed].tolist()
        objects = [
            model(**({**(defaults_for_new or {}), **rec} if fresh else rec))
            for rec, fresh in zip(records, new_mask, strict=True)
        ]
        model._default_manager.bulk_create(
            objects,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=[_field_name(model, k) for k in key],
            update_fields=[_field_name(model, f) for f in fields],
        )
    return WriteCounts(
        created=int(is_new.sum()),
        updated=int(changed.sum()),
        unchanged=int(len(merged) - is_new.sum() - changed.sum()),
        changes=pd.concat(diffs, ignore_index=True) if diffs else None,
    )


# pandas treats None as missing in comparisons (None != None is True there).
_MISSING = "\x00missing"


def _field_name(model: type[Model], attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    return attname


def _norm(value):
    """One representation per value so that DB values and parsed values compare equal."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else Decimal(str(value))
    if hasattr(value, "item"):  # numpy scalars
        return _norm(value.item())
    return value
