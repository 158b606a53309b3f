"""Running an import: all-or-nothing, idempotent, with a row-level report (DESIGN.md §6)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.change_source import importing_as
from core.heartbeat import beating
from core.queue import enqueue
from core.tabular.columns import RowError, Table
from core.tabular.reading import ImportFileError, check_csv_lines, read_upload
from core.tabular.upload_checks import check_content
from core.tabular.upsert import WriteCounts

from .job_failures import import_job_fail, import_job_give_up
from .models import ImportJob, ImportStatus
from .registry import IMPORTERS, BulkCopy

logger = logging.getLogger(__name__)

# The report keeps this many errors (import_file already keeps only IMPORT_MAX_ERRORS).
MAX_STORED_ERRORS = 5000


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows_total: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    # the first IMPORT_MAX_ERRORS errors by row; the counts cover all of them
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_row_count: int = 0
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    @property
    def more_errors(self) -> int:
        """Errors found but not listed."""
        return self.error_count - len(self.errors)


def import_file(
    *,
    kind: str,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    use_copy: bool | None = None,
    max_rows: int | None = None,
    replace_months: bool = False,
) -> ImportResult:
    """Validate the whole file; write it only if every row is good. ``use_copy`` picks the
    kind's bulk path if it has one (``Importer.copy``, the PostgreSQL COPY of orders;
    default: whenever the database is PostgreSQL).
    ``max_rows``: data rows the file may hold (default IMPORT_MAX_ROWS); an .xlsx that
    would expand past IMPORT_MAX_UNZIPPED_BYTES is refused before it is opened.
    ``replace_months`` (orders only): every month the file holds keeps exactly the file's
    lines; that month's other lines are removed (on PostgreSQL its partition is swapped)."""
    if kind not in IMPORTERS:
        raise ValueError(kind)
    if replace_months and kind != "orders":
        raise ValueError(f"{kind} cannot replace months")
    write_options = {"replace_months": True} if replace_months else {}
    result = ImportResult(kind=kind, dry_run=dry_run)
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    try:
        with transaction.atomic():
            bulk_copy = IMPORTERS[kind].copy
            if bulk_copy is not None and use_copy:
                _run_copy(result, bulk_copy, content, filename, max_rows, write_options)
            else:
                _run_portable(result, content, filename, max_rows, write_options)
            if not result.ok or dry_run:
                transaction.set_rollback(True)
    except ImportFileError as exc:
        result.file_error = str(exc)
    if not result.ok or dry_run:
        result.counts = WriteCounts()
    return result


def _run_portable(
    result: ImportResult, content: bytes, filename: str, max_rows: int, write_options: dict
) -> None:
    importer = IMPORTERS[result.kind]
    table = Table(read_upload(content, filename, max_rows=max_rows), importer.columns)
    result.rows_total = len(table)
    if result.rows_total == 0:
        raise ImportFileError(_("文件没有数据行。"))
    clean = importer.validate(table)
    result.errors = table.sorted_errors()
    result.error_count, result.bad_row_count = table.error_count, table.bad_row_count
    if result.ok and not result.dry_run:
        result.counts = importer.write(clean, **write_options)


def _run_copy(
    result: ImportResult,
    bulk_copy: BulkCopy,
    content: bytes,
    filename: str,
    max_rows: int,
    write_options: dict,
) -> None:
    (
        result.errors,
        result.error_count,
        result.bad_row_count,
        result.rows_total,
        result.counts,
    ) = bulk_copy(
        _as_csv(content, filename, max_rows),
        dry_run=result.dry_run,
        max_errors=settings.IMPORT_MAX_ERRORS,
        **write_options,
    )


def _as_csv(content: bytes, filename: str, max_rows: int) -> bytes:
    """The file as CSV for COPY, through the same bounded reader. A CSV goes as it is (COPY
    reads millions of lines far faster than pandas) once its lines are counted; the COPY
    path stores no text, only ids, numbers and dates, so control characters only make a
    row's code unknown there."""
    if filename.lower().endswith(".xlsx"):
        buffer = io.StringIO()
        read_upload(content, filename, max_rows=max_rows).to_csv(buffer, index=False)
        return buffer.getvalue().encode("utf-8")
    if not filename.lower().endswith((".csv", ".txt")):
        raise ImportFileError(_("只支持 .csv 或 .xlsx 文件。"))
    check_csv_lines(content, max_rows=max_rows)
    return content


# --- upload page jobs ------------------------------------------------------------------


def import_job_create(*, kind: str, filename: str, content: bytes, dry_run: bool, by) -> ImportJob:
    """Store the upload and queue it; the worker runs ``import_job_run``. A job the broker
    would not take is failed at once with the reason."""
    from .tasks import run_import_job

    check_content(content=content, filename=filename, max_bytes=settings.IMPORT_MAX_BYTES)
    job = ImportJob.objects.create(
        kind=kind, filename=filename, content=content, dry_run=dry_run, created_by=by
    )
    enqueue(
        run_import_job,
        job.pk,
        on_failure=lambda message: import_job_fail(job_id=job.pk, message=message),
    )
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Idempotent: a job already finished, failed or taken by another worker is left alone;
    one that waited past giving up (core/heartbeat.py) is failed instead of run."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ImportStatus.PENDING:
            return job
        if job.is_stale:
            import_job_give_up(job)
            return job
        job.status, job.heartbeat_at = ImportStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "heartbeat_at"])

    def alive() -> None:
        # the import is one transaction: only a separate connection's stamp is seen
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    try:
        with beating(alive), importing_as(job.created_by):
            result = import_file(
                kind=job.kind,
                content=bytes(job.content),
                filename=job.filename,
                dry_run=job.dry_run,
            )
    except Exception as exc:
        logger.exception("import job %s failed", job.pk)
        job.status = ImportStatus.FAILED
        job.errors = [{"row": 0, "column": "", "value": "", "message": str(exc)}]
        job.finished_at = timezone.now()
        job.save()
        raise
    job.rows_total = result.rows_total
    job.rows_created = result.counts.created
    job.rows_updated = result.counts.updated
    job.rows_unchanged = result.counts.unchanged
    job.errors = [e.as_dict() for e in result.errors[:MAX_STORED_ERRORS]]
    if result.file_error:
        job.status = ImportStatus.FAILED
        job.errors = [{"row": 0, "column": "", "value": "", "message": result.file_error}]
    elif result.errors:
        job.status = ImportStatus.REJECTED
    else:
        job.status = ImportStatus.VALIDATED if job.dry_run else ImportStatus.SUCCEEDED
    job.error_count = result.error_count
    job.finished_at = timezone.now()
    job.save()
    return job
