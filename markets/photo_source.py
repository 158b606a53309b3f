"""Where the customer page learns the customer's latest shelf photos (货架照片, issue #18).

Photos are taken on visits, and visits are ``cycle``'s, above ``markets`` (the layers
contract in pyproject.toml): markets never imports it. They come through this hook, the
setting ``MARKETS_PHOTO_SOURCE``, the dotted path of a callable

    source(*, user, customer_id: int) -> list

returning the photos ``user`` may see, newest first, each with ``pk``, ``taken_at``,
``width``, ``height`` and ``visit.date`` (the page links the photo views, which check the
viewer again). The default (config/settings/base.py) is
``cycle.selectors.photos.customer_latest_photos``. Unset or empty: no photos section."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import User


def customer_photos(*, user: User, customer_id: int) -> list | None:
    """The registered source's photos, or None without a source."""
    path = getattr(settings, "MARKETS_PHOTO_SOURCE", "")
    if not path:
        return None
    return list(import_string(path)(user=user, customer_id=customer_id))
