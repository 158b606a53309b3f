"""Rendering the printable reports (team board, monthly plan, monthly summary) with WeasyPrint,
as the visit sheet does (cycle/visit_sheet.py): the CJK font comes from the system (Noto Sans
CJK, embedded in the PDF as a subset), nothing is fetched, and the page headers are literal
strings written with the ``css_string`` filter."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

# The documents (these and the visit sheet, cycle/visit_sheet.py) load nothing (no images, no
# external styles): one fetcher that may fetch nothing, made once, instead of WeasyPrint's
# default one built (with the system's TLS certificates, about 0.1 s) for every document;
# likewise one font configuration (fontconfig's view of the system fonts) per process.
NO_FETCHING = URLFetcher(allowed_protocols=())
FONTS = FontConfiguration()


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=NO_FETCHING).write_pdf(font_config=FONTS)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """Inline: the browser shows it, ready to print; the name is kept when saved."""
    response = HttpResponse(content, content_type="application/pdf")
    # None only for an empty filename
    if disposition := content_disposition_header(False, filename):
        response["Content-Disposition"] = disposition
    return response
