from celery import shared_task

from .job_failures import import_jobs_sweep
from .services import import_job_run


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str:
    """Idempotent: a job that started, finished or failed is left alone (a task delivered
    again after its worker died does nothing)."""
    return import_job_run(job_id=job_id).status


@shared_task
def sweep_stale_import_jobs() -> int:
    """Every few minutes: record the import jobs whose worker died as failed."""
    return import_jobs_sweep()
