import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import access_manager, leads_team, works_own_cycle
from accounts.selectors import teams_visible_to
from core.export_jobs import export_is_large
from core.export_views import start_export_job
from core.months import add_months
from core.xlsx import XLSX
from cycle.improvements import open_improvements
from cycle.selectors import cycle_for
from cycle.services import cycle_can_edit, cycle_save_problems
from cycle.views.common import plan_month

from .analysis import brand_context, manager_context, month_choice, team_context
from .export_kinds import INDICATORS, indicator_scope
from .exports import ExportError, export_count
from .forms import ExportForm, ProblemsForm, RecomputeForm
from .jobs import indicators_request
from .models import RunStatus
from .selectors import can_recompute, latest_run


@login_required
def analysis_home(request):
    user = request.user
    if works_own_cycle(user):
        return redirect("reports:manager", username=user.username)
    if leads_team(user):
        team = teams_visible_to(user=user).first()
        if team is not None:
            return redirect("reports:team", code=team.code)
    return redirect("reports:brands")


@login_required
def analysis_manager(request, username: str):
    month = month_choice(request.GET.get("month"))
    context = manager_context(
        user=request.user,
        username=username,
        month=month,
        rule=request.GET.get("rule", ""),
        page=request.GET.get("page"),
    )
    # the improvement items still open from earlier months, to carry into this plan
    context["open_improvements"] = open_improvements(
        user=request.user, manager=context["manager"], before_month=context["cycle"].month
    )
    return render(request, "reports/analysis_manager.html", context)


@login_required
@require_POST
def save_problems(request, username: str):
    form = ProblemsForm(request.POST)
    month = month_choice(request.POST.get("month"))
    cycle = cycle_for(
        user=request.user,
        manager=access_manager(request.user, username),
        month=plan_month(add_months(month, 1)),  # the problems go into that month's plan
    )
    # refused before the input is read: a refused form would show an editable box to whoever
    # may only read the problems (the service checks again)
    if not cycle_can_edit(user=request.user, cycle=cycle):
        raise PermissionDenied
    saved = False
    if form.is_valid():
        try:
            cycle = cycle_save_problems(
                cycle=cycle, text=form.cleaned_data["problems"], by=request.user
            )
            saved = True
        except ValidationError as exc:
            form.add_error("problems", exc.messages)
    context = {
        "form": form,
        "cycle": cycle,
        "saved": saved,
        "month": month,
        "manager": cycle.manager,
        "can_edit_problems": True,
    }
    if request.htmx:
        return render(request, "reports/analysis_manager.html#problems", context)
    if saved:
        messages.success(request, _("问题与原因已保存。"))
        return redirect(f"{reverse('reports:manager', args=[username])}?month={month:%Y-%m}")
    return render(request, "reports/problems_page.html", context, status=400)


@login_required
def analysis_team(request, code: str):
    month = month_choice(request.GET.get("month"))
    context = team_context(user=request.user, code=code, month=month)
    return render(request, "reports/analysis_team.html", context)


@login_required
def analysis_brands(request):
    month = month_choice(request.GET.get("month"))
    context = brand_context(user=request.user, team_code=request.GET.get("team", ""), month=month)
    return render(request, "reports/analysis_brands.html", context)


@login_required
@require_POST
def recompute(request):
    if not can_recompute(user=request.user):
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
