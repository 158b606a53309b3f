"""Brand cultivation (品牌培育): the brand manager's task list, the new-task form with a
live count of the matching customers, and sending."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import can_see_brand_tasks, can_send_brand_task
from core.months import current_month
from customers.selectors import customer_filter_choices

from ..forms import BrandTaskForm
from ..models import EntryKind
from ..selectors import brand_task_feed, brand_tasks_recent
from ..services import Criteria, brand_task_send
from .common import refusal

PAGE = "cycle/brand_tasks.html"
CRITERIA_FIELDS = ("trade_areas", "business_formats", "tier_bands", "market_types")


def _form(request, data=None) -> BrandTaskForm:
    areas = customer_filter_choices(user=request.user)["trade_areas"]
    initial = {"month": f"{current_month():%Y-%m}"}
    return BrandTaskForm(data, trade_areas=areas, initial=initial)


def _criteria(form: BrandTaskForm) -> Criteria:
    data = form.cleaned_data
    return Criteria(
        trade_areas=tuple(data.get("trade_areas") or ()),
        business_formats=tuple(data.get("business_formats") or ()),
        tier_bands=tuple(data.get("tier_bands") or ()),
        market_types=tuple(data.get("market_types") or ()),
    )


@allowed_if(can_see_brand_tasks)
def task_list(request):
    form = _form(request, request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_send_brand_task(request.user):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = brand_task_send(
                    by=request.user,
                    sku=data["sku"],
                    month=data["month"],
                    content=data["content"],
                    criteria=_criteria(form),
                )
                messages.success(
                    request,
                    _("已发送给 %(m)d 位客户经理，共 %(c)d 个目标客户。")
                    % {"m": task.managers_count, "c": task.customers_count},
                )
                return redirect("brand_tasks:list")
            except ValidationError as exc:
                form.add_error(None, refusal(exc)[0])
        status = 400
    context = {
        "form": form,
        "criteria_fields": [form[name] for name in CRITERIA_FIELDS],
        "tasks": brand_tasks_recent(),
        "feedback": brand_task_feed(user=request.user, kind=EntryKind.FEEDBACK)[:50],
        "can_send": can_send_brand_task(request.user),
        "count": _count(request, form) if request.method == "POST" else None,
    }
    return render(request, PAGE, context, status=status)


def _count(request, form: BrandTaskForm) -> int | None:
    if not form.is_bound:
        return None
    criteria_fields = ("trade_areas", "business_formats", "tier_bands", "market_types")
    checked = BrandTaskForm(
        form.data, trade_areas=[c for c, _ in form.fields["trade_areas"].choices]
    )
    checked.is_valid()
    if any(name in checked.errors for name in criteria_fields):
        return None
    return _criteria(checked).customers(user=request.user).count()


@allowed_if(can_see_brand_tasks)
def match_count(request):
    form = _form(request, request.GET)
    return render(request, f"{PAGE}#count", {"count": _count(request, form)})
