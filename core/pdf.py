"""Rendering the printable reports (team board, monthly plan, monthly summary) with WeasyPrint,
as the visit sheet does (cycle/visit_sheet.py): the CJK font comes from the system (Noto Sans
CJK, embedded in the PDF as a subset), nothing is fetched, and the page headers are literal
strings written with the ``css_string`` filter.

What keeps a document cheap (WeasyPrint's time grows with boxes, lines and glyphs): a style
that does not change from one document to the next is parsed once per process (a ``CSS``
handed to ``render_pdf``) rather than from a ``<style>`` in every document; tables are laid
out with ``table-layout: fixed`` and column widths (the automatic layout measures every cell's
text twice first); the page's margin boxes have widths (``auto`` ones are measured on every
page); no bold face (each face used embeds its own font subset, ~0.08 s for a CJK face); and
Python's cycle collector waits until the PDF is written (``collecting_once``)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from core import qr


class NoFetching(URLFetcher):
    """Loads nothing from outside: the documents (these and the visit sheet, cycle/
    visit_sheet.py) have no external images or styles. An image they carry is a data: URL
    in the document, or a QR code made here from its ``qr:`` address (core/qr.py)."""

    def fetch(self, url, headers=None):
        if url.startswith(qr.SCHEME):
            return URLFetcherResponse(url, qr.qr_jpeg(url), {"Content-Type": "image/jpeg"})
        return super().fetch(url, headers)


# One fetcher, made once, instead of WeasyPrint's default one built (with the system's TLS
# certificates, about 0.1 s) for every document; likewise one font configuration
# (fontconfig's view of the system fonts) per process.
NO_FETCHING = NoFetching(allowed_protocols=("data",))
FONTS = FontConfiguration()
# images read by WeasyPrint (made or decoded), by URL, kept from one document to the next in
# this thread: the visit sheet's QR codes are the same on every print of a survey period (a
# code takes ~5 ms to make). Emptied when it grows past this many entries (an image takes
# two or three; a few KB each for a QR code), between documents.
IMAGE_CACHE_ENTRIES = 4096
_IMAGES = threading.local()


def render_pdf(template: str, context: dict, *, stylesheets: Sequence[CSS] = ()) -> bytes:
    """``template`` rendered with ``context`` as a PDF; ``stylesheets`` (parsed once, with
    ``style``) apply before the document's own ``<style>``."""
    html = render_to_string(template, context)
    with collecting_once():
        document = HTML(string=html, url_fetcher=NO_FETCHING).render(
            font_config=FONTS, stylesheets=list(stylesheets), cache=image_cache()
        )
        return document.write_pdf()


def image_cache() -> dict:
    """This thread's image cache for ``HTML.render(cache=…)``, emptied when too big."""
    cache = getattr(_IMAGES, "cache", None)
    if cache is None or len(cache) > IMAGE_CACHE_ENTRIES:
        cache = _IMAGES.cache = {}
    return cache


def style(text: str) -> CSS:
    """A document style parsed once (at import), with the documents' font configuration."""
    return CSS(string=text, font_config=FONTS)


@contextmanager
def collecting_once() -> Iterator[None]:
    """Python's cycle collector paused while WeasyPrint works, then run once on the young
    objects. WeasyPrint makes hundreds of thousands of objects for a document, most of them
    alive until the PDF is written: the collector, triggered every few hundred new objects,
    would go through them again and again (a few per cent of the time), and now and then
    through every object of the process (0.1 s or more). Collected once at the end, the
    document's garbage (some ten thousand objects in reference cycles) costs a few
    milliseconds."""
    if not gc.isenabled():  # someone else's pause: leave it alone
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """Inline: the browser shows it, ready to print; the name is kept when saved."""
    response = HttpResponse(content, content_type="application/pdf")
    # None only for an empty filename
    if disposition := content_disposition_header(False, filename):
        response["Content-Disposition"] = disposition
    return response
