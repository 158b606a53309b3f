"""What the analysis page needs for 加入计划 (issue #17 point 4): one stored warning, whether
each warning's suggested action is already in the plan, and how the owner may add it now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import can_edit_cycle

from ..models import Cycle, MarketingAction, PlanStatus, StoredWarning
from ..strategy.engine import CustomerWarning
from .warnings import _read


def stored_warning(
    *, manager_id: int, month: dt.date, customer_id: int, rule_code: str, sku_id: int | None
) -> CustomerWarning | None:
    """The stored warning of ``month`` (the analysed month) on that customer by that rule
    (and SKU), or None when the latest computation has no such warning."""
    rows = StoredWarning.objects.filter(
        month=month,
        manager_id=manager_id,
        customer_id=customer_id,
        rule__code=rule_code,
        sku_id=sku_id,
    )
    found = _read(rows, month)
    return found[0] if found else None


def plan_actions_by_key(*, cycle: Cycle, customer_ids) -> dict[tuple[int, str], MarketingAction]:
    """(customer id, key) → the generated action of ``cycle`` for those customers (removed
    ones included); nothing for a cycle nobody has written yet. One query."""
    if cycle.pk is None:
        return {}
    rows = MarketingAction.objects.filter(cycle=cycle, customer_id__in=list(customer_ids))
    return {(a.customer_id, a.key): a for a in rows.exclude(key="").only(*_FIELDS)}


_FIELDS = ("id", "cycle_id", "customer_id", "key", "temporary", "removed_at", "done_at")

PLAN, TEMPORARY = "plan", "temporary"


@dataclass(frozen=True)
class AddMode:
    """How ``user`` may add a warning's action to ``cycle`` now: ``mode`` PLAN (a draft or
    returned plan: a planned action), TEMPORARY (an approved plan, results still open: a
    temporary task) or "" (not now: ``reason``, or not theirs: no reason)."""

    mode: str = ""
    reason: str = ""


def plan_add_mode(*, user: User, cycle: Cycle) -> AddMode:
    if not can_edit_cycle(user, cycle):
        return AddMode()
    if cycle.plan_is_editable:
        return AddMode(PLAN)
    if cycle.plan_status == PlanStatus.APPROVED:
        if cycle.execution_is_open:
            return AddMode(TEMPORARY)
        return AddMode(
            reason=_("%(month)s月的服务结果%(status)s，不能再加入临时任务。")
            % {"month": f"{cycle.month:%Y-%m}", "status": cycle.get_evaluation_status_display()}
        )
    return AddMode(reason=_("计划待审批，现在不能加入；批准后可以作为临时任务加入。"))
