"""Changing a warning rule (issue #17 point 3): the threshold from the rule's tuning page, any
field from the admin site. Each real change is recorded (``WarningRuleChange``: who, when,
where from, old → new) and the stored warnings of every computed month are computed again
(``strategy.store.warning_rules_changed``, queued on commit), as an admin edit always did."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_tune_rules
from core.change_source import ChangeSource
from core.model_diff import field_diffs

from ..models import WarningRule, WarningRuleChange
from ..strategy.store import warning_rules_changed
from .errors import NotAllowedNow

UNCHECKED = object()  # ``expected`` not given


def warning_rule_update(
    *,
    rule: WarningRule,
    by: User,
    threshold: Decimal | None,
    expected: Decimal | None | object = UNCHECKED,
) -> WarningRule:
    """Set ``rule``'s threshold. ``expected``: the threshold the editor saw (omit to skip the
    check); if the rule changed since, NotAllowedNow (a stale tab). Saving the same value
    changes nothing: no history row, no recompute."""
    if not can_tune_rules(by):
        raise PermissionDenied
    with transaction.atomic():
        locked = WarningRule.objects.select_for_update().get(pk=rule.pk)
        if expected is not UNCHECKED and not _same(locked.threshold, expected):
            raise NotAllowedNow(
                _("该规则的阈值刚被修改为 %(now)s，请看过新的预览后再保存。")
                % {"now": _text(locked.threshold) or _("（空）")},
                code="stale",
            )
        if _same(locked.threshold, threshold):
            return locked
        old = WarningRule.objects.get(pk=rule.pk)
        locked.threshold = threshold
        locked.full_clean(validate_unique=False, validate_constraints=False)
        locked.save(update_fields=["threshold", "updated_at"])
        _record(old=old, new=locked, names=["threshold"], by=by, source=ChangeSource.PAGE)
        warning_rules_changed()
    return locked


def warning_rule_admin_save(*, rule: WarningRule, fields: list[str], by: User) -> list:
    """Save an existing rule edited in the admin site (``fields``: the form's changed
    fields, the list's editable columns included), recording each real change with source
    admin, and recompute the stored warnings."""
    with transaction.atomic():
        old = WarningRule.objects.select_for_update().get(pk=rule.pk)
        rule.save()
        changes = _record(old=old, new=rule, names=fields, by=by, source=ChangeSource.ADMIN)
        warning_rules_changed()
    return changes


def _record(*, old, new, names, by, source) -> list[WarningRuleChange]:
    changes = [
        WarningRuleChange(
            rule=new,
            changed_by=by if by is not None and by.pk else None,
            field=name,
            old_value=before,
            new_value=after,
            source=source,
        )
        for name, before, after in field_diffs(old=old, new=new, names=names, text=_text)
    ]
    WarningRuleChange.objects.bulk_create(changes)
    return changes


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(a) == Decimal(b)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text if "." not in text else text.rstrip("0").rstrip(".")
    return str(value)
