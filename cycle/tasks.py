"""Celery tasks of the cycle app: the stored warnings (cycle.strategy.store). Thin and
idempotent: a task delivered twice computes the same rows twice and replaces them."""

import datetime as dt

from celery import shared_task

from core.months import parse_month

from .models import WarningTrigger
from .strategy.store import warning_runs_sweep, warnings_compute, warnings_recompute_later


@shared_task(acks_late=True)
def compute_warnings(
    month: str, manager_ids: list[int] | None = None, trigger: str = WarningTrigger.MANUAL
) -> dict:
    """Compute and store one month's warnings ('YYYY-MM'), for every manager or some."""
    run = warnings_compute(month=parse_month(month), managers=manager_ids, trigger=trigger)
    if run is None:
        return {"month": month, "run": None, "rows": 0}
    return {"month": month, "run": run.pk, "rows": run.rows_written}


def after_indicators(*, month: dt.date) -> None:
    """The hook ``REPORTS_MONTH_WRITTEN``: the indicator job has written ``month``."""
    warnings_recompute_later(month=month, trigger=WarningTrigger.INDICATORS)


@shared_task
def sweep_stale_warning_runs() -> int:
    """Every few minutes: warning runs whose worker died are recorded failed."""
    return warning_runs_sweep()
