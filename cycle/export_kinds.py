"""The visit audit as an export job (core.export_jobs, registered there when
CycleConfig.ready() imports this module): the audit of the month, team and manager asked for,
read as the requester, so that a job never shows more than the page would. Parameters are the
page's query, stored as JSON on the job."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.export_jobs import ExportKind, register_kind
from core.months import current_month, parse_month
from core.xlsx import stamped, write_workbook

from .audit_export import audit_row_count, audit_sheets
from .selectors.visit_audit import visit_audit

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


register_kind("visit_audit", VISIT_AUDIT)
