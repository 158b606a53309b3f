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
from core.workdays import WorkDay, work_day
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
    since = min(date - dt.timedelta(days=LOOKBACK_DAYS), month_start(date))
    rows = (
        Visit.objects.filter(
            customer_id__in=list(customer_ids),
            date__gte=since,
            date__lt=date,
            checked_in_at__isnull=False,
        )
        .values("customer_id")
        .annotate(last=Max("date"))
        .order_by()
    )
    return {row["customer_id"]: row["last"] for row in rows}


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
    day = work_day(date)
    customers = own_customers(cycle).only(*CUSTOMER_FIELDS)
    visits = {v.customer_id: v for v in cycle_rows(Visit.objects, cycle).filter(date=date)}
    approved = cycle.plan_status == PlanStatus.APPROVED
    planned: set[int] = set()
    if approved:
        planned = set(
            PlannedVisit.objects.filter(cycle=cycle, date=date).values_list(
                "customer_id", flat=True
            )
        )
    if planned:
        rule = RULE_PLANNED
        shown = list(customers.filter(pk__in=planned | set(visits)))
        listed_ids = planned
        last_visits = last_visits_before(customer_ids=[c.pk for c in shown], date=date)
    elif not day.is_workday:
        rule = RULE_DAY_OFF
        shown = list(customers.filter(pk__in=set(visits)))
        listed_ids = set()
        last_visits = last_visits_before(customer_ids=[c.pk for c in shown], date=date)
    else:
        rule = RULE_NO_PLANNED_DAY if approved else RULE_NOT_APPROVED
        everyone = list(customers)
        last_visits = last_visits_before(customer_ids=[c.pk for c in everyone], date=date)
        listed_ids = {c.pk for c in due_by_frequency(everyone, last_visits=last_visits, date=date)}
        shown = [c for c in everyone if c.pk in listed_ids or c.pk in visits]
    ordered = route_order(shown)
    actions = _actions_by_customer(cycle, [c.pk for c in ordered])
    entries = [
        TodayEntry(
            customer=c,
            actions=actions.get(c.pk, []),
            visit=visits.get(c.pk),
            listed=c.pk in listed_ids,
            last_visit=last_visits.get(c.pk),
        )
        for c in ordered
    ]
    return TodayList(
        cycle=cycle,
        date=date,
        rule=rule,
        entries=entries,
        work_day=day,
    )
