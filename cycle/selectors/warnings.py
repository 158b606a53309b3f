"""The stored warnings of a month (``cycle.strategy.store``), as the analysis pages show them:
a manager's warnings in two queries, a team's counts in one, scoped by the access policy.
Nothing is evaluated here: a month never computed reads as None / no counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from accounts.policy import scope_of

from ..models import StoredWarning, WarningStamp
from ..strategy.engine import CustomerWarning, Evaluated, SkippedRule, warning_message

_FIELDS = (
    "customer_id",
    "customer__code",
    "customer__name",
    "manager_id",
    "rule__code",
    "rule__name",
    "rule__severity",
    "rule__suggestion",
    "rule__action_id",
    "rule__action__code",
    "rule__action__name",
    "sku_id",
    "sku__code",
    "sku__name",
    "numbers",
    "message",
    "rule__message",
    "rule__kind",
    "rule__threshold",
    "rule__position",
)


@dataclass(frozen=True)
class StoredWarnings:
    """A manager's stored warnings of a month and the stamp of the computation they come from
    (``stamp.computed_at``, ``stamp.run``)."""

    stamp: WarningStamp
    warnings: Evaluated  # CustomerWarning rows in the engine's order; ``.skipped``


def manager_warnings(*, user: User, manager: User, month: dt.date) -> StoredWarnings | None:
    """``manager``'s stored warnings of ``month`` as ``user`` may see them (None when that
    manager-month was never computed or is out of ``user``'s scope)."""
    scope = scope_of(user)
    stamp = (
        scope.work(WarningStamp.objects.filter(month=month, manager=manager))
        .select_related("run")
        .first()
    )
    if stamp is None:
        return None
    rows = StoredWarning.objects.filter(month=month, manager=manager).values_list(*_FIELDS)
    # the engine's order, sorted here: the database's collation may order codes otherwise
    rows = sorted(rows, key=lambda r: (r[1], r[-1], r[4], r[12] or ""))
    rerender = translation.get_language() != settings.LANGUAGE_CODE
    warnings = [_warning(row, month, rerender) for row in rows]
    skipped = [
        SkippedRule(code=s["code"], name=s["name"], reason=gettext(s["reason"]))
        for s in stamp.run.skipped
    ]
    return StoredWarnings(stamp=stamp, warnings=Evaluated(warnings, skipped=skipped))


def team_warning_counts(*, user: User, managers, month: dt.date) -> dict[int, WarningStamp]:
    """manager id → the stamp of their stored warnings of ``month`` (customers, flagged
    customers, warnings, by severity, by rule), for those of ``managers`` in ``user``'s
    scope that were computed."""
    stamps = scope_of(user).work(WarningStamp.objects.filter(month=month, manager__in=managers))
    return {stamp.manager_id: stamp for stamp in stamps}


def _warning(row: tuple, month: dt.date, rerender: bool) -> CustomerWarning:
    (
        customer_id,
        customer_code,
        customer_name,
        manager_id,
        rule_code,
        rule_name,
        severity,
        suggestion,
        action_id,
        action_code,
        action_name,
        sku_id,
        sku_code,
        sku_name,
        numbers,
        message,
        template,
        kind,
        threshold,
        _position,
    ) = row
    if rerender:
        message = warning_message(
            template,
            kind=kind,
            threshold=threshold,
            numbers=numbers,
            month=month,
            customer=customer_name,
            code=customer_code,
            sku=sku_name or "",
        )
    return CustomerWarning(
        customer_id=customer_id,
        customer_code=customer_code,
        customer_name=customer_name,
        manager_id=manager_id,
        rule_code=rule_code,
        rule_name=rule_name,
        severity=severity,
        message=message,
        numbers=numbers,
        suggestion=suggestion.strip() or (action_name or ""),
        action_id=action_id,
        action_code=action_code or "",
        sku_id=sku_id,
        sku_code=sku_code or "",
        sku_name=sku_name or "",
    )
