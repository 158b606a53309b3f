"""Shelf photos (货架照片) on the visit log, and the photo files themselves.

Adding: a multipart POST from the visit log's photo form (``templates/cycle/_shelf_photos.html``),
one or more files named ``photo`` with the optional ``client_id`` and ``tapped_at`` of every
field edit of the page (static/js/shelf_photos.js shrinks each photo in the browser and sends
it alone with its own client_id; the offline queue replays the same POST). htmx gets the
photos partial back (a refused file: 200 with the message in it), a plain form a redirect to
the page with the message on top. Only the customer's own manager adds (anyone else: 404).

Reading: the files are never served from a public URL. Each request asks the selector, which
answers 404 to whoever may not see the visit's work, and streams the file from its storage."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import allowed_if
from accounts.policy import has_role
from core.images import ACCEPT

from ..selectors.photos import photo_get, visit_photos
from ..selectors.visit_log import log_visit
from ..services import NotAllowedNow, shelf_photo_add, shelf_photo_delete
from .common import refused_now
from .visits import QUEUE_HEADER, _log_target, _queue_refused

PARTIAL = "cycle/_shelf_photos.html#photos"
# files one plain POST may carry (a phone's picker with "multiple"); the script sends one each
MAX_FILES_PER_POST = 10
CACHE = "private, max-age=3600"


def photos_context(*, visit, read_only: bool = False) -> dict:
    """What the photos partial needs besides ``day`` and ``customer``."""
    return {"photos": visit_photos(visit=visit), "photo_accept": ACCEPT, "read_only": read_only}


@allowed_if(has_role)
@require_POST
def add(request, date: str, customer_id: int):
    date, customer, cycle = _log_target(request, date, customer_id)
    page = reverse("visits:log", args=[date.isoformat(), customer.pk]) + "#photos"
    files = request.FILES.getlist("photo")
    errors: list[str] = []
    added = replayed = 0
    if not files:
        errors.append(_("请选择或拍摄一张照片。"))
    elif len(files) > MAX_FILES_PER_POST:
        errors.append(_("一次最多上传 %(n)d 张照片。") % {"n": MAX_FILES_PER_POST})
        files = []
    one = len(files) == 1  # a client_id names one upload
    for upload in files:
        try:
            photo = shelf_photo_add(
                customer_id=customer.pk,
                date=date,
                by=request.user,
                upload=upload,
                client_id=request.POST.get("client_id") if one else None,
                tapped_at=request.POST.get("tapped_at") if one else None,
            )
            added += 1
            replayed += getattr(photo, "replayed", False)
        except NotAllowedNow as exc:
            if request.headers.get(QUEUE_HEADER) == "1":  # from the device queue: kept there
                return _queue_refused(" ".join(exc.messages))
            return refused_now(request, exc, page)
        except ValidationError as exc:
            name = upload.name if len(files) > 1 else ""
            errors.append(f"{name}：{' '.join(exc.messages)}" if name else " ".join(exc.messages))
        except PermissionDenied:
            raise Http404("no such customer") from None
    saved = (
        ngettext("已上传 %(n)d 张照片。", "已上传 %(n)d 张照片。", added) % {"n": added}
        if added
        else ""
    )
    if not request.htmx:
        if saved:
            messages.success(request, saved)
        for error in errors:
            messages.error(request, error)
        return redirect(page)
    visit = log_visit(cycle=cycle, customer_id=customer.pk, date=date)
    context = photos_context(visit=visit) | {
        "day": date.isoformat(),
        "customer": customer,
        "photo_errors": errors,
        "photo_saved": saved,
    }
    response = render(request, PARTIAL, context)
    # what became of it, for the device queue (static/js/offline.js): a replay of the same
    # client_id answers like the first upload — the service returned the photo it made
    if errors and not added:
        response["X-Sync"] = "refused"
    else:
        response["X-Sync"] = "replayed" if replayed == added else "applied"
    if errors:
        response["X-Sync-Message"] = quote(" ".join(errors))
    return response


def _file(photo, field: str):
    stored = getattr(photo, field)
    try:
        handle = stored.storage.open(stored.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("photo file missing") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = CACHE
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.jpg"'
    return response


@allowed_if(has_role)
def image(request, pk: int):
    return _file(photo_get(user=request.user, pk=pk), "image")


@allowed_if(has_role)
def thumbnail(request, pk: int):
    return _file(photo_get(user=request.user, pk=pk), "thumbnail")


@allowed_if(has_role)
@require_POST
def delete(request, pk: int):
    """The visit's own manager deletes a photo (a market manager who sees it: 403)."""
    photo = photo_get(user=request.user, pk=pk)
    visit = photo.visit
    page = reverse("visits:log", args=[visit.date.isoformat(), visit.customer_id]) + "#photos"
    try:
        shelf_photo_delete(photo=photo, by=request.user)
    except NotAllowedNow as exc:
        return refused_now(request, exc, page)
    if not request.htmx:
        messages.success(request, _("照片已删除。"))
        return redirect(page)
    visit = log_visit(cycle=visit.cycle, customer_id=visit.customer_id, date=visit.date)
    context = photos_context(visit=visit) | {
        "day": photo.visit.date.isoformat(),
        "customer": photo.visit.customer,
        "photo_saved": _("照片已删除。"),
    }
    return render(request, PARTIAL, context)
