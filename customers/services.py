"""Changing customers. Every change — on the page, in the admin, by an import — is
recorded field by field with where it came from."""

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import customer_manager_ids_by_username
from core.change_source import ChangeSource
from core.model_diff import field_diffs

from .models import Customer, CustomerChange
from .selectors import customer_can_edit

EDITABLE_FIELDS = (
    "contact",
    "phone",
    "address",
    "latitude",
    "longitude",
    "business_format",
    "trade_area",
    "visit_method",
    "visit_frequency",
)


def customer_update(*, customer: Customer, by: User, data: dict) -> list[CustomerChange]:
    """Apply ``data`` (field → new value, editable fields only) as the owning manager.
    Returns the recorded changes; nothing is written when nothing changed."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if not customer_can_edit(user=by, customer=locked):
            raise PermissionDenied
        changes = []
        for field, new in data.items():
            old = getattr(locked, field)
            if _text(old) == _text(new):
                continue
            setattr(locked, field, new)
            changes.append(
                CustomerChange(
                    customer=locked,
                    changed_by=by,
                    field=field,
                    old_value=_text(old),
                    new_value=_text(new),
                )
            )
        if changes:
            locked.save(update_fields=[c.field for c in changes] + ["updated_at"])
            CustomerChange.objects.bulk_create(changes)
    return changes


def _text(value) -> str:
    return "" if value is None else str(value)


def customer_set_visit_frequencies(*, frequencies: dict[int, str], by: User) -> int:
    """Set the visit frequency (拜访频率) of many customers at once, e.g. from an approved
    plan; each real change is logged like a change by hand. Returns how many changed."""
    if not frequencies:
        return 0
    with transaction.atomic():
        customers = list(
            Customer.objects.select_for_update()
            .filter(pk__in=list(frequencies))
            .only("id", "visit_frequency")
        )
        changed = [c for c in customers if c.visit_frequency != frequencies[c.pk]]
        changes = [
            CustomerChange(
                customer=c,
                changed_by=by,
                field="visit_frequency",
                old_value=_text(c.visit_frequency),
                new_value=frequencies[c.pk],
            )
            for c in changed
        ]
        now = timezone.now()
        for c in changed:
            c.visit_frequency = frequencies[c.pk]
            c.updated_at = now
        Customer.objects.bulk_update(changed, ["visit_frequency", "updated_at"], batch_size=500)
        CustomerChange.objects.bulk_create(changes, batch_size=500)
    return len(changed)


def customer_admin_save(*, customer: Customer, fields: list[str], by: User) -> list[CustomerChange]:
    """Save an existing customer edited in the Django admin (``fields``: the form's changed
    fields), recording each real change with source admin."""
    with transaction.atomic():
        old = Customer.objects.select_for_update().get(pk=customer.pk)
        customer.save()
        changes = [
            CustomerChange(
                customer=customer,
                changed_by=by,
                field=name,
                old_value=before,
                new_value=after,
                source=ChangeSource.ADMIN,
            )
            for name, before, after in field_diffs(old=old, new=customer, names=fields, text=_text)
        ]
        CustomerChange.objects.bulk_create(changes)
    return changes


def customer_record_import_changes(*, changes: pd.DataFrame | None, by: User | None) -> int:
    """Record the field changes an import made (``WriteCounts.changes`` of the upsert), in
    bulk, source import. The manager reads as a username, the column the file holds."""
    if changes is None or changes.empty:
        return 0
    changes = changes.copy()
    managers = changes["field"] == "manager_id"
    if managers.any():
        names = {pk: name for name, pk in customer_manager_ids_by_username().items()}
        for side in ("old", "new"):
            changes.loc[managers, side] = changes.loc[managers, side].map(
                lambda pk: names.get(pk, pk)
            )
        changes.loc[managers, "field"] = "manager"
    rows = [
        CustomerChange(
            customer_id=pk,
            changed_by=by,
            field=field,
            old_value=_text(old),
            new_value=_text(new),
            source=ChangeSource.IMPORT,
        )
        for pk, field, old, new in changes[["pk", "field", "old", "new"]].itertuples(
            index=False, name=None
        )
    ]
    CustomerChange.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
