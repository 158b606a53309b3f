"""What the manager and team analysis pages (step 1 分析) show: the stored indicators
(reports.analysis, reports.selectors) with the month's warnings (cycle.strategy) and the
problems written into the next month's plan."""

import datetime as dt

from django.core.paginator import Paginator

from accounts.models import User
from accounts.policy import access_manager, access_team
from accounts.selectors import managers_visible_to
from core.months import add_months
from reports.analysis import indicator_context
from reports.models import ManagerIndicator, ScopeType
from reports.selectors import key_sku_rates, manager_indicators, market_state

from .selectors import cycle_for
from .services import cycle_can_edit
from .strategy.cache import warnings_evaluate_cached, warnings_summary_cached
from .strategy.engine import IndicatorsMissing

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
        **_warnings(manager=manager, month=month, rule=rule, page=page),
        "indicator": ManagerIndicator.objects.filter(manager=manager, month=month).first(),
        "key_skus": key_sku_rates(scope_type=scope[0], scope_key=scope[1], month=month),
        "market": market_state(scope_type=scope[0], scope_key=scope[1], month=month),
    }


def team_context(*, user: User, code: str, month: dt.date) -> dict:
    team = access_team(user, code)
    members = managers_visible_to(user=user).filter(team=team)
    rows = manager_indicators(managers=members, month=month)
    try:
        counts = {c.manager_id: c for c in warnings_summary_cached(managers=members, month=month)}
    except IndicatorsMissing:
        counts = {}
    return indicator_context(user=user, month=month, export_scope=f"team:{team.code}") | {
        "team": team,
        "managers": [{"indicator": row, "warnings": counts.get(row.manager_id)} for row in rows],
        "key_skus": key_sku_rates(scope_type=ScopeType.TEAM, scope_key=team.code, month=month),
        "market": market_state(scope_type=ScopeType.TEAM, scope_key=team.code, month=month),
    }


def _warnings(*, manager: User, month: dt.date, rule: str, page: str | None) -> dict:
    """One page of the month's warnings grouped by customer (only ``rule``'s when given),
    the count per rule, and the rules that could not run."""
    try:
        found = warnings_evaluate_cached(manager=manager, month=month)
    except IndicatorsMissing:
        return {"warning_page": None, "skipped_rules": [], "warning_count": 0, "rule_counts": []}
    counts: dict[str, dict] = {}
    for warning in found:
        entry = counts.setdefault(
            warning.rule_code, {"code": warning.rule_code, "name": warning.rule_name, "n": 0}
        )
        entry["n"] += 1
    groups: dict[int, dict] = {}
    for warning in (w for w in found if not rule or w.rule_code == rule):
        group = groups.setdefault(
            warning.customer_id,
            {
                "id": warning.customer_id,
                "code": warning.customer_code,
                "name": warning.customer_name,
                "warnings": [],
            },
        )
        group["warnings"].append(warning)
    return {
        "warning_page": Paginator(list(groups.values()), WARNED_CUSTOMERS_PER_PAGE).get_page(page),
        "skipped_rules": found.skipped,
        "warning_count": len(found),
        "rule_counts": list(counts.values()),
        "rule": rule,
    }
