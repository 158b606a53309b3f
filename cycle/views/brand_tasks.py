"""Brand cultivation (品牌培育): the brand manager's task list, the new-task form with a
live count of whom the targeting reaches, and sending."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import can_see_brand_tasks, can_send_brand_task
from core.months import current_month
from customers.selectors import customer_filter_choices

from ..forms import BrandTaskCriteriaForm, BrandTaskForm
from ..models import EntryKind
from ..selectors import brand_task_feed, brand_tasks_recent
from ..selectors.brand_tasks import Criteria, Reach, brand_task_reach
from ..services import brand_task_send
from ..services.brand_tasks import MAX_TARGET_CUSTOMERS
from .common import refusal

PAGE = "cycle/brand_tasks.html"


def _trade_areas(request) -> list[str]:
    return customer_filter_choices(user=request.user)["trade_areas"]


def _criteria(data: dict) -> Criteria:
    names = BrandTaskCriteriaForm.CRITERIA
    return Criteria(**{name: tuple(data.get(name) or ()) for name in names})


def _reach(request, areas: list[str], data=None) -> Reach | None:
    """Whom the targeting in ``data`` (nothing ticked: everyone) reaches; None when a
    criterion holds a value the form does not offer."""
    form = BrandTaskCriteriaForm(data or {}, trade_areas=areas)
    if not form.is_valid():
        return None
    return brand_task_reach(user=request.user, criteria=_criteria(form.cleaned_data))


def _context(request, form: BrandTaskForm, reach: Reach | None) -> dict:
    return {
        "form": form,
        "tasks": brand_tasks_recent(),
        "feedback": brand_task_feed(user=request.user, kind=EntryKind.FEEDBACK)[:50],
        "can_send": can_send_brand_task(request.user),
        "reach": reach,
        "max_customers": MAX_TARGET_CUSTOMERS,
    }


@allowed_if(can_see_brand_tasks)
def task_list(request):
    can_send = can_send_brand_task(request.user)
    initial = {"month": f"{current_month():%Y-%m}"}
    areas = _trade_areas(request)
    if request.method != "POST":
        form = BrandTaskForm(initial=initial, trade_areas=areas)
        reach = _reach(request, areas) if can_send else None
        return render(request, PAGE, _context(request, form, reach))
    if not can_send:
        raise PermissionDenied
    if "preview" in request.POST:
        # without JavaScript: 预览人数 shows the count and keeps what was entered, unchecked
        form = BrandTaskForm(initial={**initial, **_entered(request.POST)}, trade_areas=areas)
        return render(request, PAGE, _context(request, form, _reach(request, areas, request.POST)))
    form = BrandTaskForm(request.POST, trade_areas=areas)
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = brand_task_send(
                by=request.user,
                sku=data["sku"],
                month=data["month"],
                content=data["content"],
                criteria=_criteria(data),
            )
        except ValidationError as exc:
            form.add_error(None, refusal(exc)[0])
        else:
            messages.success(
                request,
                _("已发送给 %(m)d 位客户经理，共 %(c)d 个目标客户。")
                % {"m": task.managers_count, "c": task.customers_count},
            )
            return redirect("brand_tasks:list")
    context = _context(request, form, _reach(request, areas, request.POST))
    return render(request, PAGE, context, status=400)


def _entered(post) -> dict:
    values = {name: post.getlist(name) for name in BrandTaskCriteriaForm.CRITERIA}
    values |= {name: post.get(name, "") for name in ("sku", "month", "content")}
    return {name: value for name, value in values.items() if value}


@allowed_if(can_see_brand_tasks)
def match_count(request):
    reach = _reach(request, _trade_areas(request), request.GET)
    context = {"reach": reach, "max_customers": MAX_TARGET_CUSTOMERS}
    return render(request, f"{PAGE}#count", context)
