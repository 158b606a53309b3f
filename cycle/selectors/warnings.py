"""The stored warnings of a month (``cycle.strategy.store``), as the analysis pages show them,
scoped by the access policy: one page of a manager's warned customers in four queries (the
stamp, the customers, the page's warnings, the rules' names), all of a manager's warnings in
two, a team's counts in one. Nothing is evaluated here: a month never computed reads as None
/ no counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from accounts.policy import scope_of

from ..models import StoredWarning, WarningRule, WarningStamp
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
    stamp = _stamp(user, manager, month)
    if stamp is None:
        return None
    warnings = _read(StoredWarning.objects.filter(month=month, manager=manager), month)
    return StoredWarnings(stamp=stamp, warnings=Evaluated(warnings, skipped=_skipped(stamp)))


@dataclass(frozen=True)
class WarningPage:
    """One page of a manager's warned customers: ``page`` holds dicts (id, code, name,
    warnings) in customer code order; ``rule_counts`` the warnings per rule (code, name, n)
    of the whole month, in rule order."""

    stamp: WarningStamp
    page: Page
    rule_counts: list[dict]
    skipped: list[SkippedRule]


def manager_warning_page(
    *,
    user: User,
    manager: User,
    month: dt.date,
    rule: str = "",
    page: str | int | None = None,
    per_page: int = 25,
) -> WarningPage | None:
    """The customers of ``page`` with their stored warnings of ``month`` (only ``rule``'s
    when given); None like ``manager_warnings``. Only the page's warnings are read."""
    stamp = _stamp(user, manager, month)
    if stamp is None:
        return None
    rows = StoredWarning.objects.filter(month=month, manager=manager)
    if rule:
        rows = rows.filter(rule__code=rule)
    customers = sorted(
        set(rows.order_by().values_list("customer__code", "customer_id", "customer__name"))
    )
    paged = Paginator(customers, per_page).get_page(page)
    groups = {
        customer_id: {"id": customer_id, "code": code, "name": name, "warnings": []}
        for code, customer_id, name in paged
    }
    for warning in _read(rows.filter(customer_id__in=list(groups)), month):
        groups[warning.customer_id]["warnings"].append(warning)
    paged.object_list = list(groups.values())
    names = (
        WarningRule.objects.filter(code__in=list(stamp.by_rule))
        .order_by("position", "code")
        .values_list("code", "name")
    )
    return WarningPage(
        stamp=stamp,
        page=paged,
        rule_counts=[{"code": c, "name": n, "n": stamp.by_rule[c]} for c, n in names],
        skipped=_skipped(stamp),
    )


def team_warning_counts(*, user: User, managers, month: dt.date) -> dict[int, WarningStamp]:
    """manager id → the stamp of their stored warnings of ``month`` (customers, flagged
    customers, warnings, by severity, by rule), for those of ``managers`` in ``user``'s
    scope that were computed."""
    stamps = scope_of(user).work(WarningStamp.objects.filter(month=month, manager__in=managers))
    return {stamp.manager_id: stamp for stamp in stamps}


def _stamp(user: User, manager: User, month: dt.date) -> WarningStamp | None:
    stamps = WarningStamp.objects.filter(month=month, manager=manager).select_related("run")
    return scope_of(user).work(stamps).first()


def _skipped(stamp: WarningStamp) -> list[SkippedRule]:
    return [
        SkippedRule(code=s["code"], name=s["name"], reason=gettext(s["reason"]))
        for s in stamp.run.skipped
    ]


def _read(rows, month: dt.date) -> list[CustomerWarning]:
    """``rows`` as the engine's CustomerWarning, in its order (sorted here: the database's
    collation may order codes otherwise)."""
    rows = sorted(rows.values_list(*_FIELDS), key=lambda r: (r[1], r[-1], r[4], r[12] or ""))
    rerender = translation.get_language() != settings.LANGUAGE_CODE
    return [_warning(row, month, rerender) for row in rows]


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
