"""Writing a monthly plan (月计划, DESIGN.md §4 step 2): the lock every plan write takes,
the plan's customers, its goals and focus. The actions, the weekly arrangement and the
demand forecasts are written by the sibling modules (plan_generation, actions, schedule,
plan_forecasts), each through ``plan_lock``.

Every write locks the cycle row first and refuses unless the writer owns the cycle and the
plan is a draft or was rejected — so an approved or submitted plan cannot change by any
path, and a write cannot slip in while a market manager is approving."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_edit_cycle
from core.text import clean_text

from ..models import (
    TEXT_MAX_LENGTH,
    Cycle,
)
from ..selectors import own_customers
from .cycles import cycle_start
from .errors import NotAllowedNow


def plan_lock(*, cycle: Cycle, by: User) -> Cycle:
    """Lock the cycle for a plan write by ``by`` (its first write creates it, see
    ``cycle_start``); call inside a transaction."""
    cycle_start(cycle=cycle, by=by)
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    check_plan_writer(locked, by)
    return locked


def check_plan_writer(cycle: Cycle, by: User) -> None:
    if not can_edit_cycle(by, cycle):
        raise PermissionDenied
    if not cycle.plan_is_editable:
        raise NotAllowedNow(
            _("计划%(status)s，不能修改。") % {"status": cycle.get_plan_status_display()},
            code="read_only",
        )


def own_customer_id(cycle: Cycle, customer_id) -> int:
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        customer_id = None
    if customer_id is None or not own_customers(cycle).filter(pk=customer_id).exists():
        raise ValidationError({"customer": _("请选择您名下的有效客户。")})
    return customer_id


# --- goals --------------------------------------------------------------------------------


def plan_update(
    *,
    cycle: Cycle,
    by: User,
    goal_volume: int | None,
    goal_coverage: Decimal | None,
    goal_visits: int | None,
    focus: str,
    goal_gross_profit: Decimal | None = None,
) -> Cycle:
    focus = clean_text(focus)
    if len(focus) > TEXT_MAX_LENGTH:
        raise ValidationError({"focus": _("工作重点最多 %(n)d 字。") % {"n": TEXT_MAX_LENGTH}})
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        locked.goal_volume, locked.goal_coverage = goal_volume, goal_coverage
        locked.goal_visits, locked.focus = goal_visits, focus
        locked.goal_gross_profit = goal_gross_profit
        locked.full_clean(exclude=["manager", "plan_decided_by"])
        locked.save(
            update_fields=[
                "goal_volume",
                "goal_coverage",
                "goal_visits",
                "goal_gross_profit",
                "focus",
                "updated_at",
            ]
        )
    return locked
