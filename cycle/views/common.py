"""What the cycle's views share: reading the month from the URL, turning a refused write
into a message where the user is."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404

from core.months import parse_month

from ..services import NotAllowedNow


def url_month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValueError as exc:
        raise Http404("no such month") from exc


def refusal(exc: ValidationError) -> tuple[str, int]:
    """The message and status for a refused write: 409 when the state forbids it now,
    400 when the input was wrong."""
    return " ".join(exc.messages), 409 if isinstance(exc, NotAllowedNow) else 400
