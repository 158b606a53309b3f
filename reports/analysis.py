"""The indicator part of the analysis pages (step 1 分析): the month shown, the months
computed and the toolbar (recompute, exports) every analysis page has, and the whole of the
brand page. The manager and team pages add the cycle's warnings and problems to this in
cycle/analysis_page.py (reports sits below cycle and does not import it)."""

import datetime as dt

from django.core.exceptions import PermissionDenied

from accounts import policy
from accounts.models import User
from core.months import parse_month, previous_month

from .exports import KIND_LABELS
from .models import ScopeType
from .selectors import (
    computed_months,
    is_computed,
    key_brand_rates,
    key_sku_rates,
    latest_run,
    market_state,
    team_codes_for_brand_view,
)

EXPORT_KINDS = [(kind, KIND_LABELS[kind]) for kind in ("brand", "customer", "manager")]


def month_choice(text: str | None) -> dt.date:
    """The month asked for, else the latest computed one, else last month."""
    if text:
        try:
            return parse_month(text)
        except ValueError:
            pass
    months = computed_months(limit=1)
    return months[0] if months else previous_month()


def indicator_context(*, user: User, month: dt.date, export_scope: str) -> dict:
    """What every analysis page shows of the indicators: the month, the months computed, the
    last run and the toolbar (recompute; exports of ``export_scope``)."""
    return {
        "month": month,
        "months": computed_months(),
        "computed": is_computed(month=month),
        "run": latest_run(month=month),
        "can_recompute": policy.can_recompute(user),
        "export_scope": export_scope,
        "export_kinds": EXPORT_KINDS,
    }


def brand_context(*, user: User, team_code: str, month: dt.date) -> dict:
    if not policy.can_see_company(user):
        raise PermissionDenied
    teams = team_codes_for_brand_view(user=user)
    if team_code and team_code in dict(teams):
        scope, export_scope = (ScopeType.TEAM, team_code), f"team:{team_code}"
    else:
        team_code, scope, export_scope = "", (ScopeType.COMPANY, ""), "company"
    return indicator_context(user=user, month=month, export_scope=export_scope) | {
        "teams": teams,
        "team_code": team_code,
        "key_brands": key_brand_rates(scope_type=scope[0], scope_key=scope[1], month=month),
        "key_skus": key_sku_rates(scope_type=scope[0], scope_key=scope[1], month=month),
        "market": market_state(scope_type=scope[0], scope_key=scope[1], month=month),
    }
