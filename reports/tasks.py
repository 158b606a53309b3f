"""Celery tasks of the monthly indicators; thin wrappers around reports.services and
reports.jobs (the export jobs' tasks are in core.tasks, under their old names
``reports.tasks.run_export_job`` and ``reports.tasks.purge_export_jobs``). All are
idempotent: a rerun replaces the month's rows; a queued run runs once, and a task delivered
again (acks_late, after its worker died) for one that started, finished or failed does
nothing."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings

from core.export_jobs import export_jobs_sweep
from core.months import parse_month, previous_month
from core.queue import enqueue

from .annual import annual_segments_warm
from .fanout import indicator_shard_compute, indicators_fan_out
from .jobs import indicator_runs_sweep
from .services import indicators_compute

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def compute_month(month: str, run_id: int | None = None) -> dict:
    """Compute one month ('YYYY-MM'): the run a page queued (``run_id``), or a new one; in
    one process, or fanned out over the workers in ``INDICATOR_SHARDS`` shards."""
    shards = getattr(settings, "INDICATOR_SHARDS", 1)
    if shards > 1:
        run = indicators_fan_out(month=parse_month(month), shards=shards, run_id=run_id)
    else:
        run = indicators_compute(month=parse_month(month), run_id=run_id)
    if run is None:
        return {"month": month, "run": None, "status": None, "rows": 0}
    return {"month": month, "run": run.pk, "status": run.status, "rows": run.rows_written}


@shared_task(acks_late=True)
def compute_previous_month() -> dict:
    """The monthly schedule: on the 1st, the month that just ended (Asia/Shanghai)."""
    return compute_month(f"{previous_month():%Y-%m}")


@shared_task(acks_late=True)
def compute_shard(run_id: int, number: int) -> str:
    """One shard of a fanned-out run (reports/fanout.py); the last one writes the month."""
    return indicator_shard_compute(run_id=run_id, number=number)


@shared_task(acks_late=True)
def warm_annual_segments(year: int) -> bool:
    """Compute the year's annual segment table into the cache (reports/annual.py)."""
    return annual_segments_warm(year=year)


def warm_annual_later(*, month: dt.date) -> None:
    """The hook ``REPORTS_MONTH_WRITTEN``: the year of a month just written is warmed in a
    worker. Without one (tasks run in process, no broker) nothing is warmed: the cache would
    be this process's and the work its caller's; the page computes the table when opened."""
    if _in_process():
        return
    enqueue(
        warm_annual_segments,
        month.year,
        on_failure=lambda message: logger.warning("annual segments of %s: %s", month.year, message),
    )


def _in_process() -> bool:
    return bool(warm_annual_segments.app.conf.task_always_eager)


@shared_task
def sweep_stale_jobs() -> dict:
    """Every few minutes: record the indicator runs and export jobs whose worker died as
    failed (core/heartbeat.py)."""
    return {"runs": indicator_runs_sweep(), "exports": export_jobs_sweep()}
