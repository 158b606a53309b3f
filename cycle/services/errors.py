"""Why a write to a cycle was refused, in words for the person who tried."""

from django.core.exceptions import ValidationError


class NotAllowedNow(ValidationError):
    """The document's state does not allow this (e.g. an approved plan, a second approval).
    The actor may be right; the moment is not."""
