"""The printable monthly plan (月计划) and monthly summary (月总结) of a customer manager, as
PDFs shown inline; whoever may see the plan may print it (``plan_for``), anyone else 404."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import has_role
from core.pdf import pdf_response

from ..documents import evaluation_document, evaluation_pdf, plan_document, plan_pdf
from .common import url_month


@allowed_if(has_role)
def plan(request, username: str, month: str):
    context = plan_document(user=request.user, username=username, month=url_month(month))
    name = f"{_('月计划')}-{context['manager'].username}-{context['cycle'].month:%Y-%m}.pdf"
    return pdf_response(plan_pdf(context), name)


@allowed_if(has_role)
def evaluation(request, username: str, month: str):
    context = evaluation_document(user=request.user, username=username, month=url_month(month))
    name = f"{_('月总结')}-{context['manager'].username}-{context['cycle'].month:%Y-%m}.pdf"
    return pdf_response(evaluation_pdf(context), name)
