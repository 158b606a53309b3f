"""Calendar months in the company's time zone (Asia/Shanghai)."""

import datetime as dt
import re

from django.utils import timezone

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
# Months outside these years are typing mistakes; the pages' 13-month trends need room too.
FIRST_YEAR, LAST_YEAR = 1990, 2099


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """Last day of the month of ``month``."""
    return add_months(month_start(month), 1) - dt.timedelta(days=1)


def parse_month(text: str) -> dt.date:
    """'2026-03' → date(2026, 3, 1); ValueError on anything else."""
    match = _MONTH_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    year, month = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(text)
    return dt.date(year, month, 1)


def current_month() -> dt.date:
    return month_start(timezone.localdate())


def previous_month() -> dt.date:
    return add_months(current_month(), -1)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of ``day`` and of the next day, aware (the company's time zone)."""
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of the 1st of the month of ``month`` and of the next month's 1st, aware:
    the [start, end) of the month's checks and visits (the company's time zone)."""
    first = month_start(month)
    return day_bounds(first)[0], day_bounds(add_months(first, 1))[0]
