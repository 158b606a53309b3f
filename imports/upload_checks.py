"""The one place every uploaded file is checked before anything reads it as data: the admin
import page (imports/forms.py) and the forecast import (cycle/forms.py), and again in their
services for callers that bypass the forms. A file must be small enough, named .csv or .xlsx,
and really be what its name says: an .xlsx a zip workbook, a .csv text (UTF-8 or GBK, no
NUL bytes). Refusals are ValidationErrors in Chinese, shown where the user is.

Also the upload handler that keeps an oversized upload from filling the disk."""

from __future__ import annotations

import codecs
import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

EXTENSIONS = (".csv", ".xlsx")
ZIP_MAGIC = b"PK\x03\x04"
# Enough to tell a text table from a binary file; decoding the whole file is the reader's job.
SNIFF_BYTES = 64 * 1024
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


def check_upload(upload, *, max_bytes: int, too_big_hint: str = "") -> None:
    """Check an UploadedFile; leaves it at position 0 for whoever reads it next."""
    _check_name_and_size(upload.name, upload.size, max_bytes, too_big_hint)
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    try:
        _check_content(upload.name, head, complete=upload.size <= SNIFF_BYTES, whole=upload)
    finally:
        upload.seek(0)


def check_content(*, content: bytes, filename: str, max_bytes: int) -> None:
    """The same check for a service handed the bytes of a file."""
    _check_name_and_size(filename, len(content), max_bytes, "")
    _check_content(
        filename,
        content[:SNIFF_BYTES],
        complete=len(content) <= SNIFF_BYTES,
        whole=io.BytesIO(content),
    )


def _check_name_and_size(name: str, size: int, max_bytes: int, too_big_hint: str) -> None:
    if not name.lower().endswith(EXTENSIONS):
        raise ValidationError(_("只支持 .csv 或 .xlsx 文件。"), code="file_type")
    if size > max_bytes:
        message = _("文件太大（%(size)s），上限 %(limit)s。") % {
            "size": filesizeformat(size),
            "limit": filesizeformat(max_bytes),
        }
        raise ValidationError(f"{message}{too_big_hint}", code="file_size")
    if size == 0:
        raise ValidationError(_("文件是空的。"), code="file_empty")


def _check_content(name: str, head: bytes, *, complete: bool, whole) -> None:
    if name.lower().endswith(".xlsx"):
        if not (head.startswith(ZIP_MAGIC) and _is_workbook(whole)):
            raise ValidationError(
                _("文件名是 .xlsx，但内容不是 Excel 工作簿。请在 Excel 中另存为 .xlsx 后再上传。"),
                code="file_content",
            )
    elif not _is_text(head, complete=complete):
        raise ValidationError(
            _("文件名是 .csv，但内容不是文本表格。请在 Excel 中另存为“CSV UTF-8”后再上传。"),
            code="file_content",
        )


def _is_workbook(file) -> bool:
    """A zip whose directory lists the workbook parts (reads only the directory, so a
    compressed bomb is never expanded here)."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _is_text(head: bytes, *, complete: bool) -> bool:
    if b"\x00" in head:
        return False
    for encoding in TEXT_ENCODINGS:
        # incremental: the sample may end in the middle of a multi-byte character
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return True
    return False


def largest_upload() -> int:
    return max(settings.IMPORT_MAX_BYTES, settings.FORECAST_IMPORT_MAX_BYTES)


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler, but a file stops being written once it passes the
    largest upload limit. The rest is still received and counted, so the form refuses the
    file with its real size; the disk never holds more than the limit. So a new kind of
    upload must be checked with check_upload too (and get its own limit in the settings)."""

    def receive_data_chunk(self, raw_data, start):
        room = largest_upload() + 1 - start
        if room > 0:
            self.file.write(raw_data[:room])
