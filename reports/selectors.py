"""Reading the stored indicators for the analysis pages. Who may see which scope is decided
here, from the selectors of accounts (``managers_visible_to`` / ``teams_visible_to``)."""

import datetime as dt
from statistics import fmean

import numpy as np
from django.db.models import Avg, Count, Q, QuerySet, Sum

from accounts import policy
from accounts.models import User
from accounts.selectors import managers_visible_to, teams_visible_to
from brands.selectors import key_skus, sku_price_classes
from core.months import add_months

from .brand_rates import supply_state
from .models import (
    CustomerIndicator,
    IndicatorRun,
    ManagerIndicator,
    ObjectType,
    RunStatus,
    ScopeIndicator,
    ScopeType,
)

TREND_MONTHS = 13


def computed_months(*, limit: int = 24) -> list[dt.date]:
    """Months with a successful run, newest first."""
    return list(
        IndicatorRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()[:limit]
    )


def customer_month_totals(*, customers: QuerySet, first: dt.date, last: dt.date) -> list[dict]:
    """Volume, amount and ordering customers per month for months ``first``..``last`` (first
    days of months, oldest first) of ``customers``, summed from their stored customer
    indicators — one row per customer and month instead of the month's order lines, so a
    company-wide trend stays cheap at millions of lines. A month without a successful
    indicator run comes with ``computed`` False and no figures."""
    done = set(
        IndicatorRun.objects.filter(
            status=RunStatus.SUCCEEDED, month__gte=first, month__lte=last
        ).values_list("month", flat=True)
    )
    rows = (
        CustomerIndicator.objects.filter(
            customer__in=customers, month__gte=first, month__lte=last, month__in=done
        )
        .values("month")
        .annotate(
            volume=Sum("volume"),
            amount=Sum("amount"),
            customers=Count("pk", filter=Q(order_days__gt=0)),
        )
    )
    by_month = {row["month"]: row for row in rows}
    result, month = [], first
    while month <= last:
        row = by_month.get(month, {})
        result.append(
            {
                "month": month,
                "computed": month in done,
                "volume": row.get("volume") or 0,
                "amount": row.get("amount") or 0,
                "customers": row.get("customers") or 0,
            }
        )
        month = add_months(month, 1)
    return result


def manager_volumes(*, managers: QuerySet, month: dt.date) -> dict[int, int]:
    """Each customer manager's stored volume of ``month`` (managers without a row are left
    out)."""
    return dict(
        ManagerIndicator.objects.filter(month=month, manager__in=managers).values_list(
            "manager_id", "volume"
        )
    )


def manager_completion_trend(
    *, managers: QuerySet, first: dt.date, last: dt.date
) -> dict[dt.date, float | None]:
    """The stored action completion rate of months ``first``..``last`` of ``managers``: one
    manager's own, or several managers' mean (each weighing the same, empty rates left out, as
    on the team board). A month without stored rows or with only empty rates is left out, so
    a chart shows it as a gap. One query."""
    rows = (
        ManagerIndicator.objects.filter(manager__in=managers, month__gte=first, month__lte=last)
        .values("month")
        .annotate(rate=Avg("completion_rate"))
        .order_by()
    )
    return {row["month"]: row["rate"] for row in rows if row["rate"] is not None}


def latest_run(*, month: dt.date) -> IndicatorRun | None:
    return IndicatorRun.objects.filter(month=month).order_by("-started_at", "-pk").first()


def latest_succeeded_run_id(*, month: dt.date) -> int | None:
    """The month's latest successful run: what pages that cache indicator-based results key
    their entries by (a recompute shows at once)."""
    return (
        IndicatorRun.objects.filter(month=month, status=RunStatus.SUCCEEDED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def is_computed(*, month: dt.date) -> bool:
    return IndicatorRun.objects.filter(month=month, status=RunStatus.SUCCEEDED).exists()


def manager_indicators(*, managers: QuerySet, month: dt.date) -> list[ManagerIndicator]:
    return list(
        ManagerIndicator.objects.filter(month=month, manager__in=managers)
        .select_related("manager")
        .order_by("manager__username")
    )


def manager_profit_totals(*, managers: QuerySet, month: dt.date) -> dict:
    """The retailer gross profit of ``managers``' customers in ``month`` summed from their
    stored rows (reports/profit_rates.py): ``gross_profit`` (None when no row holds one),
    ``compared``, ``grew`` and ``grew_share`` (grew / compared, None when none compared)."""
    found = ManagerIndicator.objects.filter(month=month, manager__in=managers).aggregate(
        gross_profit=Sum("gross_profit"),
        compared=Sum("profit_compared"),
        grew=Sum("profit_grew"),
    )
    compared, grew = found["compared"] or 0, found["grew"] or 0
    return {
        "gross_profit": found["gross_profit"],
        "compared": compared,
        "grew": grew,
        "grew_share": grew / compared if compared else None,
    }


def customer_profit_months(*, customer_id: int, first: dt.date, last: dt.date) -> list[dict]:
    """One customer's stored gross profit per month ``first``..``last``, newest first: month,
    gross_profit, gross_profit_change_mom, gross_profit_change_yoy; months without a value are
    left out. The customer page's profit source (setting ``MARKETS_PROFIT_SOURCE``): the
    caller has already been allowed to see the customer."""
    return list(
        CustomerIndicator.objects.filter(
            customer_id=customer_id,
            month__gte=first,
            month__lte=last,
            gross_profit__isnull=False,
        )
        .order_by("-month")
        .values("month", "gross_profit", "gross_profit_change_mom", "gross_profit_change_yoy")
    )


def key_sku_rates(*, scope_type: str, scope_key: str, month: dt.date) -> list[dict]:
    """The key SKUs' five rates in one scope, each with its 13-month coverage and volume."""
    skus = {s.code: s for s in key_skus()}
    return _rates_with_trend(
        scope_type=scope_type,
        scope_key=scope_key,
        month=month,
        object_type=ObjectType.SKU,
        keys=list(skus),
    )


def key_brand_rates(*, scope_type: str, scope_key: str, month: dt.date) -> list[dict]:
    """Brands that have a key SKU, aggregated over all their SKUs."""
    brands = sorted({s.brand.name for s in key_skus()})
    return _rates_with_trend(
        scope_type=scope_type,
        scope_key=scope_key,
        month=month,
        object_type=ObjectType.BRAND,
        keys=brands,
    )


def _rates_with_trend(*, scope_type, scope_key, month, object_type, keys) -> list[dict]:
    rows = ScopeIndicator.objects.filter(
        scope_type=scope_type,
        scope_key=scope_key,
        object_type=object_type,
        object_key__in=keys,
        month__gt=add_months(month, -TREND_MONTHS),
        month__lte=month,
    ).order_by("object_key", "month")
    by_key: dict[str, dict] = {}
    for row in rows:
        entry = by_key.setdefault(row.object_key, {"trend": {}})
        entry["trend"][row.month] = row
        if row.month == month:
            entry["row"] = row
    months = [add_months(month, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    result = []
    for key in keys:
        entry = by_key.get(key)
        if not entry or "row" not in entry:
            continue
        trend = [entry["trend"].get(m) for m in months]
        result.append(
            {
                "row": entry["row"],
                "coverage_trend": [r.coverage_rate if r else None for r in trend],
                "volume_trend": [r.volume if r else None for r in trend],
            }
        )
    return sorted(result, key=lambda e: -(e["row"].volume or 0))


def market_state(*, scope_type: str, scope_key: str, month: dt.date) -> list[dict]:
    """Supply and demand, price index and inventory by price class (价类) in one scope."""
    classes = sku_price_classes()
    rows = ScopeIndicator.objects.filter(
        scope_type=scope_type, scope_key=scope_key, object_type=ObjectType.SKU, month=month
    ).values("object_key", "volume", "requested", "price_index", "inventory_to_sales")
    totals: dict[int, dict] = {}
    for row in rows:
        price_class = classes.get(row["object_key"])
        if price_class is None:
            continue
        t = totals.setdefault(
            price_class,
            {
                "price_class": price_class,
                "volume": 0,
                "requested": 0,
                "skus": 0,
                "price_indexes": [],
                "inventory": 0.0,
                "inventory_volume": 0,
            },
        )
        t["volume"] += row["volume"]
        t["requested"] += row["requested"]
        t["skus"] += 1
        if row["price_index"] is not None:
            t["price_indexes"].append(row["price_index"])
        if row["inventory_to_sales"] is not None:
            # ratio × volume gives back the inventory: Σ inventory / Σ volume
            t["inventory"] += row["inventory_to_sales"] * row["volume"]
            t["inventory_volume"] += row["volume"]
    result = []
    for price_class in sorted(totals):
        t = totals[price_class]
        satisfaction = t["volume"] / t["requested"] if t["requested"] else None
        result.append(
            {
                "price_class": price_class,
                "skus": t["skus"],
                "volume": t["volume"],
                "requested": t["requested"],
                "satisfaction": satisfaction,
                "state": supply_state(np.array([t["volume"]]), np.array([t["requested"]]))[0],
                "price_index": fmean(t["price_indexes"]) if t["price_indexes"] else None,
                "inventory_to_sales": (
                    t["inventory"] / t["inventory_volume"] if t["inventory_volume"] else None
                ),
            }
        )
    return result


def team_codes_for_brand_view(*, user: User) -> list[tuple[str, str]]:
    return list(teams_visible_to(user=user).values_list("code", "name"))


def export_scope_allowed(*, user: User, scope_type: str, key: str) -> bool:
    """Company-wide data for brand managers and admins; a team's for its market manager;
    a customer manager's own territory for that manager (and whoever may see it)."""
    if policy.can_see_company(user):
        return True
    if scope_type == ScopeType.TEAM:
        return policy.can_see_team(user, key)
    if scope_type == ScopeType.MANAGER:
        return managers_visible_to(user=user).filter(username=key).exists()
    return False


def manager_indicator(*, manager: User, month: dt.date) -> ManagerIndicator | None:
    """One customer manager's indicators for a month (the caller has checked visibility)."""
    return ManagerIndicator.objects.filter(manager=manager, month=month).first()


def manager_brand_coverage(
    *, manager: User, month: dt.date, brand_names
) -> dict[str, float | None]:
    """Brand name → coverage rate in one customer manager's territory for a month, from the
    stored brand indicators (the caller has checked visibility); brands without a row are
    left out."""
    rows = ScopeIndicator.objects.filter(
        month=month,
        scope_type=ScopeType.MANAGER,
        scope_key=manager.username,
        object_type=ObjectType.BRAND,
        object_key__in=brand_names,
    ).values_list("object_key", "coverage_rate")
    return dict(rows)


def key_brand_coverage_by_manager(*, usernames: list[str], month: dt.date) -> dict[str, float]:
    """Each customer manager's mean coverage rate over the key brands (brands with a key
    SKU) in their territory for a month — the month-end evaluation's 重点品牌覆盖率 — for many
    managers in one query (the caller has checked visibility); managers without any stored
    key-brand rate are left out."""
    rows = ScopeIndicator.objects.filter(
        month=month,
        scope_type=ScopeType.MANAGER,
        scope_key__in=usernames,
        object_type=ObjectType.BRAND,
        object_key__in=key_skus().values("brand__name"),
        coverage_rate__isnull=False,
    ).values_list("scope_key", "coverage_rate")
    found: dict[str, list[float]] = {}
    for username, rate in rows:
        found.setdefault(username, []).append(rate)
    return {username: fmean(rates) for username, rates in found.items()}


def indicators_stored(*, month: dt.date) -> bool:
    """Has ``month`` been computed (a successful run, or rows stored by an earlier one)?"""
    return is_computed(month=month) or CustomerIndicator.objects.filter(month=month).exists()


def customer_indicator_rows(*, customers: QuerySet, month: dt.date) -> list[tuple]:
    """The stored month rows of ``customers`` as (customer id, tier, business format, volume,
    volume_change_mom, forecast, requested), by customer: what the warning rules test."""
    return list(
        CustomerIndicator.objects.filter(month=month, customer__in=customers)
        .order_by("customer_id")
        .values_list(
            "customer_id",
            "customer__tier",
            "customer__business_format",
            "volume",
            "volume_change_mom",
            "forecast",
            "requested",
        )
    )
