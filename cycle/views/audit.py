"""The visit audit (拜访稽核): a market manager's team (an admin: any team) for a month."""

from __future__ import annotations

from django.shortcuts import render

from accounts.decorators import allowed_if
from accounts.policy import can_see_team_board
from core.export_jobs import export_is_large
from core.export_views import start_export_job
from core.months import current_month
from core.xlsx import workbook_bytes, xlsx_response

from ..audit_export import audit_row_count, audit_sheets
from ..export_kinds import audit_filename
from ..selectors.visit_audit import visit_audit
from .common import url_month

PAGE = "cycle/visit_audit.html"
PARTS = {"short", "unvisited", "far", "photos"}


@allowed_if(can_see_team_board)
def audit(request):
    query = request.GET
    month_text = query.get("month", "").strip()
    context = {
        "audit": visit_audit(
            user=request.user,
            month=url_month(month_text) if month_text else current_month(),
            manager=query.get("manager", "").strip(),
            team=query.get("team", "").strip(),
            short_page=query.get("sp"),
            unvisited_page=query.get("up"),
            far_page=query.get("fp"),
            photo_page=query.get("pp"),
        )
    }
    part = query.get("part")
    if request.htmx and part in PARTS:
        return render(request, f"{PAGE}#{part}", context)
    return render(request, PAGE, context)


@allowed_if(can_see_team_board)
def audit_xlsx(request):
    """The page's tables without paging, for the same month, team and manager; a company's
    worth of unvisited customers is written by an export job."""
    query = request.GET
    month_text = query.get("month", "").strip()
    month = url_month(month_text) if month_text else current_month()
    params = {
        "month": f"{month:%Y-%m}",
        "team": query.get("team", "").strip(),
        "manager": query.get("manager", "").strip(),
    }
    audit = visit_audit(
        user=request.user, month=month, manager=params["manager"], team=params["team"]
    )
    rows = audit_row_count(audit)
    if export_is_large(rows):
        return start_export_job(request, kind="visit_audit", params=params, rows=rows)
    return xlsx_response(workbook_bytes(audit_sheets(audit)), audit_filename(params))
