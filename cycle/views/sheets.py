"""The printable visit sheets (拜访单): one day, or the week that holds the day, as a PDF.

A customer manager prints their own; whoever may see a manager's work (their market manager,
brand managers, admins) adds ``?manager=<username>``. Anyone else gets 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import has_role
from core.pdf import pdf_response

from .. import visit_sheet
from .common import url_date


@allowed_if(has_role)
def day_sheet(request, date: str):
    username = _username(request)
    sheet = visit_sheet.day_sheet(user=request.user, username=username, date=url_date(date))
    return _pdf(sheet, f"{username}-{sheet.first:%Y-%m-%d}")


@allowed_if(has_role)
def week_sheet(request, date: str):
    username = _username(request)
    sheet = visit_sheet.week_sheet(user=request.user, username=username, date=url_date(date))
    return _pdf(sheet, f"{username}-{sheet.first:%Y-%m-%d}-{sheet.last:%m-%d}")


def _username(request) -> str:
    return request.GET.get("manager", "").strip() or request.user.username


def _pdf(sheet: visit_sheet.Sheet, name: str) -> HttpResponse:
    return pdf_response(visit_sheet.sheet_pdf(sheet), f"{_('拜访单')}-{name}.pdf")
