"""The work calendar (工作日历): which days customer managers work.

Monday to Friday are workdays and Saturday and Sunday days off, unless an admin has entered
a dated exception (``core.models.CalendarDay``): a public holiday on a weekday is a day off
(国庆节), a weekend make-up day a workday (调休上班). Everything that needs to know whether
a day is worked — today's visit list, the weekly arrangement, the visit audit — asks here.

Each function costs one query whatever the span (``calendar_days`` for a range)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.models import CalendarDay
from core.months import month_end, month_start

WEEKEND = (5, 6)  # Saturday, Sunday
# how far ``next_workday`` looks; no real calendar has a break this long
SEARCH_DAYS = 62


@dataclass(frozen=True)
class WorkDay:
    """One day of the work calendar: whether it is worked, and the exception's name if an
    admin entered one (国庆节, 调休上班); ``exception`` says whether the default was turned."""

    date: dt.date
    is_workday: bool
    name: str = ""
    exception: bool = False

    @property
    def label(self) -> str:
        """The day's kind as a user reads it: 工作日 / 休息日, with the exception's name."""
        kind = _("工作日") if self.is_workday else _("休息日")
        if not self.name:
            return str(kind)
        return _("%(kind)s（%(name)s）") % {"kind": kind, "name": self.name}


def default_is_workday(date: dt.date) -> bool:
    return date.weekday() not in WEEKEND


def calendar_days(first: dt.date, last: dt.date) -> dict[dt.date, WorkDay]:
    """Every day from ``first`` to ``last`` (inclusive) with whether it is worked: one query."""
    rows = {
        row.date: row
        for row in CalendarDay.objects.filter(date__gte=first, date__lte=last).only(
            "date", "is_workday", "name"
        )
    }
    days: dict[dt.date, WorkDay] = {}
    date = first
    while date <= last:
        row = rows.get(date)
        if row is None:
            days[date] = WorkDay(date, default_is_workday(date))
        else:
            days[date] = WorkDay(date, row.is_workday, row.name, exception=True)
        date += dt.timedelta(days=1)
    return days


def work_day(date: dt.date) -> WorkDay:
    """``date`` in the work calendar (one query)."""
    return calendar_days(date, date)[date]


def is_workday(date: dt.date) -> bool:
    return work_day(date).is_workday


def next_workday(date: dt.date) -> dt.date:
    """The first workday after ``date`` (one query; a break longer than ``SEARCH_DAYS`` days
    would be a mistake in the calendar, and then the day after that window is answered)."""
    last = date + dt.timedelta(days=SEARCH_DAYS)
    days = calendar_days(date + dt.timedelta(days=1), last)
    return next((d for d, day in days.items() if day.is_workday), last + dt.timedelta(days=1))


def month_days(month: dt.date) -> dict[dt.date, WorkDay]:
    """Every day of ``month``'s month in the work calendar (one query)."""
    return calendar_days(month_start(month), month_end(month))


def workdays_in(month: dt.date) -> list[dt.date]:
    """The workdays of ``month``'s month, in order (one query)."""
    return [d for d, day in month_days(month).items() if day.is_workday]
