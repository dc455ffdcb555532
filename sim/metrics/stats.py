"""Confidence intervals over independent replications.

Each replication of a scenario yields one value of every KPI; the replications are
independent and identically distributed, so the classical Student-t interval on
their mean is the honest statement of uncertainty (the batch-means and
regenerative tricks of a single long run are not needed).

Two scenarios run on *common random numbers* give paired replications: replication
``i`` of both used the same random streams, so their KPI values are positively
correlated and the interval on the mean *difference* (:func:`paired_ci`) is much
narrower than the interval that treats them as independent samples
(:func:`welch_ci`). Comparing the two widths shows what CRN bought.

NaNs are treated as "no value for this replication" (e.g. a KPI of a channel that
received no contacts) and are dropped; in the paired case a pair is dropped when
either side is NaN. All functions return plain Python floats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["half_width", "mean_ci", "paired_ci", "ratio", "t_quantiles", "welch_ci"]

_NAN = float("nan")

ArrayLike = Sequence[float] | np.ndarray


def _clean(values: ArrayLike) -> np.ndarray:
    """Return ``values`` as a 1-d float array without NaNs."""
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def t_quantiles(df: np.ndarray, q: float) -> np.ndarray:
    """Student-t quantiles ``q`` for ``df`` degrees of freedom (NaN: none).

    SciPy's ``stdtrit`` (``scipy.stats.t.ppf``'s own kernel; ``scipy.stats`` imports
    slowly), imported only when some ``df`` is a number: a run of one replication has
    no interval, and its command does not wait for SciPy.
    """
    df = np.asarray(df, dtype=float)
    if not np.isfinite(df).any():
        return np.full(df.shape, np.nan)
    from scipy.special import stdtrit

    return np.asarray(stdtrit(df, q), dtype=float)


def _t_quantile(confidence: float, df: float) -> float:
    return float(t_quantiles(np.asarray(df, dtype=float), 0.5 + confidence / 2.0))


def half_width(values: ArrayLike, confidence: float = 0.95) -> float:
    """Half-width of the Student-t confidence interval on the mean.

    Parameters
    ----------
    values : array_like
        One value per replication; NaNs are ignored.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    float
        ``t_{(1+c)/2, n-1} * s / sqrt(n)``; NaN when fewer than two values remain.
    """
    _check_confidence(confidence)
    x = _clean(values)
    n = x.size
    if n < 2:
        return _NAN
    s = float(np.std(x, ddof=1))
    return _t_quantile(confidence, n - 1) * s / math.sqrt(n)


def mean_ci(values: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval over replications.

    Parameters
    ----------
    values : array_like
        One value per replication; NaNs are ignored.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(mean, lo, hi)``. With one value: ``(value, nan, nan)``; with none (or
        only NaNs): ``(nan, nan, nan)``. Zero spread gives ``lo == hi == mean``.
    """
    _check_confidence(confidence)
    x = _clean(values)
    if x.size == 0:
        return _NAN, _NAN, _NAN
    m = float(np.mean(x))
    h = half_width(x, confidence)
    return m, m - h, m + h


def paired_ci(
    a: ArrayLike, b: ArrayLike, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Confidence interval on the mean difference of paired replications.

    Parameters
    ----------
    a, b : array_like
        KPI values of two scenarios; element ``i`` of both comes from replication
        ``i`` run on common random numbers. Pairs with a NaN on either side are
        dropped.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(mean of a - b, lo, hi)`` — the Student-t interval of the differences.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` do not have the same length.
    """
    xa = np.asarray(a, dtype=float).ravel()
    xb = np.asarray(b, dtype=float).ravel()
    if xa.shape != xb.shape:
        raise ValueError(f"paired samples need equal lengths, got {xa.size} and {xb.size}")
    return mean_ci(xa - xb, confidence)


def welch_ci(
    a: ArrayLike, b: ArrayLike, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Confidence interval on ``mean(a) - mean(b)`` for independent samples.

    Uses Welch's unequal-variance t interval with the Welch–Satterthwaite degrees
    of freedom. Meant as the yardstick for :func:`paired_ci`: on CRN-paired runs
    the paired interval should be narrower.

    Parameters
    ----------
    a, b : array_like
        Independent samples (NaNs ignored); lengths may differ.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(difference of means, lo, hi)``; the bounds are NaN when either sample
        has fewer than two values, and equal the difference when both samples have
        zero spread.
    """
    _check_confidence(confidence)
    xa, xb = _clean(a), _clean(b)
    if xa.size == 0 or xb.size == 0:
        return _NAN, _NAN, _NAN
    diff = float(np.mean(xa) - np.mean(xb))
    if xa.size < 2 or xb.size < 2:
        return diff, _NAN, _NAN
    va = float(np.var(xa, ddof=1)) / xa.size
    vb = float(np.var(xb, ddof=1)) / xb.size
    se2 = va + vb
    if se2 == 0.0:
        return diff, diff, diff
    df = se2**2 / (va**2 / (xa.size - 1) + vb**2 / (xb.size - 1))
    h = _t_quantile(confidence, df) * math.sqrt(se2)
    return diff, diff - h, diff + h


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Elementwise ``num / den`` as float, NaN where ``den == 0``."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out
