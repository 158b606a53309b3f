"""Reading a plan's weekly arrangement: the days of the month with their planned customers
and limits, and the customers still without a day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from core.workdays import month_days
from customers.models import MarketType

from ..models import Cycle, MarketingAction, PlannedVisit
from .cycles import cycle_rows, own_customers

DAY_LIMIT_URBAN = 30
DAY_LIMIT_RURAL = 25


@dataclass
class Day:
    date: dt.date
    customers: int
    rural: int
    limit: int
    workday: bool = True  # the work calendar's (core.workdays): weekends and holidays are off
    name: str = ""  # the calendar's name for the day, if an admin gave one (国庆节, 调休上班)

    @property
    def over(self) -> bool:
        return self.customers > self.limit


def day_limit(*, customers: int, rural: int) -> int:
    """DESIGN.md §4 step 3: about 30 customers a day in urban markets, 25 in rural ones; a
    day mostly in rural markets gets the rural limit."""
    return DAY_LIMIT_RURAL if customers and rural * 2 > customers else DAY_LIMIT_URBAN


def schedule_days(*, cycle: Cycle) -> list[Day]:
    """Every day of the plan's month with its planned customers, its limit and whether it is
    a workday (two queries)."""
    rows = (
        cycle_rows(PlannedVisit.objects, cycle)
        .values("date")
        .annotate(
            n=Count("id"), rural=Count("id", filter=Q(customer__market_type=MarketType.RURAL))
        )
        .order_by()
    )
    counts = {row["date"]: (row["n"], row["rural"]) for row in rows}
    days = []
    for date, work in month_days(cycle.month).items():
        n, rural = counts.get(date, (0, 0))
        limit = day_limit(customers=n, rural=rural)
        days.append(Day(date, n, rural, limit, work.is_workday, work.name))
    return days


def calendar_weeks(days: list[Day]) -> list[list[Day | None]]:
    """The days laid out Monday to Sunday, padded with None."""
    weeks: list[list[Day | None]] = [[None] * days[0].date.weekday()]
    for day in days:
        if len(weeks[-1]) == 7:
            weeks.append([])
        weeks[-1].append(day)
    weeks[-1] += [None] * (7 - len(weeks[-1]))
    return weeks


def unscheduled_customers(*, cycle: Cycle):
    """Customers with open actions in the plan but no planned visit day."""
    planned = cycle_rows(PlannedVisit.objects, cycle).filter(customer_id=OuterRef("customer_id"))
    ids = (
        cycle_rows(MarketingAction.objects, cycle)
        .filter(removed_at__isnull=True)
        .exclude(Exists(planned))
        .values("customer_id")
    )
    return own_customers(cycle).filter(pk__in=ids).order_by("code")


def day_customers(*, cycle: Cycle, date: dt.date):
    """The plan's customers for a day editor: every own active customer, with whether they
    are planned that day, how many days they have, and how many open actions."""
    planned = cycle_rows(PlannedVisit.objects, cycle)
    days = Counter(planned.values_list("customer_id", flat=True))
    actions = Counter(
        cycle_rows(MarketingAction.objects, cycle)
        .filter(removed_at__isnull=True)
        .values_list("customer_id", flat=True)
    )
    customers = list(
        own_customers(cycle)
        .annotate(planned=Exists(planned.filter(customer=OuterRef("pk"), date=date)))
        .only("id", "code", "name", "address", "trade_area", "market_type", "visit_frequency")
        .order_by("trade_area", "code")
    )
    for customer in customers:
        customer.days_count = days.get(customer.pk, 0)
        customer.actions_count = actions.get(customer.pk, 0)
    return customers
