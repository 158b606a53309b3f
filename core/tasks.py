"""Celery tasks of the export jobs (core.export_jobs). They keep the names they had when they
lived in reports.tasks: the beat schedule (CELERY_BEAT_SCHEDULE, and its copy in
django_celery_beat's tables) and messages already queued name them so."""

from celery import shared_task

from .export_jobs import export_job_run, export_jobs_purge


@shared_task(name="reports.tasks.run_export_job", acks_late=True)
def run_export_job(job_id: int) -> str | None:
    """Write one export job's file (core.export_jobs); a rerun leaves a job alone once it
    has started."""
    job = export_job_run(job_id=job_id)
    return job.status if job else None


@shared_task(name="reports.tasks.purge_export_jobs")
def purge_export_jobs() -> int:
    """Daily: delete export jobs and their files older than EXPORT_KEEP_DAYS."""
    return export_jobs_purge()
