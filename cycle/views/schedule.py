"""The weekly arrangement (周安排): a month calendar of visit days and a day editor, with
the weekly summaries (周小结) beside the weeks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import allowed_if
from accounts.policy import has_role, works_own_cycle
from core.months import month_end
from core.workdays import work_day
from customers.models import MarketType

from ..forms import DayForm
from ..selectors import (
    calendar_weeks,
    day_customers,
    day_limit,
    plan_for,
    schedule_days,
    unscheduled_customers,
)
from ..selectors.weeks import week_notes
from ..services import NotAllowedNow, cycle_can_edit, schedule_set_day, weekly_summary_save
from .common import refusal, refused_now, url_date, url_month


@allowed_if(has_role)
def calendar(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    return render(request, "cycle/schedule.html", _calendar_context(request, cycle))


def _calendar_context(request, cycle) -> dict:
    days = schedule_days(cycle=cycle)
    weeks = calendar_weeks(days)
    is_owner = cycle_can_edit(user=request.user, cycle=cycle)
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "month": cycle.month,
        "weeks": weeks,
        "week_rows": week_notes(cycle=cycle, weeks=weeks, today=timezone.localdate()),
        "can_write_summary": is_owner and cycle.execution_is_open,
        "summary_closed": is_owner and not cycle.execution_is_open,
        "over": [d for d in days if d.over],
        "planned_total": sum(d.customers for d in days),
        "workdays": sum(1 for d in days if d.workday),
        "unscheduled": unscheduled_customers(cycle=cycle),
        "can_edit": is_owner and cycle.plan_is_editable,
    }


@allowed_if(has_role)
def day(request, username: str, month: str, date: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    date = url_date(date)
    if not cycle.month <= date <= month_end(cycle.month):
        raise Http404("day outside the plan's month")
    area = request.GET.get("area", "")
    customers = day_customers(cycle=cycle, date=date)
    areas = sorted({c.trade_area for c in customers if c.trade_area})
    shown = [c for c in customers if not area or c.trade_area == area]
    error, status = "", 200
    if request.method == "POST":
        form = DayForm(request.POST, customer_ids=[c.pk for c in customers])
        if form.is_valid():
            shown_ids = {int(x) for x in request.POST.getlist("shown") if x.isdigit()}
            current = {c.pk for c in customers if c.planned}
            wanted = (current - shown_ids) | set(form.cleaned_data["customers"])
            try:
                n = schedule_set_day(cycle=cycle, by=request.user, date=date, customer_ids=wanted)
                messages.success(
                    request, _("%(date)s 已安排 %(n)d 个客户。") % {"date": date, "n": n}
                )
                return redirect("plans:schedule", username, month)
            except NotAllowedNow as exc:
                return refused_now(request, exc, request.path)
            except ValidationError as exc:
                error, status = refusal(exc)
        else:
            error, status = _("客户选择有误，请刷新后重试。"), 400
        typed = form.data.getlist("customers", [])
        checked = {int(x) for x in typed if str(x).isdigit()} if error else set()
        for c in customers:
            c.planned = c.pk in checked or (c.planned and c not in shown)
    planned = sum(1 for c in customers if c.planned)
    rural = sum(1 for c in customers if c.planned and c.market_type == MarketType.RURAL)
    context = {
        "cycle": cycle,
        "manager": cycle.manager,
        "month": cycle.month,
        "date": date,
        "customers": shown,
        "areas": areas,
        "area": area,
        "planned": planned,
        "limit": day_limit(customers=planned, rural=rural),
        "work_day": work_day(date),
        "error": error,
        "can_edit": cycle_can_edit(user=request.user, cycle=cycle) and cycle.plan_is_editable,
    }
    return render(request, "cycle/schedule_day.html", context, status=status)


@allowed_if(works_own_cycle)
@require_POST
def week_summary(request, username: str, month: str, date: str):
    """Save (an empty text clears) the summary of the week starting on ``date``."""
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    monday = url_date(date)
    text = request.POST.get("text", "")
    error, status = "", 200
    try:
        weekly_summary_save(cycle=cycle, by=request.user, week_start=monday, text=text)
    except NotAllowedNow as exc:  # the month was closed meanwhile
        return refused_now(request, exc, reverse("plans:schedule", args=[username, month]))
    except ValidationError as exc:
        error, status = refusal(exc)
    if not error and not request.htmx:
        messages.success(request, _("周小结已保存。"))
        return redirect("plans:schedule", username, month)
    context = _calendar_context(request, cycle)
    week = next((w for w in context["week_rows"] if w.monday == monday), None)
    if week is not None:
        week.error, week.saved = error, not error
        if error:
            week.text, week.text_month = text, None  # keep what was typed
    if request.htmx and week is not None:
        # htmx swaps 200 responses only: the week shows its own message
        return render(request, "cycle/schedule.html#week_summary", context | {"week": week})
    messages.error(request, error)
    return render(request, "cycle/schedule.html", context, status=status)
