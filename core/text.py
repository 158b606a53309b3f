"""The one clean-up of text that people type or upload.

C0 control characters (and DEL) other than tab and line breaks have no meaning in a customer's
address or a visit's note; they break Excel files (openpyxl refuses them) and NUL breaks
PostgreSQL text columns. Forms, imports and exports all strip them here."""

from __future__ import annotations

import re

# Everything below U+0020 except \t \n \r, plus DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def strip_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def clean_text(text: str | None) -> str:
    """What a service stores from a free-text field: no control characters, one kind of line
    break, no surrounding blanks."""
    text = strip_control_characters(text or "")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
