"""The analysis pages' warnings, kept in the cache between page views.

Evaluating the strategy library (``engine``) costs 0.1–0.3 s per manager and more at
company scale (the class index reads every customer's indicators), and every reader of a
manager-month sees the same result, so the pages keep it in the cache (Redis in production)
under a key that changes with what decides it:

- the month's latest successful indicator run (a recompute shows at once),
- the rule set — count and latest edit of the rules (a new threshold shows at once),
- the language (the messages are rendered text).

Inputs that change one customer at a time — checks and visits recorded late, a customer
moved or closed, a standard action renamed — show within ``WARNINGS_CACHE_SECONDS``.
Generating the plan's actions (``plan_generate_actions``) never reads this cache: it
always evaluates afresh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import translation

from accounts.models import User
from reports.selectors import latest_succeeded_run_id

from ..models import WarningRule
from .engine import Evaluated, warnings_evaluate, warnings_summary

WARNINGS_CACHE_SECONDS = 300


def warnings_evaluate_cached(*, manager: User | int, month: dt.date) -> Evaluated:
    """``warnings_evaluate`` through the cache. Raises IndicatorsMissing like it (never
    cached)."""
    key = _key("evaluate", [_id_of(manager)], month)
    found = cache.get(key)
    if found is None:
        found = warnings_evaluate(manager=manager, month=month)
        cache.set(key, found, WARNINGS_CACHE_SECONDS)
    return found


def warnings_summary_cached(*, managers: Iterable[User | int], month: dt.date) -> Evaluated:
    """``warnings_summary`` through the cache (rows in the order of ``managers``)."""
    managers = list(managers)
    key = _key("summary", [_id_of(m) for m in managers], month)
    found = cache.get(key)
    if found is None:
        found = warnings_summary(managers=managers, month=month)
        cache.set(key, found, WARNINGS_CACHE_SECONDS)
    return found


def _key(kind: str, manager_ids: list[int], month: dt.date) -> str:
    run = latest_succeeded_run_id(month=month)
    rules = WarningRule.objects.aggregate(n=Count("pk"), edited=Max("updated_at"))
    edited = rules["edited"].timestamp() if rules["edited"] else 0
    managers = ".".join(map(str, manager_ids))
    return (
        f"warnings:{kind}:{month:%Y-%m}:{managers}:{translation.get_language()}"
        f":run{run}:rules{rules['n']}-{edited}"
    )


def _id_of(manager: User | int) -> int:
    return manager if isinstance(manager, int) else manager.pk
