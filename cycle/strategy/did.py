"""The difference in differences of one (rule, standard action), with a bootstrap interval:
plain numpy, no database (``cycle.strategy.effects`` feeds it).

The treated units are compared within their class (tier band × business format) with the
untreated units of the same class: classes without a treated unit or without a control are
left out, and the controls' mean is weighted by the treated units of each class, so that
``effect = treated_mean − control_mean`` compares like with like. The interval resamples
the treated and the controls of each class independently (``RESAMPLES`` times, with a seed
from the caller, so a rerun gives the same interval) and takes the 5 % and 95 % points."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

MIN_UNITS = 10  # fewer treated or fewer controls: not enough data
RESAMPLES = 1_000
LOW, HIGH = 5.0, 95.0  # the 90 % interval
CHUNK = 2_000_000  # resampled values drawn at a time (memory)


@dataclass(frozen=True)
class Estimate:
    treated: int  # units measured in a class that has controls
    controls: int  # controls in those classes
    treated_mean: float | None = None
    control_mean: float | None = None
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def enough(self) -> bool:
        return self.effect is not None


def seed_of(*parts: object) -> int:
    """A fixed seed from the parts (month, rule, action, scope): same parts, same seed."""
    text = "|".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def did_estimate(
    treated: np.ndarray,
    treated_class: np.ndarray,
    controls: np.ndarray,
    control_class: np.ndarray,
    *,
    seed: int,
    resamples: int = RESAMPLES,
) -> Estimate:
    """The changes of the treated and of the controls, each with its class label (any
    hashable values, NaN changes left out) → the estimate; not enough data below
    ``MIN_UNITS`` treated or controls in the shared classes."""
    t_ok, c_ok = ~np.isnan(treated), ~np.isnan(controls)
    treated, treated_class = treated[t_ok], np.asarray(treated_class)[t_ok]
    controls, control_class = controls[c_ok], np.asarray(control_class)[c_ok]
    shared = np.intersect1d(np.unique(treated_class), np.unique(control_class))
    t_in, c_in = np.isin(treated_class, shared), np.isin(control_class, shared)
    n_t, n_c = int(t_in.sum()), int(c_in.sum())
    if n_t < MIN_UNITS or n_c < MIN_UNITS:
        return Estimate(treated=n_t, controls=n_c)
    rng = np.random.default_rng(seed)
    groups = []
    for label in shared:  # a handful of classes; each resampled in one numpy call
        t = treated[treated_class == label]
        c = controls[control_class == label]
        groups.append((len(t) / n_t, t, c))
    treated_mean = float(np.mean(treated[t_in]))
    control_mean = float(sum(w * c.mean() for w, _t, c in groups))
    boot = np.zeros(resamples)
    for weight, t, c in groups:
        boot += weight * (_resampled_means(t, resamples, rng) - _resampled_means(c, resamples, rng))
    low, high = np.percentile(boot, [LOW, HIGH])
    return Estimate(
        treated=n_t,
        controls=n_c,
        treated_mean=treated_mean,
        control_mean=control_mean,
        effect=treated_mean - control_mean,
        ci_low=float(low),
        ci_high=float(high),
    )


def _resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    n = len(values)
    step = max(1, CHUNK // n)
    out = np.empty(resamples)
    for start in range(0, resamples, step):
        stop = min(resamples, start + step)
        out[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return out
