from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import leads_team
from core.xlsx import stamped, workbook_bytes, xlsx_response
from reports.analysis import month_choice

from ..guidance_export import guidance_sheet
from ..selectors.guidance import (
    SORTS,
    WEAK_ACCURACY,
    WEAK_BIAS,
    WEAK_COVERAGE,
    guidance_chart,
    guidance_rows,
)


@allowed_if(leads_team)
def guidance(request):
    month = month_choice(request.GET.get("month"))
    sort = request.GET.get("sort", "accuracy")
    sort = sort if sort in SORTS else "accuracy"
    rows = guidance_rows(user=request.user, month=month, sort=sort)
    context = {
        "month": month,
        "sort": sort,
        "rows": rows,
        "chart": guidance_chart(rows),
        "thresholds": {
            "accuracy": WEAK_ACCURACY * 100,
            "bias": WEAK_BIAS * 100,
            "coverage": WEAK_COVERAGE * 100,
        },
    }
    return render(request, "cycle/guidance.html", context)


@allowed_if(leads_team)
def guidance_xlsx(request):
    """The page's table for the same month, in the same order."""
    month = month_choice(request.GET.get("month"))
    sort = request.GET.get("sort", "accuracy")
    rows = guidance_rows(user=request.user, month=month, sort=sort if sort in SORTS else "accuracy")
    content = workbook_bytes([guidance_sheet(rows, month=month)])
    return xlsx_response(content, stamped(f"{_('预测指导')}-{month:%Y-%m}"))
