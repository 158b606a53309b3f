from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import allowed_if
from accounts.policy import can_import
from core.xlsx import xlsx_response

from .forms import UploadForm
from .models import ImportKind
from .registry import IMPORTERS
from .selectors import import_job_get, recent_import_jobs
from .services import import_job_create
from .templates_xlsx import template_filename, template_workbook


@allowed_if(can_import)
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_create(
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            content=upload.read(),
            dry_run=form.cleaned_data["dry_run"],
            by=request.user,
        )
        return redirect("imports:job", pk=job.pk)
    kinds = [
        {"code": kind, "label": ImportKind(kind).label, "columns": importer.columns}
        for kind, importer in IMPORTERS.items()
    ]
    return render(
        request,
        "imports/upload.html",
        {"form": form, "jobs": recent_import_jobs(), "kinds": kinds},
        status=400 if form.errors else 200,
    )


@allowed_if(can_import)
def job_detail(request, pk: int):
    job = import_job_get(pk=pk)
    template = "imports/job.html#report" if request.htmx else "imports/job.html"
    return render(request, template, {"job": job})


@allowed_if(can_import)
@require_GET
def template(request, kind: str):
    if kind not in IMPORTERS:
        raise Http404
    return xlsx_response(template_workbook(kind), template_filename(kind))
