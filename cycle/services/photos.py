"""Shelf photos taken on a visit (货架照片, issue #18).

A photo is added to the visit of one customer on one day, by the customer's own manager,
while the month's execution is open (as every other visit write: the first photo creates the
visit). The upload is checked and shrunk by ``core.images.photo_process`` before anything is
written; then the two JPEG files (photo, thumbnail) are stored in the ``photos`` storage and
the row is created in one transaction (files of a refused or rolled-back add are removed).

Idempotent replays: the device makes a ``client_id`` (a UUID) for each upload and sends it
with the file (the offline queue replays the same POST when the connection returns). A
``client_id`` this user has already used answers with the photo it made, and nothing is
created or stored again — whether the first answer was lost or the queue sent it twice.
The same id for another visit is refused.

``tapped_at`` (the device time of the tap, ISO 8601 with its offset) is the photo's
``taken_at`` when it is plausible: not before the visit's day and not later than now (plus
``DEVICE_SKEW``, a phone's clock may run a little ahead). Anything else (missing, no offset,
out of that window) is replaced by the server's time of the upload: a photo is never refused
for its clock."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from core.images import photo_process
from core.months import day_bounds

from ..models import ShelfPhoto, Visit
from .visits import _visit_lock, visit_open

DEVICE_SKEW = dt.timedelta(minutes=5)


def parse_client_id(value) -> uuid.UUID | None:
    """The device's id of an upload: None when absent; ValidationError when not a UUID."""
    if value in (None, ""):
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValidationError({"client_id": _("无法识别的上传编号，请刷新页面后重试。")}) from None


def device_time(value, *, date: dt.date, now: dt.datetime | None = None) -> dt.datetime:
    """``value`` (device time, text or datetime) if it is plausible for a tap on the visit of
    ``date``, else now (see the module's docstring)."""
    now = now or timezone.now()
    if isinstance(value, str):
        try:
            value = parse_datetime(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        return now
    start, _end = day_bounds(date)
    return value if start <= value <= now + DEVICE_SKEW else now


def _replayed(by: User, client_id: uuid.UUID | None, customer_id: int, date: dt.date):
    if client_id is None:
        return None
    found = (
        ShelfPhoto.objects.select_related("visit")
        .filter(uploaded_by=by, client_id=client_id)
        .first()
    )
    if found is not None and (found.visit.customer_id, found.visit.date) != (customer_id, date):
        raise ValidationError({"client_id": _("这个上传编号已用于另一次拜访的照片。")})
    return found


def shelf_photo_add(
    *,
    customer_id: int,
    date: dt.date,
    by: User,
    upload,
    client_id: uuid.UUID | str | None = None,
    tapped_at: dt.datetime | str | None = None,
) -> ShelfPhoto:
    """Add a photo (an UploadedFile) to ``by``'s visit to the customer on ``date``; the same
    ``client_id`` again returns the photo it made. ValidationError (Chinese) when the file
    is refused, the visit is full, or the month is closed (NotAllowedNow)."""
    client_id = parse_client_id(client_id)
    if (done := _replayed(by, client_id, customer_id, date)) is not None:
        done.replayed = True  # the caller may say so (the device queue's X-Sync answer)
        return done
    if upload is None:
        raise ValidationError({"photo": _("请选择或拍摄一张照片。")})
    processed = photo_process(
        upload,
        max_bytes=settings.PHOTO_MAX_UPLOAD_BYTES,
        max_pixels=settings.PHOTO_MAX_PIXELS,
    )
    stored: list = []
    try:
        with transaction.atomic():
            visit = visit_open(customer_id=customer_id, by=by, date=date)
            visit = _visit_lock(visit, by)
            if (done := _replayed(by, client_id, customer_id, date)) is not None:
                return done  # the same upload, finished meanwhile by another request
            limit = settings.PHOTO_MAX_PER_VISIT
            if visit.photos.count() >= limit:
                raise ValidationError(
                    {"photo": _("每次拜访最多 %(n)d 张照片，请先删除不需要的照片。") % {"n": limit}}
                )
            photo = ShelfPhoto(
                visit=visit,
                client_id=client_id,
                taken_at=device_time(tapped_at, date=visit.date),
                width=processed.width,
                height=processed.height,
                bytes=len(processed.image),
                uploaded_by=by,
            )
            name = f"photos/{visit.date:%Y/%m}/{uuid.uuid4().hex}"
            photo.image.save(f"{name}.jpg", ContentFile(processed.image), save=False)
            stored.append(photo.image)
            photo.thumbnail.save(f"{name}_t.jpg", ContentFile(processed.thumbnail), save=False)
            stored.append(photo.thumbnail)
            try:
                with transaction.atomic():
                    photo.save()
            except IntegrityError:
                # the same client_id committed by a concurrent request: that photo is the one
                if (done := _replayed(by, client_id, customer_id, date)) is not None:
                    _remove_files(stored)
                    stored.clear()
                    return done
                raise
            stored.clear()  # the row owns them now
            return photo
    finally:
        _remove_files(stored)


def _remove_files(files) -> None:
    for file in files:
        with contextlib.suppress(OSError):
            file.storage.delete(file.name)


def shelf_photo_delete(*, photo: ShelfPhoto, by: User) -> None:
    """Delete a photo of ``by``'s own visit while the month's execution is open; the files go
    once the deletion is committed."""
    with transaction.atomic():
        visit = Visit.objects.select_related("cycle").get(pk=photo.visit_id)
        locked = _visit_lock(visit, by)
        photo = ShelfPhoto.objects.select_for_update().filter(pk=photo.pk, visit=locked).first()
        if photo is None:
            raise PermissionDenied
        files = [photo.image, photo.thumbnail]
        photo.delete()
        transaction.on_commit(lambda: _remove_files(files))
