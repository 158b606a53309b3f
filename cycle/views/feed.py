"""The interaction feed (三员互动): read a customer manager's feed, post guidance or a work
arrangement (market manager), give feedback on an arrangement (customer manager)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import allowed_if
from accounts.policy import access_manager, has_role, leads_team, works_own_cycle
from core.months import current_month

from ..forms import ArrangementForm, EntryForm
from ..selectors import arrangement_get, feed_entries, feed_index
from ..services import (
    arrangement_post,
    feed_mark_read,
    feedback_post,
    guidance_post,
    manager_leads,
)
from .common import refusal

PAGE = "cycle/feed.html"


@allowed_if(has_role)
def index(request):
    if works_own_cycle(request.user):
        return redirect("feed:detail", request.user.username)
    return render(request, "cycle/feed_index.html", {"feeds": feed_index(user=request.user)})


def _context(request, manager, **extra) -> dict:
    leads = manager_leads(user=request.user, manager=manager)
    return {
        "manager": manager,
        "entries": feed_entries(user=request.user, manager=manager)[:200],
        "leads": leads,
        "is_owner": request.user.pk == manager.pk,
        "guidance_form": EntryForm(),
        "arrangement_form": ArrangementForm(
            initial={"month": f"{current_month():%Y-%m}", "target": "month_plan"}
        ),
    } | extra


@allowed_if(has_role)
def detail(request, username: str):
    manager = access_manager(request.user, username)
    context = _context(request, manager)
    feed_mark_read(user=request.user, manager=manager)
    return render(request, PAGE, context)


@allowed_if(leads_team)
@require_POST
def post_guidance(request, username: str):
    manager = access_manager(request.user, username)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            guidance_post(manager=manager, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error(None, refusal(exc)[0])
    if form.errors:
        return render(request, PAGE, _context(request, manager, guidance_form=form), status=400)
    messages.success(request, _("指导意见已发送。"))
    back = request.POST.get("next")
    if back == "guidance":
        return redirect(f"{reverse('plans:guidance')}?month={request.POST.get('month', '')}")
    return redirect("feed:detail", username)


@allowed_if(leads_team)
@require_POST
def post_arrangement(request, username: str):
    manager = access_manager(request.user, username)
    form = ArrangementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            arrangement_post(
                manager=manager,
                by=request.user,
                text=data["text"],
                target=data["target"],
                month=data["month"],
                date=data["date"],
            )
        except ValidationError as exc:
            form.add_error(None, refusal(exc)[0])
    if form.errors:
        return render(request, PAGE, _context(request, manager, arrangement_form=form), status=400)
    messages.success(request, _("工作安排已发送，将进入目标计划。"))
    return redirect("feed:detail", username)


@allowed_if(works_own_cycle)
@require_POST
def post_feedback(request, username: str, pk: int):
    manager = access_manager(request.user, username)
    arrangement = arrangement_get(manager=manager, pk=pk)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            feedback_post(arrangement=arrangement, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error(None, refusal(exc)[0])
    if form.errors:
        context = _context(request, manager, feedback_form=form, feedback_for=pk)
        return render(request, PAGE, context, status=400)
    messages.success(request, _("反馈已记录，该安排不再流转到以后的计划。"))
    return redirect(f"{reverse('feed:detail', args=[username])}#entry-{pk}")
