"""加入计划 on the analysis page (issue #17 point 4): a POST that adds one warning's suggested
action to the next month's plan of its manager (``services.warning_plan``), once. htmx swaps
the button for "已在计划中"; without JavaScript the form redirects back to the page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import allowed_if
from accounts.policy import access_manager, works_own_cycle
from core.month_field import MonthField
from core.months import add_months

from ..selectors import cycle_for
from ..selectors.warning_plan import plan_add_mode
from ..services.errors import NotAllowedNow
from ..services.warning_plan import warning_add_to_plan
from .common import plan_month, refused_now


class AddToPlanForm(forms.Form):
    month = MonthField()  # the analysed month
    customer = forms.IntegerField(min_value=1)
    rule = forms.SlugField(max_length=50)
    sku = forms.IntegerField(required=False, min_value=1)
    page = forms.IntegerField(required=False, min_value=1)
    filter = forms.SlugField(required=False, max_length=50)  # the page's rule filter


@allowed_if(works_own_cycle)
@require_POST
def add_to_plan(request, username: str):
    manager = access_manager(request.user, username)
    form = AddToPlanForm(request.POST)
    if not form.is_valid():
        return _refused(request, username, None, _("请求不完整，请刷新页面后再试。"))
    data = form.cleaned_data
    cycle = cycle_for(
        user=request.user, manager=manager, month=plan_month(add_months(data["month"], 1))
    )
    back = _page_url(username, data)
    if cycle.manager_id != request.user.pk:
        raise PermissionDenied
    try:
        added = warning_add_to_plan(
            cycle=cycle,
            by=request.user,
            customer_id=data["customer"],
            rule_code=data["rule"],
            sku_id=data["sku"],
        )
    except NotAllowedNow as exc:
        return refused_now(request, exc, back)
    except ValidationError as exc:
        return _refused(request, username, data, " ".join(exc.messages), back=back)
    if request.htmx:
        return render(
            request,
            "reports/analysis_manager.html#plan_button",
            _button(data, added.action, cycle, request),
        )
    if added.created:
        done = (
            _("已作为临时任务加入 %(m)s 月计划。")
            if added.action.temporary
            else _("已加入 %(m)s 月计划。")
        )
        messages.success(request, done % {"m": f"{cycle.month:%Y-%m}"})
    else:
        messages.info(request, _("已在计划中，未重复添加。"))
    return redirect(back)


def _button(data, action, cycle, request, error: str = "") -> dict:
    return {
        "row": {"w": _Key(data), "action": action},
        "manager": cycle.manager,
        "month": data["month"],
        "cycle": cycle,
        "plan_add": plan_add_mode(user=request.user, cycle=cycle),
        "rule": data.get("filter") or "",
        "warning_page": {"number": data.get("page") or 1},
        "plan_error": error,
    }


class _Key:
    """What the button partial reads of a warning, from the form."""

    def __init__(self, data):
        self.customer_id, self.rule_code, self.sku_id = data["customer"], data["rule"], data["sku"]


def _refused(request, username, data, message, *, back: str = ""):
    if request.htmx and data is not None:
        cycle = cycle_for(
            user=request.user,
            manager=access_manager(request.user, username),
            month=plan_month(add_months(data["month"], 1)),
        )
        return render(
            request,
            "reports/analysis_manager.html#plan_button",
            _button(data, None, cycle, request, error=message),
        )
    messages.error(request, message)
    return redirect(back or reverse("reports:manager", args=[username]))


def _page_url(username: str, data: dict) -> str:
    query = f"?month={data['month']:%Y-%m}"
    if data.get("filter"):
        query += f"&rule={data['filter']}"
    if data.get("page"):
        query += f"&page={data['page']}"
    return reverse("reports:manager", args=[username]) + query + "#warnings"
