"""Which customers a customer manager serves on a day (今日拜访, DESIGN.md §4 step 3), in
route order, each with the month's marketing actions and whether it was visited that day.

Which customers:

* the month's plan is approved and its weekly arrangement (周安排) has customers on the
  day: those customers (even on a day off: the manager arranged them);
* otherwise, on a day off of the work calendar (``core.workdays``: weekends, holidays):
  nobody (the page says it is a day off and offers the next workday);
* otherwise (the plan is not approved yet, or the approved arrangement leaves the day
  empty): the customers due by their visit frequency (see ``is_due``).

Customers actually visited that day are always listed too, even when the rule would not
have listed them, so the day's page shows every visit made on it.

Route order (``route_order``): nearest neighbour over latitude/longitude, starting from the
first customer by code that has coordinates; customers without coordinates follow in code
order. The visit sheet (PDF) prints the same list in the same order."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from core.months import month_start
from core.workdays import WorkDay, calendar_days
from customers.models import Customer, VisitFrequency

from ..models import Cycle, MarketingAction, PlannedVisit, PlanStatus, Visit
from .cycles import cycle_rows, own_customers

T = TypeVar("T")

RULE_PLANNED = "planned"
RULE_NOT_APPROVED = "not_approved"
RULE_NO_PLANNED_DAY = "no_planned_day"
RULE_DAY_OFF = "day_off"

RULE_TEXTS = {
    RULE_PLANNED: _("按已批准月计划的周安排列出当天安排拜访的客户。"),
    RULE_NOT_APPROVED: _(
        "月计划尚未批准，按拜访频率列出应拜访的客户：每周客户 7 天内未拜访、"
        "双周客户 14 天内未拜访、每月客户本月未拜访。"
    ),
    RULE_NO_PLANNED_DAY: _(
        "周安排当天没有客户，按拜访频率列出应拜访的客户：每周客户 7 天内未拜访、"
        "双周客户 14 天内未拜访、每月客户本月未拜访。"
    ),
    RULE_DAY_OFF: _("休息日不按拜访频率列出客户；当天实际拜访的客户仍会列出。"),
}

# days a visit keeps a customer of that frequency served; monthly counts the calendar month
FREQUENCY_DAYS = {VisitFrequency.WEEKLY: 7, VisitFrequency.BIWEEKLY: 14}
LOOKBACK_DAYS = max(FREQUENCY_DAYS.values())

CUSTOMER_FIELDS = (
    "id",
    "code",
    "name",
    "address",
    "phone",
    "contact",
    "latitude",
    "longitude",
    "visit_frequency",
    "visit_method",
    "market_type",
)


# --- route order --------------------------------------------------------------------------


def _located(customer) -> bool:
    return customer.latitude is not None and customer.longitude is not None


def _distance(a, b) -> float:
    """Squared equirectangular distance: enough to compare neighbours within a city."""
    lat_a, lat_b = float(a.latitude), float(b.latitude)
    x = (float(b.longitude) - float(a.longitude)) * math.cos(math.radians((lat_a + lat_b) / 2))
    y = lat_b - lat_a
    return x * x + y * y


def route_order(customers: Iterable[T]) -> list[T]:
    """Nearest neighbour from the first located customer by code (ties go to the lower
    code); customers without coordinates last, in code order."""
    located = sorted((c for c in customers if _located(c)), key=lambda c: c.code)
    unlocated = sorted((c for c in customers if not _located(c)), key=lambda c: c.code)
    if not located:
        return unlocated
    route = [located.pop(0)]
    while located:
        here = route[-1]
        nearest = min(
            range(len(located)), key=lambda i: (_distance(here, located[i]), located[i].code)
        )
        route.append(located.pop(nearest))
    return route + unlocated


# --- due by visit frequency ---------------------------------------------------------------


def is_due(*, frequency: str, last_visit: dt.date | None, date: dt.date) -> bool:
    """Whether a customer should be visited on ``date``, given its last visit before that
    day (None: none in the look-back window):

    * weekly (每周): not visited in the last 7 days, i.e. the last visit was 7 or more
      days before ``date`` (visited last Monday: due again this Monday);
    * biweekly (双周): not visited in the last 14 days, the same way;
    * monthly (每月), and a customer without a frequency: not visited yet this calendar
      month.

    A visit counts when it was checked in (进店签到): a visit log merely opened is not a
    visit."""
    if last_visit is None:
        return True
    days = FREQUENCY_DAYS.get(frequency)
    if days is not None:
        return (date - last_visit).days >= days
    return last_visit < month_start(date)


def last_visits_before(*, customer_ids: Iterable[int], date: dt.date) -> dict[int, dt.date]:
    """customer id → date of the last checked-in visit before ``date``, looking back far
    enough for every frequency (14 days, or to the month's start when that is earlier).
    One aggregate query."""
    return last_visits_before_each(customer_ids=customer_ids, dates=[date])[date]


def last_visits_before_each(
    *, customer_ids: Iterable[int], dates: Sequence[dt.date]
) -> dict[dt.date, dict[int, dt.date]]:
    """``last_visits_before`` for each of ``dates`` at once: one query (one aggregate for a
    single date; for several, the checked-in visit days of the whole span, reduced here)."""
    ids = list(customer_ids)
    if len(dates) == 1:
        date = dates[0]
        rows = (
            Visit.objects.filter(
                customer_id__in=ids,
                date__gte=_lookback_start(date),
                date__lt=date,
                checked_in_at__isnull=False,
            )
            .values("customer_id")
            .annotate(last=Max("date"))
            .order_by()
        )
        return {date: {row["customer_id"]: row["last"] for row in rows}}
    visited = (
        Visit.objects.filter(
            customer_id__in=ids,
            date__gte=min(_lookback_start(d) for d in dates),
            date__lt=max(dates),
            checked_in_at__isnull=False,
        )
        .values_list("customer_id", "date")
        .distinct()
        .order_by("date")
    )
    out: dict[dt.date, dict[int, dt.date]] = {date: {} for date in dates}
    for customer_id, day in visited:  # in date order: the last one before a date stays
        for date in dates:
            if _lookback_start(date) <= day < date:
                out[date][customer_id] = day
    return out


def _lookback_start(date: dt.date) -> dt.date:
    return min(date - dt.timedelta(days=LOOKBACK_DAYS), month_start(date))


def due_by_frequency(
    customers: Iterable[T], *, last_visits: Mapping[int, dt.date], date: dt.date
) -> list[T]:
    """The customers due on ``date`` by their visit frequency (see ``is_due``)."""
    return [
        c
        for c in customers
        if is_due(frequency=c.visit_frequency, last_visit=last_visits.get(c.pk), date=date)
    ]


# --- the day's list -----------------------------------------------------------------------


@dataclass
class TodayEntry:
    customer: Customer
    actions: list[MarketingAction] = field(default_factory=list)
    visit: Visit | None = None
    listed: bool = True  # on the list by the day's rule (False: only visited that day)
    last_visit: dt.date | None = None

    @property
    def visited(self) -> bool:
        return self.visit is not None and self.visit.checked_in_at is not None

    @property
    def open_actions(self) -> list[MarketingAction]:
        return [a for a in self.actions if a.done_at is None]


@dataclass
class TodayList:
    cycle: Cycle
    date: dt.date
    rule: str
    entries: list[TodayEntry]
    work_day: WorkDay

    @property
    def day_off(self) -> bool:
        return not self.work_day.is_workday

    @property
    def rule_text(self) -> str:
        return RULE_TEXTS[self.rule]

    @property
    def by_plan(self) -> bool:
        return self.rule == RULE_PLANNED

    @property
    def visited_count(self) -> int:
        return sum(1 for e in self.entries if e.visited)

    @property
    def listed_count(self) -> int:
        return sum(1 for e in self.entries if e.listed)


def _actions_by_customer(cycle: Cycle, customer_ids: Sequence[int]) -> dict[int, list]:
    """The month's actions (not removed) per customer: planned ☆ first, then temporary ●,
    each in the order they were added; done ones keep their place and show ★."""
    actions: dict[int, list[MarketingAction]] = defaultdict(list)
    rows = (
        cycle_rows(MarketingAction.objects, cycle)
        .filter(customer_id__in=list(customer_ids), removed_at__isnull=True)
        .order_by("customer_id", "temporary", "id")
    )
    for action in rows:
        actions[action.customer_id].append(action)
    return actions


def today_customers(*, cycle: Cycle, date: dt.date) -> TodayList:
    """The customers ``cycle``'s manager serves on ``date`` (a day of the cycle's month), in
    route order, by the rule of this module's docstring. A fixed number of queries whatever
    the number of customers."""
    return today_lists(cycle=cycle, dates=[date])[0]


def today_lists(*, cycle: Cycle, dates: Sequence[dt.date]) -> list[TodayList]:
    """``today_customers`` for each of ``dates`` (days of the cycle's month, in order):
    the same six queries for a week as for a day (the visit sheet of a week)."""
    dates = list(dates)
    if not dates:
        return []
    calendar = calendar_days(min(dates), max(dates))
    customers = own_customers(cycle).only(*CUSTOMER_FIELDS)
    visits: dict[dt.date, dict[int, Visit]] = {date: {} for date in dates}
    for visit in cycle_rows(Visit.objects, cycle).filter(date__in=dates):
        visits[visit.date][visit.customer_id] = visit
    approved = cycle.plan_status == PlanStatus.APPROVED
    planned: dict[dt.date, set[int]] = {date: set() for date in dates}
    if approved:
        rows = PlannedVisit.objects.filter(cycle=cycle, date__in=dates).values_list(
            "date", "customer_id"
        )
        for date, customer_id in rows:
            planned[date].add(customer_id)
    # by frequency (every customer needed): a workday without planned customers
    by_frequency = [d for d in dates if not planned[d] and calendar[d].is_workday]
    if by_frequency:
        everyone = list(customers)
    else:
        wanted = set().union(*planned.values(), *(set(v) for v in visits.values()))
        everyone = list(customers.filter(pk__in=wanted))
    shown: dict[dt.date, list[Customer]] = {}
    listed_ids: dict[dt.date, set[int]] = {}
    rules: dict[dt.date, str] = {}
    for date in dates:
        day_visits = visits[date]
        if planned[date]:
            rules[date], listed_ids[date] = RULE_PLANNED, planned[date]
        elif not calendar[date].is_workday:
            rules[date], listed_ids[date] = RULE_DAY_OFF, set()
        else:
            rules[date] = RULE_NO_PLANNED_DAY if approved else RULE_NOT_APPROVED
            continue  # listed by frequency: needs the last visits first
        shown[date] = [c for c in everyone if c.pk in listed_ids[date] or c.pk in day_visits]
    last_visits = last_visits_before_each(
        customer_ids=sorted({c.pk for c in everyone} if by_frequency else _ids(shown)),
        dates=dates,
    )
    for date in by_frequency:
        due = due_by_frequency(everyone, last_visits=last_visits[date], date=date)
        listed_ids[date] = {c.pk for c in due}
        shown[date] = [c for c in everyone if c.pk in listed_ids[date] or c.pk in visits[date]]
    ordered = {date: route_order(shown[date]) for date in dates}
    actions = _actions_by_customer(cycle, sorted(_ids(ordered)))
    return [
        TodayList(
            cycle=cycle,
            date=date,
            rule=rules[date],
            entries=[
                TodayEntry(
                    customer=c,
                    actions=actions.get(c.pk, []),
                    visit=visits[date].get(c.pk),
                    listed=c.pk in listed_ids[date],
                    last_visit=last_visits[date].get(c.pk),
                )
                for c in ordered[date]
            ],
            work_day=calendar[date],
        )
        for date in dates
    ]


def _ids(customers_by_date: Mapping[dt.date, list[Customer]]) -> set[int]:
    return {c.pk for customers in customers_by_date.values() for c in customers}
