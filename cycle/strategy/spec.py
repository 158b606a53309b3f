"""What a warning rule kind is, and the one registry of kinds.

A kind (``RuleKindSpec``) carries everything the engine and the admin site need about one
condition: its code and label (the ``WarningRule.kind`` choices), how its threshold is
written (``unit``), the description the admin site shows, the vectorised condition, the
numbers kept with each warning and the message fields its template may use. Registering a
spec (``@rule_kind(...)`` on its condition) is all a new kind takes; see ``kinds``.

Message templates are rendered by plain substitution of ``{name}`` message fields with
preformatted text (never ``str.format``: templates are edited in the admin site)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    import pandas as pd

    from .data import RuleData

# Comparisons allow this much for floating point, so that a value equal to the threshold in
# decimal arithmetic (88/100 ÷ 110/100 against 0.8) is never flagged.
EPSILON = 1e-9


class Unit(models.TextChoices):
    """How a threshold is written in a message."""

    INDEX = "index", _("指数")  # 0.8 → "0.8"
    FRACTION = "fraction", _("比例")  # 0.2 → "20%"
    CARTONS = "cartons", _("条")  # 1000 → "1000"
    MONTHS = "months", _("月")  # 2 → "2"
    VISITS = "visits", _("次")  # 1 → "1"
    SCORE = "score", _("分")  # 2 → "2" (a satisfaction score, 1–5)


class RuleSkipped(Exception):
    """Raised by a condition that cannot be evaluated now (``args[0]``: the reason shown)."""


Numbers = dict[str, Any]
# a message field's text from the warning's numbers and the threshold (None without one)
Text = Callable[[Numbers, float | None], str]
# the flagged rows of the data for a threshold: customer_id (sku_id for a per-SKU kind) and
# the columns of ``numbers``
Condition = Callable[["RuleData", float | None], "pd.DataFrame"]

# the message fields of every kind, filled by the engine
COMMON_FIELDS = ("customer", "code", "month", "threshold")


@dataclass(frozen=True)
class RuleKindSpec:
    code: str
    label: str | Promise
    description: str | Promise  # what is flagged, shown in the admin site
    unit: str | None  # None: the kind has no threshold
    condition: Condition
    numbers: tuple[str, ...]  # the columns kept with each warning, in this order
    texts: Mapping[str, Text]  # message field → its text (besides COMMON_FIELDS and sku)
    per_sku: bool = False  # one warning per customer × SKU; adds the {sku} field
    company_wide: bool = False  # reads every active customer's indicators (``data.company``)

    @property
    def message_fields(self) -> tuple[str, ...]:
        return COMMON_FIELDS + (("sku",) if self.per_sku else ()) + tuple(self.texts)

    def threshold_text(self, threshold: Decimal | None) -> str:
        """The threshold as a message shows it: 0.2 → "20%" for a fraction, else "0.8"."""
        if threshold is None:
            return ""
        if self.unit == Unit.FRACTION:
            return f"{_plain(threshold * 100)}%"
        return _plain(threshold)

    def message_texts(self, numbers: Numbers, threshold: float | None) -> dict[str, str]:
        return {name: text(numbers, threshold) for name, text in self.texts.items()}


KINDS: dict[str, RuleKindSpec] = {}


def register(spec: RuleKindSpec) -> RuleKindSpec:
    if spec.code in KINDS:
        raise ValueError(f"rule kind {spec.code!r} is already registered")
    KINDS[spec.code] = spec
    return spec


def unregister(code: str) -> None:
    KINDS.pop(code, None)


def rule_kind(**fields) -> Callable[[Condition], RuleKindSpec]:
    """Register the decorated condition as a kind: ``@rule_kind(code=…, label=…, …)``."""
    return lambda condition: register(RuleKindSpec(condition=condition, **fields))


_MESSAGE_FIELD = re.compile(r"\{(\w+)\}")


def message_fields_of(kind: str) -> tuple[str, ...]:
    spec = KINDS.get(kind)
    return spec.message_fields if spec else COMMON_FIELDS


def unknown_message_fields(kind: str, template: str) -> list[str]:
    allowed = set(message_fields_of(kind))
    return sorted({name for name in _MESSAGE_FIELD.findall(template) if name not in allowed})


def render(template: str, values: dict[str, str]) -> str:
    """``template`` with each known ``{name}`` replaced; anything else is left as written."""
    return _MESSAGE_FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")
