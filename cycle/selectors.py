"""Reading monthly cycles, plans and feeds. Who may see whose work is decided by
``accounts.selectors.managers_visible_to`` (DESIGN.md §2); brand managers see only the
brand-task part of a feed."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, Manager, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import (
    access_manager,
    can_see_brand_tasks,
    leads_team,
    reads_brand_part_only,
    reads_feeds,
)
from accounts.selectors import managers_visible_to
from core.months import add_months, month_end, month_start
from customers.models import MarketType

from .models import (
    ActionSource,
    ApprovalRecord,
    BrandTask,
    Cycle,
    Document,
    EntryKind,
    FeedEntry,
    FeedRead,
    MarketingAction,
    PlannedVisit,
    PlanStatus,
    ReviewStatus,
)
from .services import own_customers

DAY_LIMIT_URBAN = 30
DAY_LIMIT_RURAL = 25


def cycle_for(*, user: User, manager: User | int, month: dt.date) -> Cycle:
    """The cycle of ``manager`` (a user or a user id) for the month of ``month``, if ``user``
    may see that customer manager's work; else Http404 (whether or not the manager exists).

    Reading never creates a cycle: a month nobody has written into yet is an unsaved
    default cycle (a draft plan, pk None) that every page renders as empty. Its customer
    manager's first write creates the row (``services.cycle_start``)."""
    manager_id = manager.pk if isinstance(manager, User) else manager
    visible = managers_visible_to(user=user).filter(pk=manager_id).select_related("team").first()
    if visible is None:
        raise Http404("no such customer manager")
    first = month_start(month)
    cycle = Cycle.objects.filter(manager=visible, month=first).first()
    if cycle is None:
        cycle = Cycle(manager=visible, month=first)
    cycle.manager = visible
    return cycle


def started(cycle: Cycle) -> bool:
    """Whether the cycle has its row (a month not started is an unsaved cycle)."""
    return cycle.pk is not None


def cycle_rows(rows: Manager | QuerySet, cycle: Cycle) -> QuerySet:
    """``rows`` (a model's manager or a queryset of a model with a ``cycle``) of ``cycle``.
    A month not started has none; filtering by its unsaved cycle would be an error, so
    every read of a cycle's rows goes through here."""
    return rows.filter(cycle=cycle) if started(cycle) else rows.none()


def plan_for(*, user: User, username: str, month: dt.date) -> Cycle:
    """The plan (cycle) of the customer manager ``username`` for ``month``, or Http404."""
    return cycle_for(user=user, manager=access_manager(user, username), month=month)


def plan_history(*, cycle: Cycle) -> QuerySet[ApprovalRecord]:
    return _history(cycle, Document.PLAN)


def evaluation_history(*, cycle: Cycle) -> QuerySet[ApprovalRecord]:
    return _history(cycle, Document.EVALUATION)


def _history(cycle: Cycle, document: str) -> QuerySet[ApprovalRecord]:
    return (
        cycle_rows(ApprovalRecord.objects, cycle)
        .filter(document=document)
        .select_related("by")
        .order_by("at", "id")
    )


def approval_queue(*, user: User) -> QuerySet[Cycle]:
    """Plans waiting for ``user``'s decision: only a market manager decides, on their team."""
    return submitted_plans(_decided_by(user))


def evaluation_queue(*, user: User) -> QuerySet[Cycle]:
    """Month-end evaluations waiting for ``user``'s review: a market manager's, of their
    team, as for plans."""
    return submitted_evaluations(_decided_by(user))


def _decided_by(user: User) -> QuerySet[Cycle]:
    if not leads_team(user):
        return Cycle.objects.none()
    return Cycle.objects.filter(manager__team__market_manager=user).exclude(manager=user)


def submitted_plans(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Of ``cycles``, the plans waiting for a decision, oldest first, with their number of
    actions (``actions_count``)."""
    return (
        cycles.filter(plan_status=PlanStatus.SUBMITTED)
        .select_related("manager")
        .annotate(actions_count=Count("actions", filter=Q(actions__removed_at__isnull=True)))
        .order_by("plan_submitted_at", "id")
    )


def submitted_evaluations(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Of ``cycles``, the month-end evaluations waiting for review, oldest first, with their
    improvement items not yet reviewed (``improvements_pending``)."""
    return (
        cycles.filter(evaluation_status=PlanStatus.SUBMITTED)
        .select_related("manager")
        .annotate(improvements_pending=_pending_items())
        .order_by("evaluation_submitted_at", "id")
    )


def pending_improvements(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Of ``cycles``, those with improvement items not yet reviewed (``pending``), by month
    and manager."""
    return (
        cycles.select_related("manager")
        .annotate(pending=_pending_items())
        .filter(pending__gt=0)
        .order_by("month", "manager__username")
    )


def _pending_items() -> Count:
    return Count("improvements", filter=Q(improvements__review_status=ReviewStatus.PENDING))


def team_plans(*, user: User, month: dt.date) -> list[tuple[User, Cycle | None]]:
    """Each customer manager ``user`` may see with their plan for the month (None when they
    have not opened it yet)."""
    managers = list(managers_visible_to(user=user).select_related("team").order_by("username"))
    cycles = {
        c.manager_id: c
        for c in Cycle.objects.filter(month=month, manager__in=[m.pk for m in managers])
    }
    return [(m, cycles.get(m.pk)) for m in managers]


# --- actions ------------------------------------------------------------------------------


@dataclass
class CustomerActions:
    customer: object
    actions: list[MarketingAction]
    days: list[dt.date]


def plan_actions(
    *, cycle: Cycle, source: str = "", search: str = "", include_removed: bool = False
) -> list[CustomerActions]:
    """The plan's actions grouped by customer (code order), each group with the customer's
    planned visit days; optionally only one source's actions, or customers whose code or
    name contains ``search``. Removed actions are left out unless asked for."""
    actions = (
        cycle_rows(MarketingAction.objects, cycle)
        .select_related("customer", "origin__cycle", "sku", "removed_by")
        .order_by("customer__code", "id")
    )
    if not include_removed:
        actions = actions.filter(removed_at__isnull=True)
    if source:
        actions = actions.filter(source=source)
    if search:
        actions = actions.filter(
            Q(customer__code__icontains=search) | Q(customer__name__icontains=search)
        )
    days = _planned_days(cycle)
    groups: dict[int, CustomerActions] = {}
    for action in actions:
        group = groups.get(action.customer_id)
        if group is None:
            group = groups[action.customer_id] = CustomerActions(
                action.customer, [], days.get(action.customer_id, [])
            )
        group.actions.append(action)
    return list(groups.values())


def removed_actions(*, cycle: Cycle) -> QuerySet[MarketingAction]:
    return (
        cycle_rows(MarketingAction.objects, cycle)
        .filter(removed_at__isnull=False)
        .select_related("customer", "removed_by")
        .order_by("-removed_at")
    )


def action_counts(*, cycle: Cycle) -> dict[str, int]:
    rows = (
        cycle_rows(MarketingAction.objects, cycle)
        .filter(removed_at__isnull=True)
        .values("source")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {source: 0 for source in ActionSource.values}
    counts.update({row["source"]: row["n"] for row in rows})
    counts["total"] = sum(counts[s] for s in ActionSource.values)
    return counts


def action_get(*, cycle: Cycle, pk: int) -> MarketingAction:
    found = cycle_rows(MarketingAction.objects, cycle).filter(pk=pk).select_related("cycle").first()
    if found is None:
        raise Http404("no such action")
    return found


def _planned_days(cycle: Cycle) -> dict[int, list[dt.date]]:
    days: dict[int, list[dt.date]] = defaultdict(list)
    planned = cycle_rows(PlannedVisit.objects, cycle).order_by("date")
    for customer_id, date in planned.values_list("customer_id", "date"):
        days[customer_id].append(date)
    return days


# --- the weekly arrangement ---------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    customers: int
    rural: int
    limit: int

    @property
    def over(self) -> bool:
        return self.customers > self.limit


def day_limit(*, customers: int, rural: int) -> int:
    """DESIGN.md §4 step 3: about 30 customers a day in urban markets, 25 in rural ones; a
    day mostly in rural markets gets the rural limit."""
    return DAY_LIMIT_RURAL if customers and rural * 2 > customers else DAY_LIMIT_URBAN


def schedule_days(*, cycle: Cycle) -> list[Day]:
    """Every day of the plan's month with its planned customers and its limit."""
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
    date = cycle.month
    while date <= month_end(cycle.month):
        n, rural = counts.get(date, (0, 0))
        days.append(Day(date, n, rural, day_limit(customers=n, rural=rural)))
        date += dt.timedelta(days=1)
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


# --- the interaction feed -----------------------------------------------------------------


def _brand_part() -> Q:
    return Q(brand_task__isnull=False)


def feed_entries(*, user: User, manager: User) -> QuerySet[FeedEntry]:
    """The entries of ``manager``'s feed that ``user`` may read (the caller has already
    checked that ``user`` may see ``manager``)."""
    entries = FeedEntry.objects.filter(manager=manager)
    if reads_brand_part_only(user):
        entries = entries.filter(_brand_part())
    return (
        entries.select_related("author", "reply_to", "brand_task__sku", "cycle")
        .prefetch_related("customers", "replies__author")
        .order_by("-created_at", "-id")
    )


def arrangement_get(*, manager: User, pk: int) -> FeedEntry:
    found = FeedEntry.objects.filter(manager=manager, pk=pk, kind=EntryKind.ARRANGEMENT).first()
    if found is None:
        raise Http404("no such arrangement")
    return found


def _unread_filter(user: User) -> QuerySet[FeedEntry]:
    read = FeedRead.objects.filter(user=user, manager=OuterRef("manager_id"))
    entries = FeedEntry.objects.filter(manager__in=managers_visible_to(user=user)).exclude(
        author=user
    )
    if reads_brand_part_only(user):
        entries = entries.filter(_brand_part())
    newer = Q(~Exists(read)) | Q(
        created_at__gt=FeedRead.objects.filter(user=user, manager=OuterRef("manager_id")).values(
            "read_at"
        )[:1]
    )
    return entries.filter(newer)


def feed_unread_total(*, user: User) -> int:
    if not reads_feeds(user):
        return 0
    return _unread_filter(user).count()


def feed_unread_by_manager(*, user: User) -> dict[int, int]:
    rows = _unread_filter(user).values("manager_id").annotate(n=Count("id")).order_by()
    return {row["manager_id"]: row["n"] for row in rows}


def feed_index(*, user: User) -> list[dict]:
    """The feeds ``user`` reads, each with its latest entry time and unread count."""
    managers = managers_visible_to(user=user).select_related("team").order_by("username")
    unread = feed_unread_by_manager(user=user)
    return [{"manager": m, "unread": unread.get(m.pk, 0)} for m in managers]


def brand_task_feed(*, user: User, kind: str | None = None):
    """The brand tasks' arrangements and their feedback, for brand managers and admins."""
    if not can_see_brand_tasks(user):
        return FeedEntry.objects.none()
    entries = FeedEntry.objects.filter(_brand_part()).select_related(
        "manager", "author", "brand_task__sku", "reply_to"
    )
    if kind is not None:
        entries = entries.filter(kind=kind)
    return entries.order_by("-created_at", "-id")


def brand_tasks_recent(*, limit: int = 50) -> list[BrandTask]:
    """Brand tasks are company-wide: every brand manager sees them all."""
    return list(BrandTask.objects.select_related("sku", "author")[:limit])


def previous_plan_month(month: dt.date) -> dt.date:
    return add_months(month, -1)
