"""Vectorised arithmetic shared by the indicator modules: a rate whose denominator is 0 is
empty (NaN here, NULL in the database), never 0."""

from __future__ import annotations

import numpy as np


def ratio(numerator, denominator, *, where=None) -> np.ndarray:
    """numerator / denominator where the denominator is > 0 (and ``where`` holds), else NaN."""
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    ok = den > 0
    if where is not None:
        ok &= np.asarray(where, dtype=bool)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=ok)
    return out


def growth(now, before, *, where=None) -> np.ndarray:
    """(now − before) / before, empty when before is 0 or empty."""
    now = np.asarray(now, dtype="float64")
    before = np.asarray(before, dtype="float64")
    return ratio(now - before, before, where=where)


def cents_per_unit(cents, units) -> np.ndarray:
    """An average price in whole cents (NaN when no units), rounded half away from zero."""
    per = ratio(cents, units)
    return np.floor(per + 0.5)
