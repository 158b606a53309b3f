"""The customer list as an export job (core.export_jobs, registered there when
CustomersConfig.ready() imports this module): the rows the list page's filter gives the
requester, counted and written as them, so that a job never shows more than the page would.
Parameters are the page's query, stored as JSON on the job."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from core.export_jobs import ExportKind, register_kind
from core.xlsx import stamped

from .exports import write_customers
from .filters import CustomerFilter, list_params
from .selectors import customer_filter_choices, customer_list

# --- the customer list (customers:export) -------------------------------------------------


def _customers(user: User, params: dict):
    query = QueryDict(mutable=True)
    query.update(params)
    return CustomerFilter(
        list_params(query),
        queryset=customer_list(user=user),
        **customer_filter_choices(user=user),
    ).qs


def _customers_write(user, params, target, progress):
    return write_customers(_customers(user, params), target, progress=progress)


CUSTOMERS = ExportKind(
    label=gettext_lazy("客户列表"),
    count=lambda user, params: _customers(user, params).count(),
    write=_customers_write,
    filename=lambda params: stamped(gettext("客户列表")),
)


register_kind("customers", CUSTOMERS)
