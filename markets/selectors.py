"""Reading order lines and forecasts, always through a customer queryset the caller was
allowed to see (see ``customers.selectors.customers_visible_to``)."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth

from core.months import add_months

from .models import (
    CHECK_MODELS,
    Forecast,
    InventoryCheck,
    MarketInfo,
    OrderLine,
    PriceCheck,
    ShelfCheck,
)


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


def forecast_count(*, customers: QuerySet, month: dt.date) -> int:
    return Forecast.objects.filter(customer__in=customers, month=month).count()


EXACT_COUNT_BELOW = 1_000_000


def order_line_count() -> tuple[int, bool]:
    """How many order lines are stored, and whether the figure is exact. On PostgreSQL a
    table of millions of lines is not counted (a full scan, seconds): the planner's estimate
    from the last ANALYZE is given instead, flagged as approximate."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # partitioned by month: the sum over the partitions (a plain table: its own)
            cursor.execute(
                "SELECT coalesce((SELECT sum(greatest(c.reltuples, 0)) "
                "FROM pg_partition_tree(%(t)s::regclass) p JOIN pg_class c ON c.oid = p.relid "
                "WHERE p.isleaf), (SELECT reltuples FROM pg_class WHERE oid = %(t)s::regclass)"
                ")::bigint",
                {"t": OrderLine._meta.db_table},
            )
            estimate = cursor.fetchone()[0]
        if estimate >= EXACT_COUNT_BELOW:
            return estimate, False
    return OrderLine.objects.count(), True


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def customer_sku_volumes(*, customer_id: int, first: dt.date, last: dt.date, limit: int = 10):
    """The customer's most ordered SKUs over months ``first``..``last``."""
    return list(
        OrderLine.objects.filter(
            customer_id=customer_id, order_date__gte=first, order_date__lt=add_months(last, 1)
        )
        .values("sku_id", "sku__code", "sku__name", "sku__brand__name", "sku__is_key_brand")
        .annotate(
            volume=Sum("quantity"),
            requested=Sum("requested_quantity"),
            amount=Sum("amount"),
            order_days=Count("order_date", distinct=True),
        )
        .order_by("-volume", "sku__code")[:limit]
    )


def customer_key_sku_volumes(
    *, customer_id: int, key_skus, first: dt.date, last: dt.date
) -> list[dict]:
    """Every key SKU with the customer's volume over the months (0 when not ordered)."""
    skus = list(key_skus)
    volumes = dict(
        OrderLine.objects.filter(
            customer_id=customer_id,
            sku__in=[s.pk for s in skus],
            order_date__gte=first,
            order_date__lt=add_months(last, 1),
        )
        .values("sku_id")
        .annotate(volume=Sum("quantity"))
        .values_list("sku_id", "volume")
    )
    return [{"sku": s, "volume": volumes.get(s.pk, 0)} for s in skus]


def customer_latest_observations(*, customer_id: int, since: dt.datetime) -> list[dict]:
    """Per SKU, the latest shelf check, inventory and observed price since ``since``."""
    by_sku: dict[int, dict] = {}

    def latest(model):
        rows = (
            model.objects.filter(customer_id=customer_id, observed_at__gte=since)
            .select_related("sku", "sku__brand")
            .order_by("sku_id", "-observed_at")
        )
        for row in rows:
            entry = by_sku.setdefault(row.sku_id, {"sku": row.sku})
            key = model._meta.model_name
            if key not in entry:
                entry[key] = row

    latest(ShelfCheck)
    latest(InventoryCheck)
    latest(PriceCheck)
    result = []
    for entry in by_sku.values():
        price = entry.get("pricecheck")
        retail = entry["sku"].retail_price
        entry["price_index"] = (price.price / retail) if price and retail else None
        result.append(entry)
    return sorted(result, key=lambda e: (not e["sku"].is_key_brand, e["sku"].code))


def customer_month_volumes(
    *, customer_ids, months: list[dt.date]
) -> dict[tuple[int, dt.date], int]:
    """(customer id, month) → delivered cartons, for the given customers and months, from one
    aggregation per month (each a date range on the order lines' date index)."""
    volumes: dict[tuple[int, dt.date], int] = {}
    for month in months:
        rows = (
            OrderLine.objects.filter(
                customer_id__in=customer_ids,
                order_date__gte=month,
                order_date__lt=add_months(month, 1),
            )
            .values("customer_id")
            .annotate(volume=Sum("quantity"))
            .order_by()
        )
        for row in rows:
            volumes[(row["customer_id"], month)] = row["volume"] or 0
    return volumes


def forecasts_of(*, customer_ids, month: dt.date) -> dict[int, int]:
    return dict(
        Forecast.objects.filter(customer_id__in=customer_ids, month=month).values_list(
            "customer_id", "quantity"
        )
    )


def checks_between(*, customer_ids, start: dt.datetime, end: dt.datetime) -> dict[int, dict]:
    """customer id → what was checked there between ``start`` and ``end`` (a visit's day):
    ``shelf`` {sku id: on shelf}, ``inventory`` {sku id: cartons}, ``price`` {sku id: yuan},
    ``info`` the market information text; the latest of each when there are several."""
    out: dict[int, dict] = {
        int(c): {"shelf": {}, "inventory": {}, "price": {}, "info": ""} for c in customer_ids
    }
    for key, (model, field) in CHECK_MODELS.items():
        rows = model.objects.filter(
            customer_id__in=out, observed_at__gte=start, observed_at__lt=end
        ).order_by("observed_at", "id")
        for customer_id, sku_id, value in rows.values_list("customer_id", "sku_id", field):
            out[customer_id][key][sku_id] = value
    infos = MarketInfo.objects.filter(
        customer_id__in=out, observed_at__gte=start, observed_at__lt=end
    ).order_by("observed_at", "id")
    for customer_id, content in infos.values_list("customer_id", "content"):
        out[customer_id]["info"] = content
    return out


def last_checks_before(*, customer_ids, sku_ids, before: dt.datetime) -> dict[tuple, dict]:
    """(customer id, sku id) → the last ``inventory`` (cartons, with ``inventory_at``) and
    ``price`` (yuan, with ``price_at``) observed before ``before``: what the visit sheet
    prints for the manager to compare with. One query per kind, however many customers."""
    return last_checks_before_each(customer_ids=customer_ids, sku_ids=sku_ids, befores=[before])[
        before
    ]


def last_checks_before_each(
    *, customer_ids, sku_ids, befores: list[dt.datetime]
) -> dict[dt.datetime, dict[tuple, dict]]:
    """``last_checks_before`` for each of ``befores`` at once (a week of visit sheets: one
    query per kind, not one per kind and day): each pair's checks newest first, the first
    one before each moment kept."""
    out: dict[dt.datetime, dict[tuple, dict]] = {before: {} for before in befores}
    if not befores:
        return out
    latest = max(befores)
    for key in ("inventory", "price"):
        model, field = CHECK_MODELS[key]
        rows = (
            model.objects.filter(
                customer_id__in=customer_ids, sku_id__in=sku_ids, observed_at__lt=latest
            )
            .order_by("customer_id", "sku_id", "-observed_at", "-id")
            .values_list("customer_id", "sku_id", field, "observed_at")
        )
        for customer_id, sku_id, value, at in rows:
            for before in befores:
                if at < before:
                    entry = out[before].setdefault((customer_id, sku_id), {})
                    if key not in entry:
                        entry[key], entry[f"{key}_at"] = value, at
    return out


def skus_ordered_by_customer(
    *, customer_ids, sku_ids, first: dt.date, before: dt.date
) -> dict[int, list[int]]:
    """customer id → the ids among ``sku_ids`` it ordered from ``first`` up to (not
    including) ``before``, most cartons first: one aggregation.

    The lines are found by customer and a range of ``order_date`` (on PostgreSQL only the
    month partitions of that range are read) on the (customer, order_date, SKU) key; the
    SKUs are a filter on the lines found (``sku_id + 0``), not a condition of the index
    scan: with both lists in the index condition PostgreSQL descends the index once per
    customer × SKU pair (136 × 38 for a week's sheet, 28,000 pages read, 55 ms) instead of
    once per customer (740 pages, 18 ms)."""
    rows = (
        OrderLine.objects.filter(
            customer_id__in=customer_ids,
            order_date__gte=first,
            order_date__lt=before,
        )
        .alias(sku_filtered=F("sku_id") + 0)
        .filter(sku_filtered__in=sku_ids)
        .values("customer_id", "sku_id")
        .annotate(volume=Sum("quantity"))
        .order_by("customer_id", "-volume", "sku_id")
    )
    sold: dict[int, list[int]] = {}
    for row in rows:
        sold.setdefault(row["customer_id"], []).append(row["sku_id"])
    return sold


def latest_checks(
    *,
    kind: str,
    customers: QuerySet,
    before: dt.datetime,
    since: dt.datetime | None = None,
    sku_ids=None,
) -> list[tuple]:
    """The latest check of ``kind`` (``shelf``, ``inventory``, ``price``) per customer × SKU
    at ``customers``, observed from ``since`` (else ever) up to ``before`` (ties: the later
    record), optionally only of ``sku_ids``: (customer id, sku id, value, observed_at) rows
    ordered by customer and SKU. One query; the database ranks the checks, so only the
    winners travel (the indicator job and the warning rules both read them)."""
    model, field = CHECK_MODELS[kind]
    checks = model.objects.filter(customer__in=customers, observed_at__lt=before)
    if since is not None:
        checks = checks.filter(observed_at__gte=since)
    if sku_ids is not None:
        checks = checks.filter(sku_id__in=sku_ids)
    ranked = checks.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("customer_id"), F("sku_id")],
            order_by=[F("observed_at").desc(), F("id").desc()],
        )
    )
    return list(
        ranked.filter(rank=1)
        .order_by("customer_id", "sku_id")
        .values_list("customer_id", "sku_id", field, "observed_at")
    )


def customer_sku_month_volumes(*, pairs: list[tuple[int, int]], month: dt.date) -> list[tuple]:
    """(customer id, sku id, cartons) ordered in ``month`` for each of the (customer id, sku
    id) ``pairs`` that has an order line, ordered by customer and SKU. Only the pairs asked
    for are summed (a month's inventory checks: tens of thousands at city scale, where the
    customers × SKUs they span are a million); on PostgreSQL they are joined as arrays."""
    if not pairs:
        return []
    first, last = month, add_months(month, 1)
    if connection.vendor == "postgresql":
        customers, skus = (list(x) for x in zip(*pairs, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT o.customer_id, o.sku_id, SUM(o.quantity)"
                f" FROM {OrderLine._meta.db_table} o"
                " JOIN unnest(%s::bigint[], %s::bigint[]) AS p(customer_id, sku_id)"
                " ON o.customer_id = p.customer_id AND o.sku_id = p.sku_id"
                " WHERE o.order_date >= %s AND o.order_date < %s"
                " GROUP BY o.customer_id, o.sku_id ORDER BY o.customer_id, o.sku_id",
                [customers, skus, first, last],
            )
            return cursor.fetchall()
    wanted = set(pairs)
    rows = (
        OrderLine.objects.filter(
            order_date__gte=first,
            order_date__lt=last,
            customer_id__in={c for c, _ in wanted},
            sku_id__in={s for _, s in wanted},
        )
        .values("customer_id", "sku_id")
        .annotate(volume=Sum("quantity"))
        .order_by("customer_id", "sku_id")
        .values_list("customer_id", "sku_id", "volume")
    )
    return [row for row in rows if (row[0], row[1]) in wanted]


SEGMENT_DIMENSIONS = ("trade_area", "business_format")
# work_mem of the brand × customer aggregation (PostgreSQL), for that statement only
AGGREGATE_WORK_MEM = "96MB"


def brand_segment_reach(
    *, customers: QuerySet, brand_ids, first: dt.date, last: dt.date
) -> list[tuple]:
    """Where each brand sells over months ``first``..``last`` (first days of months):
    (dimension, brand id, segment, ordering customers, cartons) rows, ``dimension`` being
    ``trade_area`` (商圈) or ``business_format`` (业态) and ``segment`` the customer's value
    of it ("" when not recorded). A customer "orders" a brand when its delivered cartons of
    the brand's SKUs over the months are above 0; only ``customers`` count.

    One statement: the lines of the range (on PostgreSQL only the months' partitions are
    read) reduced once to brand × customer sums on two integer keys — at most brands ×
    customers rows, whatever the number of lines — then joined to ``customers`` and counted
    per segment of each dimension. On PostgreSQL the statement gets ``AGGREGATE_WORK_MEM``
    (a city month is some 360,000 brand × customer pairs: with the default 4 MB the
    aggregation spills to disk in 30-odd batches)."""
    pairs = (
        OrderLine.objects.filter(
            order_date__gte=first,
            order_date__lt=add_months(last, 1),
            sku__brand_id__in=list(brand_ids),
        )
        .values(brand=F("sku__brand_id"), buyer=F("customer_id"))
        .annotate(volume=Sum("quantity"))
        .filter(volume__gt=0)
        .order_by()
    )
    inner, params = pairs.query.sql_with_params()
    buyers, buyer_params = (
        customers.order_by().values("id", "trade_area", "business_format").query.sql_with_params()
    )
    sql = (
        f"WITH pairs AS ({inner}), buyers AS ({buyers}), "
        "joined AS (SELECT p.brand AS brand, p.volume AS volume, c.trade_area AS area, "
        "c.business_format AS format FROM pairs p JOIN buyers c ON c.id = p.buyer) "
        "SELECT 'trade_area', brand, area, COUNT(*), SUM(volume) FROM joined "
        "GROUP BY brand, area "
        "UNION ALL "
        "SELECT 'business_format', brand, format, COUNT(*), SUM(volume) FROM joined "
        "GROUP BY brand, format"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'")
        cursor.execute(sql, (*params, *buyer_params))
        return [
            (dimension, brand, segment or "", int(count), int(volume or 0))
            for dimension, brand, segment, count, volume in cursor.fetchall()
        ]
