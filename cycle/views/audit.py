"""The visit audit (拜访稽核): a market manager's team (an admin: any team) for a month."""

from __future__ import annotations

from django.shortcuts import render

from accounts.decorators import role_required
from accounts.models import Role
from core.months import current_month

from ..visit_audit import visit_audit
from .common import url_month

PAGE = "cycle/visit_audit.html"
PARTS = {"short", "unvisited"}


@role_required(Role.MARKET_MANAGER, Role.ADMIN)
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
        )
    }
    part = query.get("part")
    if request.htmx and part in PARTS:
        return render(request, f"{PAGE}#{part}", context)
    return render(request, PAGE, context)
