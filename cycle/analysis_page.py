"""What the manager and team analysis pages (step 1 分析) show: the stored indicators
(reports.analysis, reports.selectors) with the month's stored warnings (cycle.selectors.warnings,
computed by cycle.strategy.store) and the problems written into the next month's plan.

A month whose warnings were never stored (its indicators were computed before the warnings
were stored, or their computation failed) says so, with a button for whoever may recompute:
a GET never computes (it never writes), and evaluating on request is what made these pages
slow."""

import datetime as dt

from accounts.models import User
from accounts.policy import access_manager, access_team, can_recompute
from accounts.selectors import managers_visible_to
from core.months import add_months, month_end
from reports.analysis import indicator_context
from reports.models import ManagerIndicator, ScopeType
from reports.selectors import (
    key_sku_rates,
    manager_indicators,
    manager_profit_totals,
    market_state,
)
from surveys.selectors import summary as satisfaction_summary

from .selectors import cycle_for
from .selectors.warning_plan import plan_actions_by_key, plan_add_mode
from .selectors.warnings import manager_warning_page, team_warning_counts
from .services import cycle_can_edit
from .services.plan_generation import warning_action_key

WARNED_CUSTOMERS_PER_PAGE = 25


def manager_context(
    *, user: User, username: str, month: dt.date, rule: str = "", page: str | None = None
) -> dict:
    manager = access_manager(user, username)
    scope = (ScopeType.MANAGER, manager.username)
    # The analysis of month M's data opens the cycle of M+1: its problems feed that plan.
    cycle = cycle_for(user=user, manager=manager, month=add_months(month, 1))
    return indicator_context(user=user, month=month, export_scope=f"manager:{manager.username}") | {
        "manager": manager,
        "cycle": cycle,
        "can_edit_problems": cycle_can_edit(user=user, cycle=cycle),
        **_warnings(user=user, manager=manager, month=month, rule=rule, page=page, cycle=cycle),
        **_plan_states(user=user, cycle=cycle),
        "indicator": ManagerIndicator.objects.filter(manager=manager, month=month).first(),
        "key_skus": key_sku_rates(scope_type=scope[0], scope_key=scope[1], month=month),
        "market": market_state(scope_type=scope[0], scope_key=scope[1], month=month),
        # the customers' satisfaction up to the survey period the month falls in
        "satisfaction": satisfaction_summary(user=user, until=month_end(month), manager=manager),
    }


def team_context(*, user: User, code: str, month: dt.date) -> dict:
    team = access_team(user, code)
    members = managers_visible_to(user=user).filter(team=team)
    rows = manager_indicators(managers=members, month=month)
    counts = team_warning_counts(user=user, managers=members, month=month)
    return indicator_context(user=user, month=month, export_scope=f"team:{team.code}") | {
        "team": team,
        "managers": [{"indicator": row, "warnings": counts.get(row.manager_id)} for row in rows],
        # the retailer gross profit of the team's customers (issue #16)
        "profit_totals": manager_profit_totals(managers=members, month=month),
        "warnings_computed": bool(counts),
        "warnings_computed_at": max((c.computed_at for c in counts.values()), default=None),
        "can_compute_warnings": can_recompute(user),
        "key_skus": key_sku_rates(scope_type=ScopeType.TEAM, scope_key=team.code, month=month),
        "market": market_state(scope_type=ScopeType.TEAM, scope_key=team.code, month=month),
        "satisfaction": satisfaction_summary(user=user, until=month_end(month), team=team),
    }


def _plan_states(*, user: User, cycle) -> dict:
    """加入计划: how the owner may add a warning's action now (``plan_add``)."""
    return {"plan_add": plan_add_mode(user=user, cycle=cycle)}


def _with_plan_states(page, cycle) -> None:
    """Each group of ``page`` gets ``rows``: its warnings with their action key and the
    plan's action for it, if any (one query for the page)."""
    groups = list(page)
    actions = plan_actions_by_key(cycle=cycle, customer_ids=[g["id"] for g in groups])
    for group in groups:
        group["rows"] = [
            {
                "w": w,
                "action": actions.get((w.customer_id, warning_action_key(w.rule_code, w.sku_id))),
            }
            for w in group["warnings"]
        ]


def _warnings(
    *, user: User, manager: User, month: dt.date, rule: str, page: str | None, cycle=None
) -> dict:
    """One page of the month's stored warnings grouped by customer (only ``rule``'s when
    given), the count per rule, the rules that could not run and when they were computed."""
    stored = manager_warning_page(
        user=user,
        manager=manager,
        month=month,
        rule=rule,
        page=page,
        per_page=WARNED_CUSTOMERS_PER_PAGE,
    )
    if stored is None:
        return {
            "warning_page": None,
            "skipped_rules": [],
            "warning_count": 0,
            "rule_counts": [],
            "warnings_computed": False,
            "can_compute_warnings": can_recompute(user),
        }
    if cycle is not None:
        _with_plan_states(stored.page, cycle)
    return {
        "warning_page": stored.page,
        "skipped_rules": stored.skipped,
        "warning_count": stored.stamp.warnings,
        "rule_counts": stored.rule_counts,
        "rule": rule,
        "warnings_computed": True,
        "warnings_computed_at": stored.stamp.computed_at,
        "can_compute_warnings": can_recompute(user),
    }
