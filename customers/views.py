from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from core.months import add_months, previous_month
from markets.selectors import monthly_totals

from .models import CustomerStatus
from .selectors import customer_can_edit, customer_get, customer_list

PAGE_SIZE = 50


@login_required
def customer_index(request):
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", CustomerStatus.ACTIVE)
    if status not in CustomerStatus.values and status != "all":
        status = CustomerStatus.ACTIVE
    customers = customer_list(
        user=request.user, search=search, status=None if status == "all" else status
    )
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "status": status,
        "statuses": CustomerStatus.choices,
    }
    template = "customers/list.html#table" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
def customer_detail(request, pk: int):
    customer = customer_get(user=request.user, pk=pk)
    last = previous_month()
    context = {
        "customer": customer,
        "can_edit": customer_can_edit(user=request.user, customer=customer),
        "trend": monthly_totals(
            customers=[customer.pk],
            first=add_months(last, -12),
            last=last,
        ),
    }
    return render(request, "customers/detail.html", context)
