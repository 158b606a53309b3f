from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import help as help_content
from .overview import home_overview, home_template


@login_required
def home(request):
    return render(request, home_template(user=request.user), home_overview(user=request.user))


@login_required
def help_page(request):
    """使用说明: the signed-in user's own role's page, or another role's with ``?role=``."""
    context = help_content.help_page(user=request.user, role=request.GET.get("role", ""))
    return render(request, "home/help.html", context)
