"""Photos taken in the field (货架照片): an uploaded image checked and made small and safe.

``photo_process`` is the one door. What it accepts is decided by the file's content, never by
its name or the type the browser declared: JPEG, PNG and WebP (HEIC/HEIF too when the
optional ``pillow-heif`` package is installed; otherwise a phone's browser converts to JPEG
when it uploads, and static/js/shelf_photos.js re-encodes to JPEG before sending). SVG, HTML
and anything else are refused. Before a pixel is decoded the header's size is checked
against ``max_pixels`` (a small file that would expand into gigabytes — a decompression bomb
— is refused, Pillow's own guard as the second line), then the file is verified and decoded
(a truncated or corrupt file is refused).

The result is always a fresh baseline JPEG: turned upright by its EXIF orientation,
alpha flattened on white, at most ``MAX_SIDE`` pixels on the long side, re-encoded at
falling quality (then smaller) until it fits ``MAX_BYTES``, with no metadata at all (EXIF
carries the phone's GPS position and serial), plus a ``THUMB_SIDE`` thumbnail.
Refusals are ValidationErrors in Chinese, shown where the user is."""

from __future__ import annotations

import contextlib
import io
import struct
import threading
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
MAX_BYTES = 300 * 1024
THUMB_SIDE = 320
THUMB_QUALITY = 70
QUALITIES = (85, 75, 65, 55, 45)
# when even the lowest quality is too big, the sides shrink (by the square root of how much
# too big it is, a little more, at most by half at a time) and the qualities are tried again
FORMATS = ["JPEG", "PNG", "WEBP"]

# WeasyPrint sets Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES when it is imported
# (a PDF with a broken picture still renders); a photo must be whole, so it is decoded with
# the flag off, one decoding at a time in a process (only this module switches it)
_STRICT_LOADING = threading.Lock()

try:  # optional: pip install -e ".[heic]"
    from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_SUPPORTED = False
else:
    register_heif_opener()
    FORMATS.append("HEIF")
    HEIF_SUPPORTED = True

# what the file picker asks the phone for (a browser may convert a HEIC photo to JPEG when
# HEIC is not among them)
ACCEPT = ",".join(
    ["image/jpeg", "image/png", "image/webp"]
    + (["image/heic", "image/heif"] if HEIF_SUPPORTED else [])
)


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes  # JPEG, ≤ MAX_SIDE px, ≤ MAX_BYTES, no metadata
    thumbnail: bytes  # JPEG, ≤ THUMB_SIDE px
    width: int
    height: int
    source_format: str  # what the upload really was: "JPEG", "PNG", "WEBP", "HEIF"


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _kinds() -> str:
    return _("JPEG、PNG、WebP、HEIC") if HEIF_SUPPORTED else _("JPEG、PNG、WebP")


def photo_process(upload, *, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    """Check and shrink an uploaded photo (an UploadedFile or any file object with ``size``
    or a bytes-like ``read``); ValidationError (Chinese) when it is refused."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > max_bytes:
        raise _refuse(
            _("照片太大（%(size)s），上限 %(limit)s。")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            "photo_size",
        )
    if size == 0:
        raise _refuse(_("照片是空的。"), "photo_empty")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:  # the declared size lied
        raise _refuse(
            _("照片太大，上限 %(limit)s。") % {"limit": filesizeformat(max_bytes)}, "photo_size"
        )
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")) or b"<svg" in head:
        raise _refuse(
            _("不支持 SVG 或网页文件，请上传照片（%(kinds)s）。") % {"kinds": _kinds()},
            "photo_type",
        )
    image = _open(data, max_pixels)
    return _shrink(image)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    not_an_image = _refuse(
        _("无法识别的图片，请上传照片（%(kinds)s）。") % {"kinds": _kinds()}, "photo_type"
    )
    broken = _refuse(_("照片已损坏或不完整，请重新拍摄后上传。"), "photo_broken")
    too_many = _refuse(
        _("照片像素过多（上限 %(n)s 万像素），请用手机相机的普通模式重新拍摄。")
        % {"n": max_pixels // 10_000},
        "photo_pixels",
    )
    with warnings.catch_warnings():
        # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that: both are refusals
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = probe.size  # from the header: nothing decoded yet
            if width * height > max_pixels or width <= 0 or height <= 0:
                raise too_many
            probe.verify()  # structure and checksums, without decoding the pixels
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.format == "JPEG":
                # let the decoder scale down by 1/2, 1/4, 1/8 while decoding (less memory)
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            with _STRICT_LOADING:
                lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
                try:
                    image.load()
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = lenient
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except UnidentifiedImageError:
            raise not_an_image from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise broken from None
    return image


def _upright_rgb(image: Image.Image) -> Image.Image:
    # an unreadable EXIF block: keep the pixels as they are
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, SyntaxError):
        image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB") if image.mode != "RGB" else image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # no exif=, no icc_profile=: nothing of the original's metadata is written
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _shrink(image: Image.Image) -> ProcessedPhoto:
    source_format = image.format or ""
    image = _upright_rgb(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    encoded = b""
    while True:
        for quality in QUALITIES:
            encoded = _jpeg(image, quality)
            if len(encoded) <= MAX_BYTES:
                break
        if len(encoded) <= MAX_BYTES:
            break
        factor = min(0.9, max(0.5, 0.95 * (MAX_BYTES / len(encoded)) ** 0.5))
        smaller = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
        image = image.resize(smaller, Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image=encoded,
        thumbnail=_jpeg(thumb, THUMB_QUALITY),
        width=image.width,
        height=image.height,
        source_format=source_format,
    )
