"""Export jobs: how a large export is asked for, the page it leads to (polled with htmx until
the file is ready, then a download link) and the download itself — both for the job's
requester only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from .export_jobs import KINDS, export_job_for, export_job_start, recent_export_jobs
from .models import ExportStatus

PAGE = "core/export_job.html"


def start_export_job(request, *, kind: str, params: dict, rows: int):
    """For a view whose export is too large to answer now. A GET writes nothing: it says so
    and offers a button that POSTs the same URL (the pages' export buttons POST straight
    away). The POST queues the job — ``export_job_start`` reuses the same request's job
    while it is queued or fresh — and goes to its page."""
    if request.method != "POST":
        context = {"label": KINDS[kind].label, "rows": rows, "action": request.get_full_path()}
        return render(request, "core/export_start.html", context)
    job = export_job_start(kind=kind, params=params, by=request.user, rows=rows)
    return redirect("exports:job", pk=job.pk)


@login_required
def job(request, pk: int):
    found = export_job_for(user=request.user, pk=pk)
    context = {
        "job": found,
        "label": KINDS[found.kind].label if found.kind in KINDS else found.kind,
        "keep_days": settings.EXPORT_KEEP_DAYS,
    }
    if request.htmx:
        return render(request, f"{PAGE}#status", context)
    context["recent"] = recent_export_jobs(user=request.user)
    return render(request, PAGE, context)


@login_required
def download(request, pk: int):
    found = export_job_for(user=request.user, pk=pk)
    if found.status != ExportStatus.SUCCEEDED or not found.file:
        raise Http404("not ready")
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("file gone") from exc
    return FileResponse(handle, as_attachment=True, filename=found.filename)
