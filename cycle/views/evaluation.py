"""The month-end evaluation (月度评估, DESIGN.md §4 step 4) and its improvement items (改进,
step 5): one page with the computed plan-versus-result figures, the monthly summary, the
market manager's review of the month and of each item."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import allowed_if
from accounts.policy import has_role, leads_team, takes_part_in_reviews, works_own_cycle
from brands.selectors import key_skus
from core.months import add_months, month_end
from surveys.selectors import summary as satisfaction_summary

from ..forms import CommentForm, ImprovementEditForm, ImprovementForm, SummaryForm
from ..models import Cycle, IssueKind, Transition, WeeklySummary
from ..selectors import cycle_rows, evaluation_history, own_customers, plan_for
from ..selectors.effects import effects_computed, manager_month_effects
from ..selectors.evaluation_figures import evaluation_figures
from ..selectors.improvements import cycle_improvements, improvement_get, own_customer_id
from ..selectors.steps import cycle_steps
from ..services import (
    NotAllowedNow,
    cycle_can_edit,
    evaluation_approve,
    evaluation_may,
    evaluation_reject,
    evaluation_save_summary,
    evaluation_submit,
    improvement_add,
    improvement_due_range,
    improvement_may_review,
    improvement_review,
    improvement_set_done,
    improvement_update,
)
from .common import refusal, refused_now, transition_response, url_month

PAGE = "cycle/evaluation.html"


def _cycle(request, username: str, month: str) -> Cycle:
    return plan_for(user=request.user, username=username, month=url_month(month))


def _page_url(cycle: Cycle, anchor: str = "") -> str:
    url = reverse("plans:evaluation", args=[cycle.manager.username, f"{cycle.month:%Y-%m}"])
    return f"{url}#{anchor}" if anchor else url


def page_context(*, user, cycle: Cycle) -> dict:
    is_owner = cycle_can_edit(user=user, cycle=cycle)
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "month": cycle.month,
        "previous_month": add_months(cycle.month, -1),
        "next_month": add_months(cycle.month, 1),
        "month_over": timezone.localdate() > month_end(cycle.month),
        "steps": cycle_steps(cycle=cycle),
        "figures": evaluation_figures(cycle=cycle),
        "is_owner": is_owner,
        "can_edit_summary": is_owner and cycle.execution_is_open,
        "may": {t: evaluation_may(user=user, cycle=cycle, transition=t) for t in Transition},
        "history": evaluation_history(cycle=cycle),
        "weekly": cycle_rows(WeeklySummary.objects, cycle),
        # the customers' satisfaction, the main line's own measure, up to this month's period
        "satisfaction": satisfaction_summary(
            user=user, until=month_end(cycle.month), manager=cycle.manager
        ),
        "effects": manager_month_effects(manager=cycle.manager, month=add_months(cycle.month, -1)),
        "effects_computed": effects_computed(month=add_months(cycle.month, -1)),
        **improvements_context(user=user, cycle=cycle),
    }


def improvements_context(*, user, cycle: Cycle) -> dict:
    is_owner = cycle_can_edit(user=user, cycle=cycle)
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "month": cycle.month,
        "is_owner": is_owner,
        "improvements": cycle_improvements(cycle=cycle),
        "may_review": improvement_may_review(user=user, cycle=cycle),
        "kinds": IssueKind.choices,
        "customer_choices": (
            own_customers(cycle).only("id", "code", "name").order_by("code") if is_owner else []
        ),
        "sku_choices": key_skus() if is_owner else [],
        "due_range": improvement_due_range(cycle),
        "due_default": month_end(add_months(cycle.month, 1)),
    }


@allowed_if(has_role)
def evaluation(request, username: str, month: str):
    cycle = _cycle(request, username, month)
    return render(request, PAGE, page_context(user=request.user, cycle=cycle))


def _refused(request, cycle, partial: str, context: dict, *, error: str, status: int):
    """A write refused for its input: the partial with the message for htmx (status 200, so
    that htmx swaps it in, as on the plan pages), else the whole page with the status. (A
    write the state refuses answers as ``common.refused_now``.)"""
    if request.htmx:
        return render(request, f"{PAGE}#{partial}", context | {"error": error})
    messages.error(request, error)
    page = page_context(user=request.user, cycle=cycle) | context
    return render(request, PAGE, page, status=status)


# --- the monthly summary and the review of the month -------------------------------------


@allowed_if(works_own_cycle)
@require_POST
def summary(request, username: str, month: str):
    cycle = _cycle(request, username, month)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        error = " ".join(form.errors["summary"])
        context = {"cycle": cycle, "summary_text": request.POST.get("summary", "")}
        return _refused(request, cycle, "summary", context, error=error, status=400)
    text = form.cleaned_data["summary"]
    try:
        cycle = evaluation_save_summary(cycle=cycle, by=request.user, summary=text)
    except NotAllowedNow as exc:  # the month was closed meanwhile
        return refused_now(request, exc, _page_url(cycle))
    except ValidationError as exc:
        error, status = refusal(exc)
        context = {"cycle": cycle, "summary_text": text, "can_edit_summary": True}
        return _refused(request, cycle, "summary", context, error=error, status=status)
    if request.htmx:
        context = {"cycle": cycle, "can_edit_summary": True, "saved": True}
        return render(request, f"{PAGE}#summary", context)
    messages.success(request, _("月总结已保存。"))
    return redirect(_page_url(cycle, "summary"))


TRANSITIONS = {
    Transition.SUBMIT: (
        evaluation_submit,
        gettext_lazy("月度评估已提交，等待市场经理审核。"),
    ),
    Transition.APPROVE: (evaluation_approve, gettext_lazy("月度评估已通过。")),
    Transition.REJECT: (evaluation_reject, gettext_lazy("月度评估已退回。")),
}


@allowed_if(takes_part_in_reviews)
@require_POST
def transition(request, username: str, month: str, name: str):
    cycle = _cycle(request, username, month)
    return transition_response(
        request,
        cycle=cycle,
        name=name,
        transitions=TRANSITIONS,
        page_url=_page_url(cycle),
        template=PAGE,
        page_context=page_context,
    )


# --- improvement items -------------------------------------------------------------------


@allowed_if(has_role)
def improvements(request, username: str, month: str):
    """GET: the items (the section, for htmx; else the page at the section). POST: the
    customer manager adds one."""
    cycle = _cycle(request, username, month)
    if request.method != "POST":
        if request.htmx:
            context = improvements_context(user=request.user, cycle=cycle)
            return render(request, f"{PAGE}#improvements", context)
        return redirect(_page_url(cycle, "improvements"))
    if not cycle_can_edit(user=request.user, cycle=cycle):
        raise PermissionDenied
    form = ImprovementForm(request.POST)
    error, status, field_errors = "", 200, {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            improvement_add(
                cycle=cycle,
                by=request.user,
                kind=data["kind"],
                text=data["text"],
                due=data["due"],
                customer_id=own_customer_id(cycle=cycle, text=data["customer"]),
                sku_id=data["sku"],
            )
        except ValidationError as exc:
            error, status = refusal(exc)
            field_errors = getattr(exc, "error_dict", {})
    else:
        error, status = _("请按提示修改后再添加。"), 400
        field_errors = form.errors
    context = improvements_context(user=request.user, cycle=cycle)
    if error:
        context |= {
            "add_form": request.POST,
            "add_errors": {k: " ".join(_messages(v)) for k, v in field_errors.items()},
        }
        return _refused(request, cycle, "improvements", context, error=error, status=status)
    if request.htmx:
        return render(request, f"{PAGE}#improvements", context | {"added": True})
    messages.success(request, _("改进事项已添加。"))
    return redirect(_page_url(cycle, "improvements"))


def _messages(errors) -> list[str]:
    found = []
    for error in errors:
        found.extend(error.messages if isinstance(error, ValidationError) else [str(error)])
    return found


@allowed_if(works_own_cycle)
@require_POST
def improvement_done(request, username: str, month: str, pk: int):
    cycle = _cycle(request, username, month)
    item = improvement_get(cycle=cycle, pk=pk)
    item = improvement_set_done(
        improvement=item, by=request.user, done=request.POST.get("done") == "1"
    )
    return _item(request, cycle, item)


@allowed_if(works_own_cycle)
@require_POST
def improvement_edit(request, username: str, month: str, pk: int):
    cycle = _cycle(request, username, month)
    item = improvement_get(cycle=cycle, pk=pk)
    form = ImprovementEditForm(request.POST)
    error, status = "", 200
    if form.is_valid():
        try:
            item = improvement_update(improvement=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            error, status = refusal(exc)
    else:
        error, status = " ".join(m for ms in form.errors.values() for m in ms), 400
    return _item(request, cycle, item, error=error, status=status, edit=request.POST)


@allowed_if(leads_team)
@require_POST
def improvement_review_view(request, username: str, month: str, pk: int):
    cycle = _cycle(request, username, month)
    item = improvement_get(cycle=cycle, pk=pk)
    form = CommentForm(request.POST)
    decision = request.POST.get("decision")
    error, status = "", 200
    if decision not in ("accept", "return"):
        error, status = _("请选择同意或退回。"), 400
    elif not form.is_valid():
        error, status = " ".join(form.errors["comment"]), 400
    else:
        try:
            item = improvement_review(
                improvement=item,
                by=request.user,
                accept=decision == "accept",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            error, status = refusal(exc)
    return _item(request, cycle, item, error=error, status=status)


def _item(request, cycle, item, *, error: str = "", status: int = 200, edit=None):
    """After a write to one item: the item for htmx, else back to the page's section."""
    if request.htmx:
        context = {
            "item": item,
            "cycle": cycle,
            "manager": cycle.manager,
            "month": cycle.month,
            "is_owner": cycle_can_edit(user=request.user, cycle=cycle),
            "may_review": improvement_may_review(user=request.user, cycle=cycle),
            "due_range": improvement_due_range(cycle),
            "item_error": error,
            "edit": edit if error else None,
        }
        return render(request, f"{PAGE}#improvement", context)
    if error:
        messages.error(request, error)
        return render(request, PAGE, page_context(user=request.user, cycle=cycle), status=status)
    return redirect(_page_url(cycle, f"improvement-{item.pk}"))
