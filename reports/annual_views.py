"""The annual brand evaluation (年度品牌评价) as a page, an Excel workbook and a printable PDF
(A4 landscape): brand managers and admins (``can_see_annual_brand_evaluation``), others 403.
The selector is ``reports.annual.annual_evaluation``; a year without computed months is a
page that says so (and an empty workbook or PDF that says so too)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import can_see_annual_brand_evaluation
from core.pdf import pdf_response, render_pdf
from core.xlsx import stamped, workbook_bytes, xlsx_response

from .annual import AnnualEvaluation, annual_evaluation, year_choice
from .annual_export import annual_sheets


def _evaluation(request) -> tuple[AnnualEvaluation, bool]:
    year, usable = year_choice(request.GET.get("year"))
    return annual_evaluation(user=request.user, year=year), usable


@allowed_if(can_see_annual_brand_evaluation)
def annual(request):
    evaluation, usable = _evaluation(request)
    return render(
        request, "reports/annual.html", {"evaluation": evaluation, "year_refused": not usable}
    )


@allowed_if(can_see_annual_brand_evaluation)
def annual_xlsx(request):
    evaluation, _usable = _evaluation(request)
    content = workbook_bytes(annual_sheets(evaluation))
    return xlsx_response(content, stamped(_filename(evaluation)))


@allowed_if(can_see_annual_brand_evaluation)
def annual_pdf(request):
    evaluation, _usable = _evaluation(request)
    context = {"evaluation": evaluation, "printed_at": timezone.localtime()}
    content = render_pdf("reports/annual_pdf.html", context)
    return pdf_response(content, f"{_filename(evaluation)}.pdf")


def _filename(evaluation: AnnualEvaluation) -> str:
    return f"{_('年度品牌评价')}-{evaluation.year or ''}"
