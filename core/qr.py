"""QR codes of links: as an inline SVG for pages, and as an image a printed document loads
by the address ``qr:<link>`` (``qr_src``; core/pdf.py's fetcher makes the image).

The printed one is a JPEG of a pixel a module (drawn with ``image-rendering: pixelated``):
WeasyPrint puts a JPEG into the PDF as it is, where it decodes and re-encodes a PNG for every
document (0.5 ms a code, 130 codes on a week's visit sheets); at quality 95 no pixel is more
than 6 levels of 255 off black or white (a scanner sees the same modules). Its address is
short, where a data: URL would be parsed as part of the document."""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe
from PIL import Image

SCHEME = "qr:"
JPEG_QUALITY = 95


def qr_svg(text: str) -> SafeString:
    """The QR code of ``text`` as an inline <svg class="qr"> (one path, scaled by CSS), safe
    to put in a template as is."""
    svg = _qr(text).svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None)
    return mark_safe(svg)  # noqa: S308 (segno's own markup; the text is only encoded in it)


def qr_src(text: str) -> str:
    """The address of the QR code of ``text`` for an <img> of a printed document."""
    return SCHEME + text


def qr_jpeg(src: str) -> bytes:
    """The image behind ``qr_src(text)``: a grayscale JPEG, a pixel a module, two of margin."""
    if not src.startswith(SCHEME):
        raise ValueError(f"not a QR address: {src[:40]}")
    png = io.BytesIO()
    _qr(src.removeprefix(SCHEME)).save(png, kind="png", scale=1, border=2)
    out = io.BytesIO()
    Image.open(png).convert("L").save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return out.getvalue()


def _qr(text: str) -> segno.QRCode:
    return segno.make(text, error="m")
