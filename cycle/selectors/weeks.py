"""The weekly summaries (周小结/体会) beside the weekly arrangement: each calendar week with
the previous week's summary, which DESIGN.md §4 shows next to the next week's plan, and
the week's own summary for the manager to write once the week has begun.

A week that spans two months belongs to both months' cycles; its summary may have been
written from either month's page. Reading looks at all the manager's summaries and prefers
the one of the cycle on screen; writing always goes to that cycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..models import Cycle, WeeklySummary
from .schedule import Day

WEEK = dt.timedelta(days=7)


@dataclass
class WeekNotes:
    monday: dt.date
    days: list[Day | None]
    started: bool  # the week has begun: its summary may be written
    text: str  # this week's summary (what the textarea shows)
    text_month: dt.date | None  # set when the text comes from the other month's cycle
    previous: str  # last week's summary (上周小结)
    previous_started: bool
    error: str = ""
    saved: bool = False

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def previous_monday(self) -> dt.date:
        return self.monday - WEEK

    @property
    def previous_sunday(self) -> dt.date:
        return self.monday - dt.timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.monday:%Y-%m-%d}"


def week_notes(*, cycle: Cycle, weeks: list[list[Day | None]], today: dt.date) -> list[WeekNotes]:
    """``weeks``: ``selectors.calendar_weeks`` of the cycle's month; one query."""
    mondays = [_monday(week) for week in weeks]
    found: dict[dt.date, tuple[str, dt.date | None]] = {}
    for week_start, text, cycle_id, month in (
        WeeklySummary.objects.filter(
            cycle__manager_id=cycle.manager_id,
            week_start__gte=mondays[0] - WEEK,
            week_start__lte=mondays[-1],
        )
        .order_by("week_start", "cycle__month")
        .values_list("week_start", "text", "cycle_id", "cycle__month")
    ):
        if cycle_id == cycle.pk or week_start not in found:
            found[week_start] = (text, None if cycle_id == cycle.pk else month)
    return [
        WeekNotes(
            monday=monday,
            days=days,
            started=monday <= today,
            text=found.get(monday, ("", None))[0],
            text_month=found.get(monday, ("", None))[1],
            previous=found.get(monday - WEEK, ("", None))[0],
            previous_started=monday - WEEK <= today,
        )
        for monday, days in zip(mondays, weeks, strict=True)
    ]


def _monday(week: list[Day | None]) -> dt.date:
    first = next((i, d) for i, d in enumerate(week) if d is not None)
    return first[1].date - dt.timedelta(days=first[0])
