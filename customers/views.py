from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.export_jobs import export_is_large
from core.export_views import start_export_job
from core.xlsx import stamped, xlsx_response

from .exports import customers_workbook
from .filters import PAGE_SIZES, CustomerFilter, list_params, page_size
from .forms import CustomerEditForm
from .selectors import (
    customer_can_edit,
    customer_filter_choices,
    customer_get,
    customer_list,
    customer_list_shows_manager,
)
from .services import customer_update


def _filtered(request) -> CustomerFilter:
    return CustomerFilter(
        list_params(request.GET),
        queryset=customer_list(user=request.user),
        **customer_filter_choices(user=request.user),
    )


@login_required
def customer_index(request):
    customers = _filtered(request)
    size = page_size(request.GET.get("per_page"))
    page = Paginator(customers.qs, size).get_page(request.GET.get("page"))
    context = {
        "filter": customers,
        "page": page,
        "per_page": size,
        "page_sizes": PAGE_SIZES,
        "sort": request.GET.get("o", ""),
        "show_manager": customer_list_shows_manager(user=request.user),
    }
    template = "customers/list.html#results" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
def customer_export(request):
    customers = _filtered(request)
    rows = customers.qs.count()
    if export_is_large(rows):
        # a big list is written by a worker; its page links the file when it is ready
        return start_export_job(request, kind="customers", params=request.GET.dict(), rows=rows)
    return xlsx_response(customers_workbook(customers.qs), stamped(_("客户列表")))


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = customer_get(user=request.user, pk=pk)
    if not customer_can_edit(user=request.user, customer=customer):
        raise PermissionDenied
    form = CustomerEditForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        changes = customer_update(
            customer=customer,
            by=request.user,
            data={field: form.cleaned_data[field] for field in form.Meta.fields},
        )
        if changes:
            messages.success(request, _("已保存 %(n)d 项修改。") % {"n": len(changes)})
        else:
            messages.info(request, _("没有修改。"))
        return redirect("customers:detail", pk=customer.pk)
    context = {"customer": customer, "form": form}
    return render(request, "customers/edit.html", context, status=400 if form.errors else 200)
