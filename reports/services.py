"""The monthly indicator job (DESIGN.md §5): load once, compute with pandas, replace the
month atomically, and keep a record of the run.

The run record and its progress are saved as the job goes, outside the transaction that
replaces the month, so a page polling the run sees them (when the caller is not itself
inside a transaction). A failure anywhere leaves the month's previous rows as they were and
marks the run failed with the error; the exception is re-raised."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.heartbeat import beating, stale_message
from core.months import month_start

from .models import IndicatorRun, RunStatus
from .shards import month_assemble, shard_compute
from .store import replace_month

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

# (percent when the step starts, label)
LOADING = (5, "loading")
BRANDS = (30, "brand indicators")
CUSTOMERS = (60, "customer indicators")
MANAGERS = (70, "manager indicators")
WRITING = (80, "writing")
DONE = (100, "done")


def indicators_compute(
    *, month: dt.date, progress: Progress | None = None, run_id: int | None = None
) -> IndicatorRun | None:
    """Compute and store every indicator of ``month`` (any day of it); idempotent.

    Without ``run_id`` (the command, the monthly schedule) a new run is recorded. With it (a
    run a page queued) that run is taken; a run no longer queued — taken by another worker,
    not queued after all, gone stale, finished, deleted — is returned as it is (or None)
    and nothing is computed, so a task delivered twice computes once."""
    month = month_start(month)
    run, taken = indicator_run_take(month, run_id)
    if not taken:
        return run

    def step(at: tuple[int, str]) -> None:
        percent, label = at
        IndicatorRun.objects.filter(pk=run.pk).update(
            progress=percent, step=label, heartbeat_at=timezone.now()
        )
        run.progress, run.step = percent, label
        if progress is not None:
            progress(percent, label)

    def alive() -> None:
        IndicatorRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    try:
        # the writing step is one transaction: its progress cannot be seen until it ends
        with beating(alive):
            step(LOADING)
            stages = {"brands": BRANDS, "customers": CUSTOMERS}
            part = shard_compute(month, step=lambda name: step(stages[name]))
            step(MANAGERS)
            tables = month_assemble(month, [part])
            step(WRITING)
            rows = replace_month(
                month,
                scope_rows=tables["scope"],
                customer_rows=tables["customer"],
                manager_rows=tables["manager"],
            )
    except Exception as exc:
        logger.exception("indicators for %s failed", f"{month:%Y-%m}")
        run.status = RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.status = RunStatus.SUCCEEDED
    run.rows_written = rows
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "rows_written", "finished_at"])
    month_written(month)  # once the run is recorded: what the hooks do may look for it
    step(DONE)
    return run


def indicator_run_take(month: dt.date, run_id: int | None) -> tuple[IndicatorRun | None, bool]:
    """The run to compute and whether this call took it (False: leave it alone)."""
    now = timezone.now()
    if run_id is None:
        run = IndicatorRun.objects.create(
            month=month, status=RunStatus.RUNNING, started_at=now, heartbeat_at=now
        )
        return run, True
    with transaction.atomic():
        run = IndicatorRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != RunStatus.QUEUED:
            return run, False
        if run.is_stale:  # queued so long ago that a new run may have been asked for since
            run.status, run.error, run.finished_at = RunStatus.FAILED, stale_message(), now
            run.save(update_fields=["status", "error", "finished_at"])
            return run, False
        run.status, run.started_at, run.heartbeat_at = RunStatus.RUNNING, now, now
        run.save(update_fields=["status", "started_at", "heartbeat_at"])
    return run, True


def month_written(month: dt.date) -> None:
    """Tell the apps above that ``month``'s indicators are written: each callable named in
    the setting ``REPORTS_MONTH_WRITTEN`` (``cycle.tasks.after_indicators`` queues the
    month's warnings) is called with ``month=``. A hook that fails is logged and never
    fails the job: the indicators are written."""
    for path in getattr(settings, "REPORTS_MONTH_WRITTEN", ()):
        try:
            import_string(path)(month=month)
        except Exception:
            logger.exception("hook %s for %s failed", path, f"{month:%Y-%m}")
