"""How the numbers of a warning are written in its message: the ``texts`` of a kind are built
from these, e.g. ``{"drop": percent("drop", apart=True)}``. ``apart=True`` compares the
number with the threshold it was tested against and adds decimals while the two would print
alike, so that "0.7996 < 0.8" never reads "0.80 < 0.8"."""

from __future__ import annotations

from customers.models import TIER_BANDS, BusinessFormat

from .spec import Numbers, Text

_BAND_LABEL = {code: label for code, _low, _high, label in TIER_BANDS}


def whole(name: str) -> Text:
    """A count: "1200"."""
    return lambda n, t: _int(n[name])


def fixed(name: str, decimals: int = 2, *, apart: bool = False) -> Text:
    """An index or ratio: "0.72"."""
    return lambda n, t: _fixed(n[name], decimals, apart_from=t if apart else None)


def percent(name: str, *, apart: bool = False, sign: bool = False) -> Text:
    """A fraction as a percentage: "20.0%" ("+20.0%" with ``sign``)."""
    return lambda n, t: _percent(n[name], apart_from=t if apart else None, sign=sign)


def money(name: str) -> Text:
    """Yuan: "23.50"."""
    return lambda n, t: "—" if n[name] is None else f"{n[name]:.2f}"


def as_is(name: str) -> Text:
    return lambda n, t: n[name]


def customer_class(n: Numbers, t: float | None) -> str:
    """The class of a customer (同类客户): "1–5档·便利店"."""
    band, business_format = n["tier_band"], n["business_format"]
    return f"{_BAND_LABEL.get(band, band)}·{BusinessFormat(business_format).label}"


def _fixed(value: float | None, decimals: int = 2, *, apart_from: float | None = None) -> str:
    if value is None:
        return "—"
    if apart_from is not None:
        while decimals < 6 and value != apart_from and round(value, decimals) == apart_from:
            decimals += 1
    return f"{value:.{decimals}f}"


def _percent(
    value: float | None, decimals: int = 1, *, apart_from: float | None = None, sign=False
) -> str:
    if value is None:
        return "—"
    if apart_from is not None:
        while (
            decimals < 4
            and abs(value) != apart_from
            and round(abs(value), decimals + 2) == round(apart_from, decimals + 2)
        ):
            decimals += 1
    return f"{value * 100:{'+' if sign else ''}.{decimals}f}%"


def _int(value) -> str:
    return "—" if value is None else str(int(value))
