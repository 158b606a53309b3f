from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import allowed_if
from accounts.policy import can_import

from .forms import UploadForm
from .registry import IMPORTERS
from .selectors import import_job_get, recent_import_jobs
from .services import import_job_create


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
    columns = {kind: importer.columns for kind, importer in IMPORTERS.items()}
    return render(
        request,
        "imports/upload.html",
        {"form": form, "jobs": recent_import_jobs(), "columns": columns},
        status=400 if form.errors else 200,
    )


@allowed_if(can_import)
def job_detail(request, pk: int):
    job = import_job_get(pk=pk)
    template = "imports/job.html#report" if request.htmx else "imports/job.html"
    return render(request, template, {"job": job})
