"""加入计划 (issue #17 point 4): one warning's suggested action into its manager's plan — the
draft (or returned) plan as a planned action, an approved plan as a temporary task (●) —
once. The action is built and keyed as 生成营销动作 builds it (``plan_generation.
action_from_warning``), so either path finds the other's action and adds nothing twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_edit_cycle
from core.months import add_months

from ..models import Cycle, MarketingAction, WarningRule
from ..selectors.warning_plan import TEMPORARY, plan_add_mode, stored_warning
from .cycles import cycle_start
from .errors import NotAllowedNow
from .plan_generation import action_from_warning, warning_action_key
from .plans import own_customer_id
from .schedule import first_planned_day


@dataclass(frozen=True)
class Added:
    action: MarketingAction
    created: bool  # False: it was already there (nothing changed)


def warning_add_to_plan(
    *, cycle: Cycle, by: User, customer_id: int, rule_code: str, sku_id: int | None = None
) -> Added:
    """Add the action suggested by the stored warning (customer, rule, SKU) of the month
    before ``cycle``'s to ``cycle``; if an action of that warning is already there (added
    here, generated, or removed since), change nothing and return it. Refuses anyone but the
    owner (PermissionDenied), a plan waiting for approval or a month whose results are
    closed (NotAllowedNow), a warning the latest computation does not have (ValidationError)."""
    with transaction.atomic():
        cycle_start(cycle=cycle, by=by)
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if not can_edit_cycle(by, locked):
            raise PermissionDenied
        mode = plan_add_mode(user=by, cycle=locked)
        if not mode.mode:
            raise NotAllowedNow(mode.reason, code="read_only")
        customer_id = own_customer_id(locked, customer_id)
        key = warning_action_key(rule_code, sku_id)
        existing = MarketingAction.objects.filter(
            cycle=locked, customer_id=customer_id, key=key
        ).first()
        if existing is not None:
            return Added(existing, created=False)
        warning = stored_warning(
            manager_id=locked.manager_id,
            month=_analysed(locked),
            customer_id=customer_id,
            rule_code=rule_code,
            sku_id=sku_id,
        )
        if warning is None:
            raise ValidationError(_("这条预警已不在最新的预警结果中，请刷新页面后再试。"))
        action = action_from_warning(
            warning,
            rule_id=WarningRule.objects.filter(code=rule_code).values_list("pk", flat=True).first(),
            cycle=locked,
            created_by=by,
            temporary=mode.mode == TEMPORARY,
            visit_date=first_planned_day(locked, customer_id),
        )
        action.save()
    return Added(action, created=True)


def _analysed(cycle: Cycle) -> dt.date:
    """The month whose data the cycle's plan answers: the one before."""
    return add_months(cycle.month, -1)
