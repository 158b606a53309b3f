"""The printable visit sheets (拜访单): one day, or the week that holds the day, as a PDF.

A customer manager prints their own; whoever may see a manager's work (their market manager,
brand managers, admins) adds ``?manager=<username>``. Anyone else gets 404."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from core.months import FIRST_YEAR, LAST_YEAR

from .. import visit_sheet
from .plans import EVERYONE


@role_required(*EVERYONE)
def day_sheet(request, date: str):
    username = _username(request)
    sheet = visit_sheet.day_sheet(user=request.user, username=username, date=_url_date(date))
    return _pdf(sheet, f"{username}-{sheet.first:%Y-%m-%d}")


@role_required(*EVERYONE)
def week_sheet(request, date: str):
    username = _username(request)
    sheet = visit_sheet.week_sheet(user=request.user, username=username, date=_url_date(date))
    return _pdf(sheet, f"{username}-{sheet.first:%Y-%m-%d}-{sheet.last:%m-%d}")


def _username(request) -> str:
    return request.GET.get("manager", "").strip() or request.user.username


def _url_date(text: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Http404("no such day") from exc
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise Http404("no such day")
    return date


def _pdf(sheet: visit_sheet.Sheet, name: str) -> HttpResponse:
    response = HttpResponse(visit_sheet.sheet_pdf(sheet), content_type="application/pdf")
    # inline: the browser shows it, ready to print; the name is kept when saved
    filename = f"{_('拜访单')}-{name}.pdf"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
