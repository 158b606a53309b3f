"""The exports that may run as jobs (core.export_jobs, registered there by name when
ReportsConfig.ready() imports this module): for each kind, how many rows an export of given
parameters has, and how to write it — as the requester, whose permissions are checked again
when the worker writes the file, so that a job never shows more than the page would.
Parameters are the page's query, stored as JSON on the job."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.export_jobs import ExportKind, register_kind
from core.months import current_month, parse_month
from core.xlsx import stamped, write_workbook
from customers.exports import write_customers
from customers.filters import CustomerFilter, list_params
from customers.selectors import customer_filter_choices, customer_list
from cycle.audit_export import audit_row_count, audit_sheets
from cycle.visit_audit import visit_audit

from .exports import Scope, export_count, export_table, parse_scope, write_csv, write_xlsx
from .selectors import export_scope_allowed

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
    filename=lambda params: stamped("customers"),
)


# --- stored indicators (reports:export) ---------------------------------------------------


def indicator_scope(*, user: User, text: str) -> Scope:
    """The scope ``text`` names ("company", "team:T01", "manager:cm01") if ``user`` may
    export it: PermissionDenied first — what does not exist and what may not be seen look
    the same — then ExportError for a malformed one."""
    scope_type, _sep, key = text.partition(":")
    if not export_scope_allowed(user=user, scope_type=scope_type, key=key.strip()):
        raise PermissionDenied
    return parse_scope(text)


def _indicator_scope(user: User, params: dict) -> Scope:
    return indicator_scope(user=user, text=params.get("scope") or "company")


def _indicators_count(user, params) -> int:
    scope = _indicator_scope(user, params)
    return export_count(month=parse_month(params["month"]), kind=params["kind"], scope=scope)


def _indicators_write(user, params, target, progress) -> int:
    scope = _indicator_scope(user, params)
    month = parse_month(params["month"])
    header, rows = export_table(month=month, kind=params["kind"], scope=scope)
    if params.get("format") == "csv":
        write_csv(target, header, rows, progress=progress)
    else:
        title = f"{params['kind']} {month:%Y-%m}"
        write_xlsx(target, header, rows, title=title, progress=progress)
    return len(rows)


def indicators_filename(params: dict) -> str:
    scope = (params.get("scope") or "company").replace(":", "-")
    extension = "csv" if params.get("format") == "csv" else "xlsx"
    return f"indicators-{params['kind']}-{scope}-{params['month']}.{extension}"


INDICATORS = ExportKind(
    label=gettext_lazy("指标导出"),
    count=_indicators_count,
    write=_indicators_write,
    filename=indicators_filename,
)


# --- the visit audit (visits:audit_xlsx) ----------------------------------------------------


def visit_audit_for(user: User, params: dict):
    month = params.get("month")
    return visit_audit(
        user=user,
        month=parse_month(month) if month else current_month(),
        manager=params.get("manager", ""),
        team=params.get("team", ""),
    )


def _audit_count(user, params) -> int:
    return audit_row_count(visit_audit_for(user, params))


def _audit_write(user, params, target, progress) -> int:
    return write_workbook(target, audit_sheets(visit_audit_for(user, params)), progress=progress)


def audit_filename(params: dict) -> str:
    parts = [
        _("拜访稽核"),
        params.get("month", ""),
        params.get("team", ""),
        params.get("manager", ""),
    ]
    return stamped("-".join(p for p in parts if p))


VISIT_AUDIT = ExportKind(
    label=gettext_lazy("拜访稽核"),
    count=_audit_count,
    write=_audit_write,
    filename=audit_filename,
)


register_kind("customers", CUSTOMERS)
register_kind("indicators", INDICATORS)
register_kind("visit_audit", VISIT_AUDIT)
