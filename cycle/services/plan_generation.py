"""Generating a plan's actions from their sources: actions carried from last month, work
arrangements still flowing, and the warning rules (DESIGN.md §4 step 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from core.months import add_months

from ..models import (
    ACTION_TEXT_MAX_LENGTH,
    ActionSource,
    Cycle,
    EntryKind,
    FeedEntry,
    MarketingAction,
    WarningRule,
)
from ..selectors import own_customers
from ..strategy.engine import CustomerWarning, IndicatorsMissing, warnings_evaluate
from .plans import plan_lock


@dataclass
class Generated:
    warning: int = 0
    carried: int = 0
    arrangement: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.warning + self.carried + self.arrangement


def plan_generate(*, cycle: Cycle, by: User) -> Generated:
    """Add the actions the plan should have and does not yet: from the warnings of the
    previous month's data through the strategy library, carried over from last month's
    unfinished actions, and from the work arrangements still flowing. Running it again adds
    only what is new; actions the manager removed are not brought back."""
    result = Generated()
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        customer_ids = set(own_customers(locked).values_list("pk", flat=True))
        existing = MarketingAction.objects.filter(cycle=locked)
        keys = set(existing.exclude(key="").values_list("customer_id", "key"))
        arranged = set(
            existing.filter(arrangement__isnull=False).values_list("customer_id", "arrangement_id")
        )
        new: list[MarketingAction] = []

        def add(action: MarketingAction) -> bool:
            if action.customer_id not in customer_ids or (action.customer_id, action.key) in keys:
                return False
            if action.arrangement_id and (action.customer_id, action.arrangement_id) in arranged:
                return False
            keys.add((action.customer_id, action.key))
            if action.arrangement_id:
                arranged.add((action.customer_id, action.arrangement_id))
            new.append(action)
            return True

        common = {"cycle": locked, "created_by": by}
        for action in _carried(locked, common):
            result.carried += add(action)
        for action in _from_arrangements(locked, common):
            result.arrangement += add(action)
        try:
            for action in _from_warnings(locked, common):
                result.warning += add(action)
        except IndicatorsMissing as exc:
            result.notes.append(exc.message)
        MarketingAction.objects.bulk_create(new, ignore_conflicts=True)
    return result


def _carried(cycle: Cycle, common: dict) -> Iterable[MarketingAction]:
    unfinished = MarketingAction.objects.filter(
        cycle__manager_id=cycle.manager_id,
        cycle__month=add_months(cycle.month, -1),
        done_at__isnull=True,
        removed_at__isnull=True,
    ).order_by("customer_id", "id")
    for old in unfinished:
        yield MarketingAction(
            **common,
            customer_id=old.customer_id,
            source=ActionSource.CARRIED,
            key=f"c:{old.pk}",
            text=old.text,
            detail=old.detail,
            standard_action_id=old.standard_action_id,
            rule_id=old.rule_id,
            sku_id=old.sku_id,
            origin=old,
            arrangement_id=old.arrangement_id,
            temporary=old.temporary,
        )


def flowing_arrangements(*, cycle: Cycle):
    """The work arrangements that belong in this cycle's plan: aimed at this month or an
    earlier one, with no feedback given before this month began (累计流转)."""
    start = timezone.make_aware(dt.datetime.combine(cycle.month, dt.time.min))
    answered = FeedEntry.objects.filter(
        reply_to=OuterRef("pk"), kind=EntryKind.FEEDBACK, created_at__lt=start
    )
    return (
        FeedEntry.objects.filter(
            manager_id=cycle.manager_id,
            kind=EntryKind.ARRANGEMENT,
            target_month__lte=cycle.month,
        )
        .exclude(Exists(answered))
        .select_related("author", "brand_task__sku")
        .order_by("target_month", "created_at")
    )


def _from_arrangements(cycle: Cycle, common: dict) -> Iterable[MarketingAction]:
    answered = FeedEntry.objects.filter(reply_to=OuterRef("pk"), kind=EntryKind.FEEDBACK)
    open_ones = flowing_arrangements(cycle=cycle).exclude(Exists(answered))
    links = FeedEntry.customers.through.objects.filter(feedentry__in=open_ones).values_list(
        "feedentry_id", "customer_id"
    )
    entries = {entry.pk: entry for entry in open_ones}
    for entry_id, customer_id in sorted(links):
        entry = entries[entry_id]
        task = entry.brand_task
        text = f"{task.sku.name}：{entry.text}" if task else entry.text
        yield MarketingAction(
            **common,
            customer_id=customer_id,
            source=ActionSource.ARRANGEMENT,
            key=f"a:{entry_id}",
            text=_shorten(text),
            detail=entry.text,
            sku_id=task.sku_id if task else None,
            arrangement_id=entry_id,
        )


def _from_warnings(cycle: Cycle, common: dict) -> Iterable[MarketingAction]:
    warnings = warnings_evaluate(manager=cycle.manager_id, month=add_months(cycle.month, -1))
    rules = dict(WarningRule.objects.values_list("code", "pk"))
    for w in warnings:
        yield action_from_warning(w, rule_id=rules.get(w.rule_code), **common)


def warning_action_key(rule_code: str, sku_id: int | None) -> str:
    """The ``MarketingAction.key`` of the action a warning suggests: one per cycle, customer,
    rule and SKU, whichever path adds it (生成营销动作 or 加入计划)."""
    return f"w:{rule_code}:{sku_id or ''}"


def action_from_warning(w: CustomerWarning, *, rule_id: int | None, **fields) -> MarketingAction:
    """The (unsaved) marketing action suggested by warning ``w``; ``fields``: the cycle,
    created_by and anything else to set."""
    return MarketingAction(
        **fields,
        customer_id=w.customer_id,
        source=ActionSource.WARNING,
        key=warning_action_key(w.rule_code, w.sku_id),
        text=_shorten(w.suggestion or w.rule_name),
        detail=w.message,
        standard_action_id=w.action_id,
        rule_id=rule_id,
        sku_id=w.sku_id,
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= ACTION_TEXT_MAX_LENGTH:
        return text
    return text[: ACTION_TEXT_MAX_LENGTH - 1] + "…"
