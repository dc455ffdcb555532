"""Fitting duration distributions: handle times by AIC, and patience under censoring.

Handle times (and recontact delays) are fully observed durations. Each of the
lognormal, gamma and exponential distributions is fitted by maximum likelihood
with ``scipy.stats`` (location fixed at 0, ``floc=0``); the one with the lowest
AIC (``2 k - 2 log L``, ``k`` = 2, 2, 1 parameters) is chosen and written as the
scenario's ``{dist, mean, cv}`` (with fewer than :data:`MIN_SHAPE_N` values: the
exponential). Values of zero cannot be fitted by the lognormal
and gamma and are left out (and counted).

Patience is never observed directly. A customer who abandoned after waiting ``w``
had patience ``w`` (an *event*); one answered after ``w`` had patience of *more*
than ``w`` (a right-*censored* observation). The mean of the abandoned waits alone
is biased low — badly so when waits are short against patience, as only the most
impatient customers get to abandon. The estimators here use both:

* exponential MLE under censoring: ``mean = (sum of all waits) / (abandons)``
  (the total time at risk over the number of events);
* censored lognormal: maximise ``sum log f(w_abandoned) + sum log S(w_answered)``
  over ``(mu, sigma)`` with ``scipy.optimize``.

The exponential is the default; the lognormal is chosen only when its AIC is
lower by more than 2. A Kaplan–Meier estimate of the survival of patience is the
model-free check: the fit reports both at the quartiles of the abandoned waits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

__all__ = ["DistFit", "PatienceFit", "fit_durations", "fit_patience", "kaplan_meier"]

CANDIDATES = ("lognormal", "gamma", "exponential")
MAX_CV = 20.0
#: AIC advantage the censored lognormal needs over the exponential to be chosen.
PATIENCE_AIC_MARGIN = 2.0
#: Fewer values than this get an exponential fit (a shape needs some data).
MIN_SHAPE_N = 10
#: Abandoned waits below this are taken as this (a density at 0 is undefined).
MIN_EVENT_S = 1e-3


@dataclass(frozen=True)
class DistFit:
    """A fitted duration distribution and its AIC table.

    Attributes
    ----------
    dist
        ``"lognormal"``, ``"gamma"`` or ``"exponential"`` (lowest AIC).
    mean_s, cv
        Mean (seconds) and coefficient of variation of the chosen fit.
    n
        Values fitted.
    aic
        Candidate -> AIC (NaN if its fit failed).
    left_out
        Values of zero left out of the fit.
    """

    dist: str
    mean_s: float
    cv: float
    n: int
    aic: dict[str, float]
    left_out: int = 0

    def spec(self) -> dict[str, Any]:
        """The scenario mapping (mean in seconds): ``{dist, mean, cv}``."""
        if self.dist == "exponential":
            return {"dist": "exponential", "mean": self.mean_s}
        return {"dist": self.dist, "mean": self.mean_s, "cv": self.cv}

    def frozen(self) -> Any:
        """The chosen distribution as a frozen ``scipy.stats`` object."""
        return frozen(self.dist, self.mean_s, self.cv)

    def aic_text(self) -> str:
        """``'lognormal 1234.5 (chosen), gamma 1240.1, exponential 1300.0'``."""
        parts = []
        for name, value in sorted(self.aic.items(), key=lambda kv: _nan_last(kv[1])):
            mark = " (chosen)" if name == self.dist else ""
            parts.append(f"{name} {value:,.1f}{mark}" if math.isfinite(value)
                         else f"{name} failed")
        return ", ".join(parts)


def _nan_last(x: float) -> float:
    return x if math.isfinite(x) else math.inf


def frozen(dist: str, mean_s: float, cv: float) -> Any:
    """A frozen ``scipy.stats`` distribution from a name, mean and cv."""
    if dist == "exponential":
        return stats.expon(scale=mean_s)
    if dist == "lognormal":
        s2 = math.log1p(cv * cv)
        return stats.lognorm(s=math.sqrt(s2), scale=mean_s * math.exp(-s2 / 2))
    shape = 1.0 / (cv * cv)
    return stats.gamma(shape, scale=mean_s / shape)


def _fit_one(name: str, x: np.ndarray) -> tuple[float, float, float]:
    """``(mean, cv, log-likelihood)`` of one candidate fitted to ``x`` (all > 0)."""
    if name == "exponential":
        m = float(x.mean())
        return m, 1.0, float(stats.expon.logpdf(x, scale=m).sum())
    if name == "lognormal":
        s, _, scale = stats.lognorm.fit(x, floc=0)
        mean, cv = scale * math.exp(s * s / 2), math.sqrt(math.expm1(s * s))
        return mean, cv, float(stats.lognorm.logpdf(x, s, scale=scale).sum())
    a, _, scale = stats.gamma.fit(x, floc=0)
    return a * scale, 1.0 / math.sqrt(a), float(stats.gamma.logpdf(x, a, scale=scale).sum())


def fit_durations(values: np.ndarray, candidates: tuple[str, ...] = CANDIDATES) -> DistFit | None:
    """Fit each candidate by maximum likelihood (``floc=0``) and keep the lowest AIC.

    Parameters
    ----------
    values
        Durations in seconds (NaN ignored; zeros left out and counted).
    candidates
        Distribution names to try.

    Returns
    -------
    DistFit or None
        None when no positive value is given.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    left_out = int((x <= 0).sum())
    x = x[x > 0]
    if x.size == 0:
        return None
    if x.size < MIN_SHAPE_N or np.ptp(x) == 0:
        m = float(x.mean())
        only = 2 - 2 * (-x.size * math.log(m) - x.size)
        return DistFit("exponential", m, 1.0, int(x.size), {"exponential": only}, left_out)
    aic: dict[str, float] = {}
    fits: dict[str, tuple[float, float]] = {}
    k = {"exponential": 1, "lognormal": 2, "gamma": 2}
    for name in candidates:
        try:
            with np.errstate(all="ignore"):
                mean, cv, ll = _fit_one(name, x)
        except (ValueError, RuntimeError, FloatingPointError, OverflowError):
            aic[name] = math.nan
            continue
        ok = math.isfinite(ll) and math.isfinite(mean) and mean > 0 and 0 < cv <= MAX_CV
        aic[name] = 2 * k[name] - 2 * ll if ok else math.nan
        fits[name] = (mean, cv)
    finite = {n: a for n, a in aic.items() if math.isfinite(a)}
    best = min(finite, key=finite.__getitem__) if finite else "exponential"
    mean, cv = fits.get(best, (float(x.mean()), 1.0))
    return DistFit(best, float(mean), float(min(cv, MAX_CV)), int(x.size), aic, left_out)


def kaplan_meier(waits: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier survival of patience: ``(event times, S just after each)``.

    Parameters
    ----------
    waits
        Waits of all queued contacts (seconds).
    events
        True where the contact abandoned (the wait is its patience), False where it
        was answered (patience exceeded the wait: censored).
    """
    w = np.asarray(waits, dtype=float)
    e = np.asarray(events, dtype=bool)
    times, deaths = np.unique(w[e], return_counts=True)
    at_risk = w.size - np.searchsorted(np.sort(w), times, side="left")
    return times, np.cumprod(1.0 - deaths / at_risk)


def km_at(times: np.ndarray, surv: np.ndarray, t: float) -> float:
    """The Kaplan–Meier step function at ``t``."""
    i = int(np.searchsorted(times, t, side="right")) - 1
    return 1.0 if i < 0 else float(surv[i])


@dataclass(frozen=True)
class PatienceFit:
    """Patience fitted from abandoned (events) and answered (censored) waits.

    Attributes
    ----------
    dist, mean_s, cv
        Chosen distribution (``exponential`` or ``lognormal``), mean and cv.
    n_queued, n_abandoned
        Contacts that queued (answered or abandoned) and those that abandoned.
    aic
        ``{"exponential": ..., "lognormal": ...}``.
    naive_mean_s
        Mean of the abandoned waits alone (biased low; shown for comparison).
    km
        ``(t, Kaplan–Meier S(t), model S(t))`` at the quartiles of abandoned waits.
    """

    dist: str
    mean_s: float
    cv: float
    n_queued: int
    n_abandoned: int
    aic: dict[str, float]
    naive_mean_s: float
    km: list[tuple[float, float, float]] = field(default_factory=list)

    def spec(self) -> dict[str, Any]:
        """The scenario mapping (mean in seconds)."""
        if self.dist == "exponential":
            return {"dist": "exponential", "mean": self.mean_s}
        return {"dist": self.dist, "mean": self.mean_s, "cv": self.cv}


def _censored_lognormal(w: np.ndarray, e: np.ndarray, mean0: float) -> tuple[float, float, float]:
    """``(mean, cv, log-likelihood)`` of the censored lognormal MLE."""
    ev = np.log(np.maximum(w[e], MIN_EVENT_S))
    cens = np.log(w[~e & (w > 0)])

    def nll(theta: np.ndarray) -> float:
        mu, log_s = float(theta[0]), float(theta[1])
        if not -30 < log_s < 30:
            return 1e300  # outside the parameter space: the optimiser steps back
        s = math.exp(log_s)
        ll = stats.norm.logpdf(ev, mu, s).sum() - ev.sum()
        ll += stats.norm.logsf((cens - mu) / s).sum()
        return -float(ll) if math.isfinite(ll) else 1e300

    x0 = np.array([math.log(mean0) - 0.5, 0.0])
    res = optimize.minimize(nll, x0, method="Nelder-Mead",
                            options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 2000})
    mu, s = float(res.x[0]), math.exp(float(res.x[1]))
    return math.exp(mu + s * s / 2), math.sqrt(math.expm1(s * s)), -float(res.fun)


def fit_patience(waits: np.ndarray, abandoned: np.ndarray) -> PatienceFit | None:
    """Fit patience from queued contacts, answered waits as right-censored.

    Parameters
    ----------
    waits
        Waits of answered and abandoned contacts (seconds).
    abandoned
        True for abandoned contacts.

    Returns
    -------
    PatienceFit or None
        None when nobody abandoned (customers never abandon).
    """
    w = np.asarray(waits, dtype=float)
    e = np.asarray(abandoned, dtype=bool)
    keep = np.isfinite(w)
    w, e = w[keep], e[keep]
    n_ab = int(e.sum())
    if n_ab == 0:
        return None
    total = float(w.sum())
    mean_exp = max(total / n_ab, MIN_EVENT_S)
    aic = {"exponential": 2 * 1 - 2 * (-n_ab * math.log(mean_exp) - total / mean_exp)}
    dist, mean, cv = "exponential", mean_exp, 1.0
    if n_ab >= MIN_SHAPE_N:
        try:
            with np.errstate(all="ignore"):
                ln_mean, ln_cv, ll = _censored_lognormal(w, e, mean_exp)
            aic["lognormal"] = 2 * 2 - 2 * ll
            if (aic["lognormal"] < aic["exponential"] - PATIENCE_AIC_MARGIN
                    and 0 < ln_cv <= MAX_CV and math.isfinite(ln_mean)):
                dist, mean, cv = "lognormal", ln_mean, ln_cv
        except (ValueError, OverflowError, FloatingPointError, ZeroDivisionError):
            aic["lognormal"] = math.nan
    model = frozen(dist, mean, cv)
    times, surv = kaplan_meier(w, e)
    km = [(float(t), km_at(times, surv, float(t)), float(model.sf(t)))
          for t in np.quantile(w[e], [0.25, 0.5, 0.75])]
    return PatienceFit(dist, float(mean), float(cv), int(w.size), n_ab, aic,
                       float(w[e].mean()), km)
