"""A customer's detail page and printed card: the customer file with their purchases and the
observations made at them (markets/customer_overview.py). Routed by markets/customer_urls.py
into the ``customers`` namespace (``customers:detail``, ``customers:card``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.pdf import pdf_response
from customers.card_pdf import customer_card_pdf

from .customer_overview import customer_overview


@login_required
def customer_detail(request, pk: int):
    return render(request, "customers/detail.html", customer_overview(user=request.user, pk=pk))


@login_required
def customer_card(request, pk: int):
    context = customer_overview(user=request.user, pk=pk)
    pdf = customer_card_pdf(context, base_url=request.build_absolute_uri("/"))
    return pdf_response(pdf, f"{_('客户卡片')}-{context['customer'].code}.pdf")
