"""Exports too large for a request (more rows than ``EXPORT_SYNC_MAX_ROWS``) run as Celery
jobs: the request records the job and queues it on commit; a worker writes the file in chunks
(``reports.export_kinds``), reporting its progress on the job row, which the job's page polls;
the file is then downloaded by the requester only.

Running a job is idempotent: a job that is not pending (done, failed, or taken by another
worker) is left alone. A failure is recorded on the job with its message, and leaves no file."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .export_kinds import KINDS
from .exports import ExportError
from .models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)


def export_is_large(rows: int) -> bool:
    return rows > settings.EXPORT_SYNC_MAX_ROWS


def export_job_start(*, kind: str, params: dict, by: User, rows: int) -> ExportJob:
    """Record the job and queue it once the request's transaction commits."""
    from .tasks import run_export_job

    if kind not in KINDS:
        raise ValueError(kind)
    job = ExportJob.objects.create(
        kind=kind,
        params=params,
        requested_by=by,
        rows_total=rows,
        filename=KINDS[kind].filename(params),
    )
    transaction.on_commit(lambda: run_export_job.delay(job.pk))
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file; the job as it ends (None if it no longer exists)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ExportStatus.PENDING:
            return job
        job.status, job.started_at = ExportStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])

    def progress(rows: int) -> None:
        # committed as it goes (the worker runs outside a transaction): the page sees it
        percent = min(99, rows * 100 // max(job.rows_total, 1))
        ExportJob.objects.filter(pk=job.pk).update(progress=percent, rows_written=rows)

    try:
        kind = KINDS[job.kind]
        with tempfile.TemporaryFile() as handle:
            rows = kind.write(job.requested_by, job.params, handle, progress)
            handle.seek(0)
            extension = PurePath(job.filename).suffix or ".xlsx"
            job.file.save(f"{uuid.uuid4().hex}{extension}", File(handle), save=False)
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        if job.file:
            job.file.delete(save=False)
        job.file = ""
        job.status, job.error, job.finished_at = ExportStatus.FAILED, _message(exc), timezone.now()
        job.save(update_fields=["file", "status", "error", "finished_at"])
        return job
    job.status, job.progress, job.rows_written = ExportStatus.SUCCEEDED, 100, rows
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "progress", "rows_written", "finished_at"])
    return job


def _message(exc: Exception) -> str:
    if isinstance(exc, PermissionDenied | Http404):
        return _("无权导出这些数据。")
    if isinstance(exc, ExportError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def export_job_for(*, user: User, pk: int) -> ExportJob:
    """The job, for its requester only: anyone else gets 404, as for a job that does not
    exist."""
    job = ExportJob.objects.filter(pk=pk, requested_by=user).first()
    if job is None:
        raise Http404("no such export")
    return job


def recent_export_jobs(*, user: User, limit: int = 10):
    return ExportJob.objects.filter(requested_by=user)[:limit]


def export_jobs_purge(*, before: dt.datetime | None = None) -> int:
    """Delete the jobs created before ``before`` (default: ``EXPORT_KEEP_DAYS`` ago) with
    their files; how many were deleted."""
    if before is None:
        before = timezone.now() - dt.timedelta(days=settings.EXPORT_KEEP_DAYS)
    jobs = list(ExportJob.objects.filter(created_at__lt=before))
    for job in jobs:
        if job.file:
            job.file.delete(save=False)
    ExportJob.objects.filter(pk__in=[j.pk for j in jobs]).delete()
    return len(jobs)
