"""Reports' own pages: the brand analysis, recomputing a month's indicators, the run's
status and the indicator exports. The manager and team analysis pages are the cycle's
(cycle/views/analysis.py); cycle/analysis_urls.py routes all of them under ``reports``."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import policy
from core.export_jobs import export_is_large
from core.export_views import start_export_job
from core.xlsx import XLSX

from .analysis import brand_context, month_choice
from .export_kinds import INDICATORS, indicator_scope
from .exports import ExportError, export_count
from .forms import ExportForm, RecomputeForm
from .jobs import indicators_request
from .models import RunStatus
from .selectors import latest_run


@login_required
def analysis_brands(request):
    month = month_choice(request.GET.get("month"))
    context = brand_context(user=request.user, team_code=request.GET.get("team", ""), month=month)
    return render(request, "reports/analysis_brands.html", context)


@login_required
@require_POST
def recompute(request):
    if not policy.can_recompute(request.user):
        raise PermissionDenied
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["month"]))
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("reports:home")
        return redirect(back)
    month = form.cleaned_data["month"]
    try:
        run = indicators_request(month=month, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        run.refresh_from_db()
        if run.status == RunStatus.FAILED and not request.htmx:
            # not queued (broker down): said where the redirect lands; htmx gets the run status
            messages.error(request, run.error)
    context = {"month": month, "run": latest_run(month=month), "since": timezone.now()}
    if request.htmx:
        return render(request, "reports/run_status.html", context)
    return redirect(f"{reverse('reports:home')}?month={month:%Y-%m}")


@login_required
def run_status(request):
    month = month_choice(request.GET.get("month"))
    context = {"month": month, "run": latest_run(month=month), "since": request.GET.get("since")}
    return render(request, "reports/run_status.html", context)


@login_required
def export(request):
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(str(form.errors), status=400, content_type="text/plain")
    data = form.cleaned_data
    params = {
        "month": f"{data['month']:%Y-%m}",
        "kind": data["kind"],
        "scope": data["scope"] or "company",
        "format": data["format"] or "xlsx",
    }
    try:
        scope = indicator_scope(user=request.user, text=params["scope"])
    except ExportError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    try:
        count = export_count(month=data["month"], kind=data["kind"], scope=scope)
    except ExportError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    if export_is_large(count):
        return start_export_job(request, kind="indicators", params=params, rows=count)
    buffer = io.BytesIO()
    INDICATORS.write(request.user, params, buffer, None)
    response = HttpResponse(
        buffer.getvalue(), content_type=XLSX if params["format"] == "xlsx" else "text/csv"
    )
    response["Content-Disposition"] = content_disposition_header(True, INDICATORS.filename(params))
    return response
