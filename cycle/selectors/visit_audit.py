"""The visit audit (拜访稽核, DESIGN.md §7): for a month, the visits shorter than a minute,
the customers with no valid visit, and how many valid visits each customer manager made each
day — for a market manager's team, or any team for an admin. Also the month's shelf photos,
and (settings.VISIT_LOCATION_ENABLED) the check-ins made far from the customer: farther than
``VISIT_LOCATION_MAX_METERS`` (500 m) from the customer's coordinates, by the haversine
distance computed in SQL (the same formula as ``core.geo.haversine_m``); a visit without a
check-in position or a customer without coordinates is never listed.

Who is audited comes from ``accounts.selectors.managers_visible_to``; a manager or team the
user may not see is a 404. Every section is a fixed number of aggregate queries whatever the
team's size, and is computed only when the page (or the htmx partial) shows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, RowNumber, Sin, Sqrt
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.selectors import managers_visible_to, teams_visible_to
from core.geo import EARTH_RADIUS_M
from core.months import month_end
from core.workdays import month_days
from customers.models import Customer, CustomerStatus, MarketType

from ..execution_counts import visits_in_month
from ..models import ShelfPhoto, Visit
from ..models.visits import short_visit_q, valid_visit_q
from .schedule import day_limit

PAGE_SIZE = 50
SHORT_PAGE_SIZE = 20  # two lines each on a phone
FAR_PAGE_SIZE = 20
PHOTO_PAGE_SIZE = 12
# unvisited customers listed per manager on the team view; the rest one click away
SAMPLE = 10
WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


@dataclass
class Cell:
    valid: int
    short: int
    limit: int
    state: str  # "over" (past the day's limit), "zero" (a past workday without), "future", ""


@dataclass
class DayRow:
    date: dt.date
    cells: list[Cell]
    weekend: bool = False  # a day off of the work calendar (core.workdays): weekend, holiday

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]


@dataclass
class ManagerRow:
    manager: User
    customers: int
    unvisited: int
    valid: int = 0
    short: int = 0
    over_days: int = 0
    zero_days: int = 0
    sample: list[Customer] | None = None


class VisitAudit:
    """One month's audit of the customer managers ``user`` may see, optionally only one
    team (``team`` code) or one manager (``manager`` username)."""

    def __init__(
        self,
        *,
        user: User,
        month: dt.date,
        manager: str = "",
        team: str = "",
        short_page: str | int | None = 1,
        unvisited_page: str | int | None = 1,
        far_page: str | int | None = 1,
        photo_page: str | int | None = 1,
    ):
        self.user, self.month = user, month
        self.last_day = month_end(month)
        self.today = timezone.localdate()
        self._short_page, self._unvisited_page = short_page, unvisited_page
        self._far_page, self._photo_page = far_page, photo_page
        visible = managers_visible_to(user=user)
        self.team: Team | None = None
        if team:
            self.team = teams_visible_to(user=user).filter(code=team).first()
            if self.team is None:
                raise Http404("no such team")
            visible = visible.filter(team=self.team)
        self.chosen: User | None = None
        if manager:
            self.chosen = visible.filter(username=manager).first()
            if self.chosen is None:
                raise Http404("no such customer manager")
        self.managers_qs: QuerySet[User] = (
            visible.filter(pk=self.chosen.pk) if self.chosen else visible
        )

    # --- who -----------------------------------------------------------------------------

    @cached_property
    def choices(self) -> list[User]:
        """Every manager of the audited team(s), for the manager filter."""
        return list(
            managers_visible_to(user=self.user)
            .filter(**({"team": self.team} if self.team else {}))
            .select_related("team")
            .order_by("team__code", "username")
        )

    @cached_property
    def teams(self) -> list[Team]:
        """The teams an admin may narrow the audit to (one team needs no choice)."""
        teams = list(teams_visible_to(user=self.user).order_by("code"))
        return teams if len(teams) > 1 else []

    @cached_property
    def managers(self) -> list[User]:
        """The audited managers: the chosen one, else every one of the choices."""
        return [self.chosen] if self.chosen else self.choices

    # --- the month's visits ---------------------------------------------------------------

    def _visits(self) -> QuerySet[Visit]:
        return visits_in_month(self.month).filter(cycle__manager__in=self.managers_qs)

    @cached_property
    def _per_day(self) -> dict[tuple[int, dt.date], tuple[int, int, int]]:
        """(manager id, date) → (valid, short, valid in rural markets): one query."""
        rows = (
            self._visits()
            .values("cycle__manager_id", "date")
            .annotate(
                valid=Count("id", filter=valid_visit_q()),
                short=Count("id", filter=short_visit_q()),
                rural=Count(
                    "id", filter=valid_visit_q() & Q(customer__market_type=MarketType.RURAL)
                ),
            )
            .order_by()
            .values_list("cycle__manager_id", "date", "valid", "short", "rural")
        )
        return {(m, d): (valid, short, rural) for m, d, valid, short, rural in rows}

    @cached_property
    def _workdays(self) -> set[dt.date]:
        """The month's workdays (``core.workdays``): a day without visits is flagged only on
        them. One query."""
        return {d for d, day in month_days(self.month).items() if day.is_workday}

    def _cell(self, manager_id: int, date: dt.date) -> Cell:
        valid, short, rural = self._per_day.get((manager_id, date), (0, 0, 0))
        limit = day_limit(customers=valid, rural=rural)
        if valid > limit:
            state = "over"
        elif date >= self.today:
            state = "future" if date > self.today else ""
        elif valid == 0 and date in self._workdays:
            state = "zero"
        else:
            state = ""
        return Cell(valid, short, limit, state)

    @cached_property
    def days(self) -> list[DayRow]:
        """Every day of the month × every audited manager: valid visits and the day's state."""
        rows, date = [], self.month
        while date <= self.last_day:
            cells = [self._cell(m.pk, date) for m in self.managers]
            rows.append(DayRow(date, cells, weekend=date not in self._workdays))
            date += dt.timedelta(days=1)
        return rows

    # --- per manager ----------------------------------------------------------------------

    @cached_property
    def rows(self) -> list[ManagerRow]:
        """Each audited manager's month in figures, with the first unvisited customers."""
        counts = {
            row["manager_id"]: row
            for row in self._customers()
            .values("manager_id")
            .annotate(total=Count("id"), unvisited=Count("id", filter=~Q(self._visited())))
            .order_by()
        }
        samples: dict[int, list[Customer]] = {}
        if not self.chosen:
            for customer in self._sample():
                samples.setdefault(customer.manager_id, []).append(customer)
        out = []
        for index, manager in enumerate(self.managers):
            found = counts.get(manager.pk, {})
            row = ManagerRow(
                manager=manager,
                customers=found.get("total", 0),
                unvisited=found.get("unvisited", 0),
                sample=samples.get(manager.pk, []),
            )
            for day in self.days:
                cell = day.cells[index]
                row.valid += cell.valid
                row.short += cell.short
                row.over_days += cell.state == "over"
                row.zero_days += cell.state == "zero"
            out.append(row)
        return out

    def _customers(self) -> QuerySet[Customer]:
        return Customer.objects.filter(manager__in=self.managers_qs, status=CustomerStatus.ACTIVE)

    def _visited(self) -> Exists:
        """The customer had a valid visit in the month (by anyone)."""
        return Exists(
            Visit.objects.filter(
                valid_visit_q(),
                customer=OuterRef("pk"),
                date__gte=self.month,
                date__lte=self.last_day,
            )
        )

    def _unvisited(self) -> QuerySet[Customer]:
        return self._customers().exclude(self._visited())

    # --- every row, for the Excel export (cycle/audit_export.py) --------------------------

    def short_visits(self) -> QuerySet[Visit]:
        """The visits checked out less than a minute after checking in, latest first."""
        return (
            self._visits()
            .filter(short_visit_q())
            .select_related("customer", "cycle__manager")
            .only(
                "id",
                "date",
                "method",
                "checked_in_at",
                "checked_out_at",
                "customer__code",
                "customer__name",
                "cycle__manager__username",
                "cycle__manager__name",
                "cycle__manager__first_name",
                "cycle__manager__last_name",
            )
            .order_by("-date", "-checked_in_at", "-id")
        )

    def unvisited_customers(self) -> QuerySet[Customer]:
        """Every audited manager's active customers without a valid visit in the month."""
        return (
            self._unvisited()
            .select_related("manager")
            .only(
                "id",
                "code",
                "name",
                "address",
                "trade_area",
                "visit_frequency",
                "manager__username",
                "manager__name",
                "manager__first_name",
                "manager__last_name",
            )
            .order_by("manager__username", "code")
        )

    def _sample(self) -> QuerySet[Customer]:
        """The first SAMPLE unvisited customers of each manager (code order): one query."""
        return (
            self._unvisited()
            .annotate(rank=Window(RowNumber(), partition_by="manager_id", order_by="code"))
            .filter(rank__lte=SAMPLE)
            .only("id", "code", "name", "address", "manager_id")
            .order_by("manager_id", "code")
        )

    @cached_property
    def unvisited_page(self) -> Page | None:
        """The chosen manager's unvisited customers, a page at a time (None without one)."""
        if not self.chosen:
            return None
        customers = self._unvisited().only(
            "id", "code", "name", "address", "trade_area", "visit_frequency", "manager_id"
        )
        return Paginator(customers.order_by("code"), PAGE_SIZE).get_page(self._unvisited_page)

    @cached_property
    def short_page(self) -> Page:
        """``short_visits``, a page at a time."""
        return Paginator(self.short_visits(), SHORT_PAGE_SIZE).get_page(self._short_page)

    # --- check-ins far from the customer, shelf photos --------------------------------------

    @property
    def location_enabled(self) -> bool:
        return settings.VISIT_LOCATION_ENABLED

    @property
    def far_meters(self) -> int:
        return settings.VISIT_LOCATION_MAX_METERS

    def far_checkins(self) -> QuerySet[Visit]:
        """The month's check-ins farther than ``far_meters`` from the customer's coordinates
        (both known), farthest first, each with ``distance_m``: one query, the distance
        computed by the database (haversine)."""
        return (
            self._visits()
            .filter(
                checkin_latitude__isnull=False,
                checkin_longitude__isnull=False,
                customer__latitude__isnull=False,
                customer__longitude__isnull=False,
            )
            .annotate(distance_m=haversine_m_sql())
            .filter(distance_m__gt=self.far_meters)
            .select_related("customer", "cycle__manager")
            .only(
                "id",
                "date",
                "checked_in_at",
                "checkin_accuracy_m",
                "customer__code",
                "customer__name",
                "cycle__manager__username",
                "cycle__manager__name",
                "cycle__manager__first_name",
                "cycle__manager__last_name",
            )
            .order_by("-distance_m", "-id")
        )

    @cached_property
    def far_page(self) -> Page:
        return Paginator(self.far_checkins(), FAR_PAGE_SIZE).get_page(self._far_page)

    def photos(self) -> QuerySet[ShelfPhoto]:
        """The shelf photos of the month's visits, newest first."""
        return (
            ShelfPhoto.objects.filter(visit__in=self._visits())
            .select_related("visit__customer", "visit__cycle__manager")
            .only(
                "id",
                "taken_at",
                "visit__date",
                "visit__customer__code",
                "visit__customer__name",
                "visit__cycle__manager__username",
                "visit__cycle__manager__name",
                "visit__cycle__manager__first_name",
                "visit__cycle__manager__last_name",
            )
            .order_by("-taken_at", "-id")
        )

    @cached_property
    def photo_page(self) -> Page:
        return Paginator(self.photos(), PHOTO_PAGE_SIZE).get_page(self._photo_page)

    def query(self, **changes) -> str:
        """The page's query string (month, team, manager) with ``changes``, for links."""
        params = {
            "month": f"{self.month:%Y-%m}",
            "team": self.team.code if self.team else "",
            "manager": self.chosen.username if self.chosen else "",
        } | changes
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def here(self) -> str:
        return self.query()

    @property
    def team_query(self) -> str:
        """The same month and team, every manager."""
        return self.query(manager="")

    @property
    def is_current(self) -> bool:
        """The month is still running: "no visit" means "none yet"."""
        return self.month <= self.today <= self.last_day


def _radians(field: str):
    return Radians(Cast(F(field), FloatField()))


def haversine_m_sql():
    """The great-circle distance in metres between a visit's check-in position and its
    customer's coordinates, as an SQL expression (PostgreSQL has the functions; Django
    registers them on SQLite)."""
    lat1, lat2 = _radians("checkin_latitude"), _radians("customer__latitude")
    dlat = lat2 - lat1
    dlon = _radians("customer__longitude") - _radians("checkin_longitude")
    a = Power(Sin(dlat / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin(dlon / 2), 2)
    # rounding may push a (antipodes) a hair above 1, out of asin's domain
    return Value(2 * EARTH_RADIUS_M) * ASin(Least(Sqrt(a), Value(1.0)))


def visit_audit(**kwargs) -> VisitAudit:
    return VisitAudit(**kwargs)
