from celery import shared_task

from .services import import_job_run


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str:
    return import_job_run(job_id=job_id).status
