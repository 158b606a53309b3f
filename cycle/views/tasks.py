"""The task execution table (任务执行标注表): the page (filtered in place with htmx, the
filter kept in the URL), its print view of every filtered row, and its Excel export."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from accounts.decorators import allowed_if
from accounts.policy import has_role
from core.xlsx import workbook_bytes, xlsx_response

from ..models import ActionSource
from ..selectors import plan_for
from ..selectors.task_table import (
    MARK_CHOICES,
    TaskFilter,
    task_export_rows,
    task_table,
    task_totals,
)
from ..task_export import tasks_sheet
from .common import url_month

PAGE = "cycle/tasks.html"


@allowed_if(has_role)
@vary_on_headers("HX-Request")  # the same URL answers htmx with the table only
def table(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    where = TaskFilter.from_query(request.GET)
    printing = request.GET.get("print") == "1"
    context = {
        "cycle": cycle,
        "manager": cycle.manager,
        "month": cycle.month,
        "where": where,
        "query": where.querystring(),
        "printing": printing,
        "totals": task_totals(cycle=cycle),
        "table": task_table(
            cycle=cycle, where=where, page=request.GET.get("page"), paginate=not printing
        ),
        "mark_choices": MARK_CHOICES,
        "source_choices": ActionSource.choices,
    }
    if request.htmx and not printing and not request.htmx.history_restore_request:
        # the address bar gets the filter without its empty fields
        query = where.querystring(page=context["table"].page.number)
        response = render(request, f"{PAGE}#table", context)
        return push_url(response, request.path + (f"?{query}" if query else ""))
    return render(request, PAGE, context)


@allowed_if(has_role)
def export(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    rows = task_export_rows(cycle=cycle, where=TaskFilter.from_query(request.GET))
    content = workbook_bytes([tasks_sheet(rows)])
    name = f"{_('任务执行标注表')}-{cycle.manager.username}-{cycle.month:%Y-%m}.xlsx"
    return xlsx_response(content, name)
