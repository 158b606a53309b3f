"""Import jobs that end without their worker: the broker would not take the job
(core/queue.py), or the worker died while it waited or ran (core/heartbeat.py). Either is
recorded as the job's failure with a message the upload page shows, like any other."""

from django.db.models import Q
from django.utils import timezone

from core.heartbeat import running_stale_before, stale_message, waiting_stale_before

from .models import ImportJob, ImportStatus


def _report(message: str) -> list[dict]:
    return [{"row": 0, "column": "", "value": "", "message": message}]


def import_job_fail(*, job_id: int, message: str) -> None:
    """Record a job that never reached a worker as failed (only while still waiting)."""
    ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.FAILED, errors=_report(message), finished_at=timezone.now()
    )


def import_job_give_up(job: ImportJob) -> None:
    """Record ``job`` (locked by the caller) failed because its worker is gone."""
    job.status, job.errors, job.finished_at = (
        ImportStatus.FAILED,
        _report(stale_message()),
        timezone.now(),
    )
    job.save(update_fields=["status", "errors", "finished_at"])


def import_jobs_sweep() -> int:
    """Record the jobs whose worker died as failed; how many."""
    running_before = running_stale_before()
    stale = ImportJob.objects.filter(
        Q(status=ImportStatus.PENDING, created_at__lt=waiting_stale_before())
        | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=running_before)
        | Q(status=ImportStatus.RUNNING, heartbeat_at__isnull=True, created_at__lt=running_before)
    )
    return stale.update(
        status=ImportStatus.FAILED, errors=_report(stale_message()), finished_at=timezone.now()
    )
