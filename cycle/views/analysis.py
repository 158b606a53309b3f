"""The analysis pages of a customer manager and of a team (step 1 分析), and the problems
written there into the next month's plan; the brand page, recompute and the indicator
exports are reports' own (reports/views.py). Routed by cycle/analysis_urls.py under the
namespace ``reports``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import allowed_if
from accounts.policy import access_manager, can_recompute, leads_team, works_own_cycle
from accounts.selectors import teams_visible_to
from core.months import add_months
from reports.analysis import month_choice

from ..analysis_page import manager_context, team_context
from ..forms import ProblemsForm
from ..models import WarningTrigger
from ..selectors import cycle_for
from ..selectors.improvements import open_improvements
from ..services import cycle_can_edit, cycle_save_problems
from ..strategy.store import warnings_recompute_later
from .common import plan_month


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
@require_POST
@allowed_if(can_recompute)
def compute_warnings(request):
    """Compute and store a month's warnings (every manager's) in the background: the button
    of a page whose month has none stored yet."""
    month = month_choice(request.POST.get("month"))
    warnings_recompute_later(month=month, trigger=WarningTrigger.MANUAL)
    started = _("已开始计算%(month)s的预警，稍后刷新本页即可看到。")
    messages.success(request, started % {"month": f"{month:%Y-%m}"})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = f"{reverse('reports:home')}?month={month:%Y-%m}"
    return redirect(back)
