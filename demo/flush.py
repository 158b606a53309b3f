"""Emptying the tables the demo writes, and every table whose rows cannot outlive them.

Rows elsewhere that merely point at a demo row through a nullable SET_NULL key (an import's
uploader, say) survive with the key cleared, as a normal delete would leave them.
"""

from django.apps import apps
from django.db import connection, models

from accounts.models import Team, User
from brands.models import Brand, Category, Sku
from customers.models import Customer
from markets.models import (
    Forecast,
    InventoryCheck,
    MarketInfo,
    OrderLine,
    PriceCheck,
    ShelfCheck,
)
from reports.models import IndicatorRun, ScopeIndicator

DEMO_MODELS = [
    Team,
    User,
    Customer,
    Category,
    Brand,
    Sku,
    OrderLine,
    Forecast,
    ShelfCheck,
    InventoryCheck,
    PriceCheck,
    MarketInfo,
    # computed from the rows above; keyed by codes rather than foreign keys, so the
    # reference walk below would not find them
    ScopeIndicator,
    IndicatorRun,
]


def _foreign_keys(model):
    return [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]


def _plan():
    """(models to empty, nullable keys from outside them to clear)."""
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]
    doomed = set(DEMO_MODELS)
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in doomed:
                continue
            for field in _foreign_keys(model):
                survives = field.null and field.remote_field.on_delete is models.SET_NULL
                if field.related_model in doomed and not survives:
                    doomed.add(model)
                    changed = True
                    break
    cleared = [
        (model, field)
        for model in candidates
        if model not in doomed
        for field in _foreign_keys(model)
        if field.related_model in doomed
    ]
    return doomed, cleared


def flush_demo_tables() -> list[str]:
    """Empties the tables inside the caller's transaction; returns their names."""
    doomed, cleared = _plan()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE needs every referencing table in the same statement; tables that
            # outside rows still point at (and what they point at) are deleted instead.
            kept = {field.related_model for _model, field in cleared}
            while True:
                more = {
                    f.related_model
                    for m in kept
                    for f in _foreign_keys(m)
                    if f.related_model in doomed
                } - kept
                if not more:
                    break
                kept |= more
            truncated = sorted(m._meta.db_table for m in doomed - kept)
            if truncated:
                cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in truncated)} RESTART IDENTITY")
            deleted = [m for m in doomed if m in kept]
        else:
            # SQLite checks Django's foreign keys at commit, so the order does not matter.
            deleted = list(doomed)
        for model, field in cleared:
            cursor.execute(
                f"UPDATE {qn(model._meta.db_table)} SET {qn(field.column)} = NULL "
                f"WHERE {qn(field.column)} IS NOT NULL"
            )
        for model in deleted:
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
    return sorted(m._meta.db_table for m in doomed)


def demo_conflicts(usernames: list[str], team_codes: list[str]) -> dict[str, int]:
    """What already in the database would clash with the demo data."""
    found = {
        "customers": Customer.objects.count(),
        "skus": Sku.objects.count(),
        "users": User.objects.filter(username__in=usernames).count(),
        "teams": Team.objects.filter(code__in=team_codes).count(),
        "categories": Category.objects.count(),
        "brands": Brand.objects.count(),
    }
    return {key: value for key, value in found.items() if value}
