"""Reading shelf photos (货架照片): a photo is seen by whoever may see the visit's work —
its customer manager, the market manager of their team, brand managers and admins
(``accounts.policy.scope_of`` on the visit's cycle manager). Anyone else gets a 404, whether
or not the photo exists."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import scope_of

from ..models import ShelfPhoto, Visit

CUSTOMER_PHOTOS = 8
FIELDS = ("id", "visit_id", "taken_at", "width", "height", "image", "thumbnail")


def photos_visible_to(*, user: User) -> QuerySet[ShelfPhoto]:
    return scope_of(user).work(ShelfPhoto.objects.all(), manager="visit__cycle__manager")


def photo_get(*, user: User, pk: int) -> ShelfPhoto:
    """The photo if ``user`` may see its visit, else Http404."""
    found = photos_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such photo")
    return found


def visit_photos(*, visit: Visit | None) -> list[ShelfPhoto]:
    """The photos of a visit the caller has already been allowed to see (the visit log)."""
    if visit is None or visit.pk is None:
        return []
    return list(visit.photos.only(*FIELDS).order_by("taken_at", "id"))


def customer_latest_photos(
    *, user: User, customer_id: int, limit: int = CUSTOMER_PHOTOS
) -> list[ShelfPhoto]:
    """The customer's latest shelf photos ``user`` may see, newest first, with their visit's
    date (the customer page, through ``markets/photo_source.py``)."""
    return list(
        photos_visible_to(user=user)
        .filter(visit__customer_id=customer_id)
        .select_related("visit")
        .only(*FIELDS, "visit__date")
        .order_by("-taken_at", "-id")[:limit]
    )
