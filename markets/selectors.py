"""Reading order lines and forecasts, always through a customer queryset the caller was
allowed to see (see ``customers.selectors.customers_visible_to``)."""

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from core.months import add_months

from .models import Forecast, OrderLine


def monthly_totals(*, customers: QuerySet, first: dt.date, last: dt.date) -> list[dict]:
    """Volume, amount and ordering customers per month for months ``first``..``last``
    (first days of months), oldest first; months without orders are included with zeros."""
    rows = (
        OrderLine.objects.filter(
            customer__in=customers, order_date__gte=first, order_date__lt=add_months(last, 1)
        )
        .annotate(month=TruncMonth("order_date"))
        .values("month")
        .annotate(
            volume=Sum("quantity"),
            amount=Sum("amount"),
            customers=Count("customer_id", distinct=True),
        )
    )
    by_month = {_as_date(row["month"]): row for row in rows}
    result, month = [], first
    while month <= last:
        row = by_month.get(month, {})
        result.append(
            {
                "month": month,
                "volume": row.get("volume") or 0,
                "amount": row.get("amount") or 0,
                "customers": row.get("customers") or 0,
            }
        )
        month = add_months(month, 1)
    return result


def volume_by_manager(*, customers: QuerySet, month: dt.date) -> dict[int, int]:
    rows = (
        OrderLine.objects.filter(
            customer__in=customers, order_date__gte=month, order_date__lt=add_months(month, 1)
        )
        .values("customer__manager_id")
        .annotate(volume=Sum("quantity"))
    )
    return {row["customer__manager_id"]: row["volume"] or 0 for row in rows}


def forecast_count(*, customers: QuerySet, month: dt.date) -> int:
    return Forecast.objects.filter(customer__in=customers, month=month).count()


def order_line_count() -> int:
    return OrderLine.objects.count()


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
