"""Celery tasks of the cycle app: the stored warnings (cycle.strategy.store) and the action
effects (cycle.strategy.effects). Thin and idempotent: a task delivered twice computes the
same rows twice and replaces them."""

import datetime as dt
import logging

from celery import shared_task

from core.months import add_months, parse_month
from core.queue import enqueue

from .models import WarningTrigger
from .strategy.effects import action_effects_compute
from .strategy.store import warning_runs_sweep, warnings_compute, warnings_recompute_later

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def compute_warnings(
    month: str, manager_ids: list[int] | None = None, trigger: str = WarningTrigger.MANUAL
) -> dict:
    """Compute and store one month's warnings ('YYYY-MM'), for every manager or some."""
    run = warnings_compute(month=parse_month(month), managers=manager_ids, trigger=trigger)
    if run is None:
        return {"month": month, "run": None, "rows": 0}
    effects_later(month=parse_month(month))
    return {"month": month, "run": run.pk, "rows": run.rows_written}


@shared_task(acks_late=True)
def compute_action_effects(month: str) -> dict:
    """Compute and store the effects of the actions done in one month ('YYYY-MM')."""
    rows = action_effects_compute(month=parse_month(month))
    return {"month": month, "rows": rows}


def effects_later(*, month: dt.date) -> None:
    """The warnings of ``month`` are stored: the effects of ``month`` (its data was just
    analysed; the flags are the month before's) and of the month after (its flags are
    these) are computed again. A month without indicators is skipped by the task."""
    for target in (month, add_months(month, 1)):
        enqueue(
            compute_action_effects,
            f"{target:%Y-%m}",
            on_failure=lambda message, t=target: logger.warning(
                "action effects of %s not queued: %s", f"{t:%Y-%m}", message
            ),
        )


def after_indicators(*, month: dt.date) -> None:
    """The hook ``REPORTS_MONTH_WRITTEN``: the indicator job has written ``month``."""
    warnings_recompute_later(month=month, trigger=WarningTrigger.INDICATORS)


@shared_task
def sweep_stale_warning_runs() -> int:
    """Every few minutes: warning runs whose worker died are recorded failed."""
    return warning_runs_sweep()
