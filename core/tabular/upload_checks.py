"""The one place every uploaded file is checked before anything reads it as data: the
admin's upload page (imports/forms.py) and the forecast upload (cycle/forms.py), and again
in their services for callers that bypass the forms. A file must be small enough, named
.csv or .xlsx, and really be what its name says: an .xlsx a zip workbook, a .csv text
(UTF-8 or GBK, no NUL bytes). An .xlsx must also not expand into more than the caller
allows (its zip directory is read; nothing is decompressed here). Refusals are
ValidationErrors in Chinese, shown where the user is.

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
# Apache POI's ZipSecureFile precedent: a part that inflates more than 100-fold is a zip bomb,
# not a spreadsheet (real sheets compress 5-20-fold). Small parts may be all padding, so only
# parts above a megabyte are judged.
MAX_INFLATE_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024


def check_upload(
    upload, *, max_bytes: int, max_unzipped_bytes: int | None = None, too_big_hint: str = ""
) -> None:
    """Check an UploadedFile; leaves it at position 0 for whoever reads it next.
    ``max_unzipped_bytes``: what an .xlsx may expand to (default: the admin import's)."""
    _check_name_and_size(upload.name, upload.size, max_bytes, too_big_hint)
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    try:
        _check_content(
            upload.name,
            head,
            complete=upload.size <= SNIFF_BYTES,
            whole=upload,
            max_unzipped_bytes=max_unzipped_bytes,
        )
    finally:
        upload.seek(0)


def check_content(
    *, content: bytes, filename: str, max_bytes: int, max_unzipped_bytes: int | None = None
) -> None:
    """The same check for a service handed the bytes of a file."""
    _check_name_and_size(filename, len(content), max_bytes, "")
    _check_content(
        filename,
        content[:SNIFF_BYTES],
        complete=len(content) <= SNIFF_BYTES,
        whole=io.BytesIO(content),
        max_unzipped_bytes=max_unzipped_bytes,
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


def _check_content(
    name: str, head: bytes, *, complete: bool, whole, max_unzipped_bytes: int | None
) -> None:
    if name.lower().endswith(".xlsx"):
        problem = (
            _workbook_problem(whole, max_unzipped_bytes) if head.startswith(ZIP_MAGIC) else None
        )
        if problem is None:
            raise ValidationError(
                _("文件名是 .xlsx，但内容不是 Excel 工作簿。请在 Excel 中另存为 .xlsx 后再上传。"),
                code="file_content",
            )
        if problem:
            raise ValidationError(problem, code="file_unzipped")
    elif not _is_text(head, complete=complete):
        raise ValidationError(
            _("文件名是 .csv，但内容不是文本表格。请在 Excel 中另存为“CSV UTF-8”后再上传。"),
            code="file_content",
        )


def _workbook_problem(file, max_unzipped_bytes: int | None) -> str | None:
    """None if the file is not a zip whose directory lists the workbook parts, else what is
    wrong with its size ('' if nothing). Reads only the directory, so a compressed bomb is
    never expanded here."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if not ("[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)):
                return None
            return workbook_size_problem(archive, max_unzipped_bytes=max_unzipped_bytes)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def workbook_size_problem(archive: zipfile.ZipFile, *, max_unzipped_bytes: int | None) -> str:
    """Why this workbook must not be opened ('' if it may): from the sizes its zip directory
    declares. They can be trusted: zipfile stops every part at its declared size and fails
    with BadZipFile when the data would go on."""
    limit = settings.IMPORT_MAX_UNZIPPED_BYTES if max_unzipped_bytes is None else max_unzipped_bytes
    parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    if total > limit:
        return _("Excel 文件解压后有 %(size)s，超过上限 %(limit)s。") % {
            "size": filesizeformat(total),
            "limit": filesizeformat(limit),
        }
    for part in parts:
        if part.file_size > RATIO_CHECKED_FROM_BYTES and (
            part.file_size > MAX_INFLATE_RATIO * part.compress_size
        ):
            return _(
                "Excel 文件中的 %(part)s 解压后膨胀了 %(ratio)s 倍（正常的表格不超过 %(max)s 倍），"
                "文件已拒绝。"
            ) % {
                "part": part.filename,
                "ratio": part.file_size // max(part.compress_size, 1),
                "max": MAX_INFLATE_RATIO,
            }
    return ""


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
    return max(
        settings.IMPORT_MAX_BYTES,
        settings.FORECAST_IMPORT_MAX_BYTES,
        getattr(settings, "PHOTO_MAX_UPLOAD_BYTES", 0),
    )


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler, but a file stops being written once it passes the
    largest upload limit. The rest is still received and counted, so the form refuses the
    file with its real size; the disk never holds more than the limit. So a new kind of
    upload must be checked with check_upload too (and get its own limit in the settings)."""

    def receive_data_chunk(self, raw_data, start):
        room = largest_upload() + 1 - start
        if room > 0:
            self.file.write(raw_data[:room])
