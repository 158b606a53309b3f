from django.shortcuts import get_object_or_404

from .models import ImportJob


def recent_import_jobs(*, limit: int = 20):
    return ImportJob.objects.select_related("created_by").defer("content")[:limit]


def import_job_get(*, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
