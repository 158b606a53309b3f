"""The monthly plan (月计划): the page, its goals, actions and approval."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import allowed_if
from accounts.policy import has_role, sees_team_plans, takes_part_in_reviews, works_own_cycle
from core.months import current_month
from core.xlsx import workbook_bytes, xlsx_response

from ..forms import ActionAddForm, ActionEditForm, ActionRemoveForm, GoalsForm
from ..models import Transition
from ..plan_action_export import plan_actions_filename, plan_actions_sheet
from ..plan_page import actions_context, plan_context
from ..selectors import action_get, approval_queue, evaluation_queue, plan_for, team_plans
from ..selectors.queues import recently_decided_plans
from ..services import (
    NotAllowedNow,
    action_add,
    action_remove,
    action_update,
    plan_approve,
    plan_generate,
    plan_reject,
    plan_submit,
    plan_update,
)
from .common import refusal, refused_now, transition_response, url_month

PAGE = "cycle/plan.html"


@allowed_if(has_role)
def plans_home(request):
    """Customer managers go to this month's plan; the others to the team's plans."""
    if works_own_cycle(request.user):
        return redirect("plans:detail", request.user.username, f"{current_month():%Y-%m}")
    return redirect("plans:queue")


@allowed_if(sees_team_plans)
def queue(request):
    month_text = request.GET.get("month", "")
    month = url_month(month_text) if month_text else current_month()
    context = {
        "queue": approval_queue(user=request.user),
        "decided": recently_decided_plans(user=request.user),
        "evaluations": evaluation_queue(user=request.user),
        "plans": team_plans(user=request.user, month=month),
        "month": month,
    }
    return render(request, "cycle/queue.html", context)


@allowed_if(has_role)
def detail(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    context = plan_context(user=request.user, cycle=cycle, query=request.GET)
    if request.htmx and request.GET.get("part") == "actions":
        return render(request, f"{PAGE}#actions", context)
    return render(request, PAGE, context)


@allowed_if(has_role)
@require_safe
def actions_export(request, username: str, month: str):
    """The plan's actions as an Excel file, for whoever may see the plan (its owner, their
    market manager, ...): a small direct download that writes nothing."""
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    content = workbook_bytes([plan_actions_sheet(cycle)])
    return xlsx_response(content, plan_actions_filename(cycle))


def _page_url(cycle) -> str:
    return reverse("plans:detail", args=[cycle.manager.username, f"{cycle.month:%Y-%m}"])


def _back(request, cycle, partial: str, context: dict, *, error: str = "", status: int = 200):
    """After a plan write: the partial for htmx, else back to the page (a message says what
    happened); a non-htmx write refused for its input re-renders the page with the message
    and status. (A write the plan's state refuses answers as ``common.refused_now``.)"""
    if request.htmx:
        return render(request, f"{PAGE}#{partial}", context | {"error": error})
    if error:
        messages.error(request, error)
        page = plan_context(user=request.user, cycle=cycle) | context
        return render(request, PAGE, page, status=status)
    return redirect(_page_url(cycle))


@allowed_if(works_own_cycle)
@require_POST
def goals(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    form = GoalsForm(request.POST, instance=cycle)
    error, status = "", 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            cycle = plan_update(cycle=cycle, by=request.user, **data)
            if not request.htmx:
                messages.success(request, _("计划目标已保存。"))
        except NotAllowedNow as exc:
            return refused_now(request, exc, _page_url(cycle))
        except ValidationError as exc:
            error, status = refusal(exc)
    else:
        error, status = _("请按提示修改后再保存。"), 400
    context = {"cycle": cycle, "goals_form": form, "saved": not error, "can_edit": True}
    return _back(request, cycle, "goals", context, error=error, status=status)


@allowed_if(works_own_cycle)
@require_POST
def generate(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    error, status, notice = "", 200, ""
    try:
        result = plan_generate(cycle=cycle, by=request.user)
        notice = _(
            "新增 %(total)d 条动作：预警生成 %(warning)d，上月结转 %(carried)d，"
            "工作安排 %(arrangement)d。"
        ) % {
            "total": result.total,
            "warning": result.warning,
            "carried": result.carried,
            "arrangement": result.arrangement,
        }
        notice = " ".join([notice, *result.notes])
    except NotAllowedNow as exc:
        return refused_now(request, exc, _page_url(cycle))
    except ValidationError as exc:
        error, status = refusal(exc)
    if notice and not request.htmx:
        messages.success(request, notice)
    context = actions_context(cycle=cycle, can_edit=cycle.plan_is_editable) | {"notice": notice}
    return _back(request, cycle, "actions", context, error=error, status=status)


@allowed_if(works_own_cycle)
@require_POST
def add_action(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    form = ActionAddForm(request.POST)
    error, status = "", 200
    if form.is_valid():
        try:
            action_add(
                cycle=cycle,
                by=request.user,
                customer_id=form.cleaned_data["customer"],
                text=form.cleaned_data["text"],
                standard_action=form.cleaned_data["standard_action"],
            )
        except NotAllowedNow as exc:
            return refused_now(request, exc, _page_url(cycle))
        except ValidationError as exc:
            error, status = refusal(exc)
    else:
        error, status = " ".join(m for ms in form.errors.values() for m in ms), 400
    context = actions_context(cycle=cycle, can_edit=cycle.plan_is_editable)
    context["add_form"] = form if error else None
    return _back(request, cycle, "actions", context, error=error, status=status)


@allowed_if(works_own_cycle)
@require_POST
def edit_action(request, username: str, month: str, pk: int):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    action = action_get(cycle=cycle, pk=pk)
    form = ActionEditForm(request.POST)
    error, status = "", 200
    if form.is_valid():
        try:
            action = action_update(action=action, by=request.user, **form.cleaned_data)
        except NotAllowedNow as exc:
            return refused_now(request, exc, _page_url(cycle))
        except ValidationError as exc:
            error, status = refusal(exc)
    else:
        error, status = " ".join(m for ms in form.errors.values() for m in ms), 400
    return _row(request, cycle, action, error=error, status=status)


@allowed_if(works_own_cycle)
@require_POST
def remove_action(request, username: str, month: str, pk: int):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    action = action_get(cycle=cycle, pk=pk)
    form = ActionRemoveForm(request.POST)
    error, status = "", 200
    if form.is_valid():
        try:
            action = action_remove(action=action, by=request.user, **form.cleaned_data)
        except NotAllowedNow as exc:
            return refused_now(request, exc, _page_url(cycle))
        except ValidationError as exc:
            error, status = refusal(exc)
    else:
        error, status = _("删除动作时请写明原因。"), 400
    return _row(request, cycle, action, error=error, status=status)


def _row(request, cycle, action, *, error: str, status: int):
    if request.htmx:
        days = list(
            cycle.planned_visits.filter(customer_id=action.customer_id)
            .order_by("date")
            .values_list("date", flat=True)
        )
        context = {"action": action, "days": days, "can_edit": True, "cycle": cycle}
        return render(request, f"{PAGE}#action_row", context | {"row_error": error})
    return _back(request, cycle, "actions", {}, error=error, status=status)


TRANSITIONS = {
    Transition.SUBMIT: (plan_submit, gettext_lazy("计划已提交，等待市场经理审批。")),
    Transition.APPROVE: (plan_approve, gettext_lazy("计划已批准。")),
    Transition.REJECT: (plan_reject, gettext_lazy("计划已退回。")),
}


@allowed_if(takes_part_in_reviews)
@require_POST
def transition(request, username: str, month: str, name: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    page_url = reverse("plans:detail", args=[username, month])
    # after a decision the market manager stays on the plan, with its history
    return transition_response(
        request,
        cycle=cycle,
        name=name,
        transitions=TRANSITIONS,
        page_url=page_url,
        template=PAGE,
        page_context=plan_context,
        decided_url=page_url,
    )
