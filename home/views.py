from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .overview import home_overview, home_template


@login_required
def home(request):
    return render(request, home_template(user=request.user), home_overview(user=request.user))
