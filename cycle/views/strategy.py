"""The strategy library (策略库) with the measured effect of each standard action (issue
#17): market managers and admins. Rules and actions are edited in the admin site."""

from django.shortcuts import render

from accounts.decorators import allowed_if
from accounts.policy import can_see_strategy_library

from ..selectors.effects import LIBRARY_MONTHS, library_charts, library_for

PAGE = "strategy/library.html"


@allowed_if(can_see_strategy_library)
def library(request):
    scope = request.GET.get("scope", "").strip()
    library, scopes = library_for(
        user=request.user, scope=scope, order=request.GET.get("o", "").strip()
    )
    context = {
        "library": library,
        "scopes": scopes,
        "charts": library_charts(library),
        "months": LIBRARY_MONTHS,
    }
    if request.htmx:
        return render(request, f"{PAGE}#table", context)
    return render(request, PAGE, context)
