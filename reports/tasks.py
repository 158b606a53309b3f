"""Celery tasks of the monthly indicators; thin wrappers around reports.services. Both are
idempotent: a rerun replaces the month's rows."""

from celery import shared_task

from core.months import parse_month, previous_month

from .services import indicators_compute


@shared_task(acks_late=True)
def compute_month(month: str) -> dict:
    """Compute one month ('YYYY-MM')."""
    run = indicators_compute(month=parse_month(month))
    return {"month": month, "run": run.pk, "status": run.status, "rows": run.rows_written}


@shared_task(acks_late=True)
def compute_previous_month() -> dict:
    """The monthly schedule: on the 1st, the month that just ended (Asia/Shanghai)."""
    return compute_month(f"{previous_month():%Y-%m}")
