"""Exports too large for a request (more rows than ``EXPORT_SYNC_MAX_ROWS``) run as Celery
jobs: the request records the job and queues it on commit; a worker writes the file in chunks
(the job's kind, an ``ExportKind`` that its app registered with ``register_kind``),
reporting its progress on the job row, which the job's page polls; the file is then
downloaded by the requester only. The same user asking for the same export again while it
waits or runs, or soon after it finished (``EXPORT_REUSE_SECONDS``), gets that job instead
of a new one.

Running a job is idempotent: a job that is not pending (done, failed, or taken by another
worker) is left alone. A failure is recorded on the job with its message, and leaves no file;
so is a job the broker would not take (core/queue.py) and one whose worker died
(core/heartbeat.py, swept by ``export_jobs_sweep``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.heartbeat import beating, running_stale_before, stale_message, waiting_stale_before
from core.models import ExportJob, ExportStatus
from core.queue import enqueue

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportKind:
    label: str
    # (user, params) → rows; refuses what the user may not see (PermissionDenied, Http404)
    count: Callable[[Any, dict], int]
    # (user, params, binary file, progress) → rows written
    write: Callable[[Any, dict, BinaryIO, Progress | None], int]
    # params → the download's file name
    filename: Callable[[dict], str]


class ExportRefused(Exception):
    """An export refused for a reason the user can act on: its message is shown on the job's
    page as it is."""


# The kinds by name, filled by the apps that define them (each app's ``ready()`` imports its
# module of kinds): core knows no app, a job names its kind and the worker looks it up here.
KINDS: dict[str, ExportKind] = {}


def register_kind(name: str, kind: ExportKind) -> None:
    if KINDS.get(name, kind) is not kind:
        raise ValueError(f"export kind {name!r} is registered twice")
    KINDS[name] = kind


def export_is_large(rows: int) -> bool:
    return rows > settings.EXPORT_SYNC_MAX_ROWS


def export_job_start(*, kind: str, params: dict, by: AbstractBaseUser, rows: int) -> ExportJob:
    """The job for this export: the same user's identical one still waiting, running or
    finished within ``EXPORT_REUSE_SECONDS`` if there is one (a repeated click, a reload),
    otherwise a new job, queued once the request's transaction commits."""
    from core.tasks import run_export_job

    if kind not in KINDS:
        raise ValueError(kind)
    with transaction.atomic():
        # one user's requests one after the other, so two identical clicks get one job
        get_user_model().objects.select_for_update().filter(pk=by.pk).values_list(
            "pk", flat=True
        ).first()
        reused = _reusable_job(kind=kind, params=params, by=by)
        if reused is not None:
            return reused
        job = ExportJob.objects.create(
            kind=kind,
            params=params,
            requested_by_id=by.pk,
            rows_total=rows,
            filename=KINDS[kind].filename(params),
        )
        enqueue(
            run_export_job,
            job.pk,
            on_failure=lambda message: export_job_fail(job_id=job.pk, message=message),
        )
    return job


def _reusable_job(*, kind: str, params: dict, by: AbstractBaseUser) -> ExportJob | None:
    fresh_since = timezone.now() - dt.timedelta(seconds=settings.EXPORT_REUSE_SECONDS)
    candidates = ExportJob.objects.filter(requested_by_id=by.pk, kind=kind).filter(
        Q(status__in=(ExportStatus.PENDING, ExportStatus.RUNNING))
        | Q(status=ExportStatus.SUCCEEDED, finished_at__gte=fresh_since)
    )
    wanted = json.loads(json.dumps(params))  # as the JSON field gives it back
    for job in candidates.order_by("-created_at", "-pk")[:20]:
        # a finished job whose file is gone cannot be downloaded again
        ready = job.status != ExportStatus.SUCCEEDED or bool(job.file)
        if job.params == wanted and not job.is_stale and ready:
            return job
    return None


def export_job_fail(*, job_id: int, message: str) -> None:
    """Record a job that never reached a worker as failed (only while still waiting)."""
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def export_jobs_sweep() -> int:
    """Record the jobs whose worker died as failed; how many."""
    running_before = running_stale_before()
    stale = ExportJob.objects.filter(
        Q(status=ExportStatus.PENDING, created_at__lt=waiting_stale_before())
        | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=running_before)
        | Q(status=ExportStatus.RUNNING, heartbeat_at__isnull=True, started_at__lt=running_before)
        | Q(
            status=ExportStatus.RUNNING,
            heartbeat_at__isnull=True,
            started_at__isnull=True,
            created_at__lt=running_before,
        )
    )
    return stale.update(
        status=ExportStatus.FAILED, error=stale_message(), finished_at=timezone.now()
    )


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file; the job as it ends (None if it no longer exists)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ExportStatus.PENDING:
            return job
        now = timezone.now()
        if job.is_stale:  # given up long ago; the user may have asked again since
            job.status, job.error, job.finished_at = ExportStatus.FAILED, stale_message(), now
            job.save(update_fields=["status", "error", "finished_at"])
            return job
        job.status, job.started_at, job.heartbeat_at = ExportStatus.RUNNING, now, now
        job.save(update_fields=["status", "started_at", "heartbeat_at"])

    def progress(rows: int) -> None:
        # committed as it goes (the worker runs outside a transaction): the page sees it
        percent = min(99, rows * 100 // max(job.rows_total, 1))
        ExportJob.objects.filter(pk=job.pk).update(
            progress=percent, rows_written=rows, heartbeat_at=timezone.now()
        )

    def alive() -> None:
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    try:
        kind = KINDS[job.kind]
        with beating(alive), tempfile.TemporaryFile() as handle:
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
    if isinstance(exc, ExportRefused):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def export_job_for(*, user: AbstractBaseUser, pk: int) -> ExportJob:
    """The job, for its requester only: anyone else gets 404, as for a job that does not
    exist."""
    job = ExportJob.objects.filter(pk=pk, requested_by_id=user.pk).first()
    if job is None:
        raise Http404("no such export")
    return job


def recent_export_jobs(*, user: AbstractBaseUser, limit: int = 10):
    return ExportJob.objects.filter(requested_by_id=user.pk)[:limit]


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
