"""The stored indicators as an export job (core.export_jobs, registered there when
ReportsConfig.ready() imports this module): how many rows an export of given parameters has,
and how to write it — as the requester, whose permissions are checked again when the worker
writes the file, so that a job never shows more than the page would. Parameters are the
page's query, stored as JSON on the job. The customer list and the visit audit register
their own kinds (customers/export_kinds.py, cycle/export_kinds.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.export_jobs import ExportKind, register_kind
from core.months import parse_month

from .exports import (
    KIND_LABELS,
    Scope,
    export_count,
    export_rows,
    parse_scope,
    scope_label,
    write_csv,
    write_page_xlsx,
)
from .selectors import export_scope_allowed

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
    # streamed: the rows go from the database cursor to the file (reports.exports.export_rows)
    header, rows = export_rows(month=month, kind=params["kind"], scope=scope)
    if params.get("format") == "csv":
        # a CSV is for programs: the command's English columns (DESIGN.md §6)
        return write_csv(target, header, rows, progress=progress)
    title = f"{KIND_LABELS[params['kind']]} {month:%Y-%m}"
    return write_page_xlsx(target, header, rows, title=title, progress=progress)


def indicators_filename(params: dict) -> str:
    """``客户指标_团队TA_2026-10.xlsx``: what, whose, which month."""
    kind = KIND_LABELS.get(params["kind"], params["kind"])
    scope = scope_label(params.get("scope") or "company").replace(" ", "")
    extension = "csv" if params.get("format") == "csv" else "xlsx"
    return f"{kind}_{scope}_{params['month']}.{extension}"


INDICATORS = ExportKind(
    label=gettext_lazy("指标导出"),
    count=_indicators_count,
    write=_indicators_write,
    filename=indicators_filename,
)


register_kind("indicators", INDICATORS)
