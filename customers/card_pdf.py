"""The printable customer card (the source system's 打印 on the customer list)."""

from django.template.loader import render_to_string
from weasyprint import HTML


def customer_card_pdf(context: dict, *, base_url: str) -> bytes:
    html = render_to_string("customers/card_pdf.html", context)
    return HTML(string=html, base_url=base_url).write_pdf()
