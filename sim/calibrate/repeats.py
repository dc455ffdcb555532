"""Journeys in a log: repeat contacts of one customer, and the recontact model they imply.

Contacts of the same case (customer) are linked into *journeys* (one need each),
in arrival order. A contact starts a new journey when it is the case's first,
when the previous contact of the case ended more than ``window`` earlier, or —
when the log says which contacts resolved their need — when the previous contact
resolved it. Otherwise it is a *repeat* of the previous one: a *recontact* after an
answered contact that did not resolve the need, a *retry* after an abandoned or
blocked one. Its *delay* is the time from the end of the previous contact
(``arrival + wait + handle``) to its arrival.

Censoring. A contact near the end of the log may have a repeat after the log
ends, and long delays are seen less often than short ones. With ``c_i = min(window,
log end - end_i)`` the time contact ``i`` was watched, the chance ``p`` of coming
back and the delay distribution ``F`` (lognormal, gamma or exponential, by AIC)
are fitted together by maximum likelihood of the *cure model*: a repeat after
``d`` contributes ``p f(d)``, a contact without one ``1 - p F(c_i)``. With a log
long against the delays this is the plain share and the plain delay fit.

Without a resolution flag, a repeat within the window is taken to mean the earlier
contact did not resolve the need (the usual "no repeat within N days" FCR proxy):
an intent's resolution is ``1 - p`` of its answered contacts and the recontact
probability is 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from sim.calibrate.dists import CANDIDATES, MAX_CV, MIN_SHAPE_N, DistFit, fit_durations

__all__ = ["JourneyFit", "RepeatFit", "fit_repeats", "link"]


def contact_end(c: pd.DataFrame) -> pd.Series:
    """End of each contact: arrival + wait (+ handle if answered)."""
    extra = c["wait_s"].fillna(0.0) + c["handle_s"].fillna(0.0)
    return c["arrival"] + pd.to_timedelta(extra, unit="s")


def link(contacts: pd.DataFrame, window_s: float, use_resolution: bool) -> pd.DataFrame:
    """Contacts with their journey, attempt and what followed them.

    Parameters
    ----------
    contacts
        Canonical contacts (:data:`sim.calibrate.read.CONTACT_COLUMNS`).
    window_s
        A contact more than this after the end of the previous one starts a new journey.
    use_resolution
        Start a new journey after a resolved contact.

    Returns
    -------
    pandas.DataFrame
        The contacts sorted by case and arrival, with ``end``, ``journey`` (int),
        ``attempt`` (0 first), ``next_gap_s`` (delay to the repeat, NaN if none),
        ``next_channel`` and ``next_line``.
    """
    c = contacts.sort_values(["case", "arrival", "line"], kind="stable").copy()
    c["end"] = contact_end(c)
    prev_case = c["case"].shift(1)
    gap = (c["arrival"] - c["end"].shift(1)).dt.total_seconds()
    new = (c["case"] != prev_case) | (gap > window_s)
    if use_resolution:
        new |= c["resolved"].shift(1).eq(1.0)
    journey = new.cumsum() - 1
    c["journey"] = journey.astype(np.int64)
    c["attempt"] = c.groupby("journey", sort=False).cumcount().astype(np.int64)
    same = c["journey"].shift(-1).eq(c["journey"])
    c["next_gap_s"] = gap.shift(-1).clip(lower=0.0).where(same)
    c["next_channel"] = c["channel"].shift(-1).where(same)
    return c


@dataclass(frozen=True)
class RepeatFit:
    """How often and after how long customers came back.

    Attributes
    ----------
    n_from
        Contacts that could come back (unresolved answered, or abandoned / blocked,
        before the last attempt).
    n_back
        Of those, followed by a repeat in the log.
    probability
        Censoring-corrected chance of coming back.
    delay
        Fitted delay distribution (None without repeats).
    """

    n_from: int
    n_back: int
    probability: float
    delay: DistFit | None


@dataclass(frozen=True)
class JourneyFit:
    """The recontact model fitted from a linked log.

    Attributes
    ----------
    recontact, retry
        After answered contacts that did not resolve; after abandoned or blocked ones
        (None when nobody abandoned or was blocked).
    switch
        From channel -> {to channel: share} over all repeats, for channels with any
        switch (others keep their channel).
    switch_counts
        The counts behind ``switch``.
    max_attempts
        Most customer contacts in one journey (at least 2).
    journeys
        Journeys in the log.
    resolution_known
        Whether the log flagged resolution (otherwise see ``proxy_resolution``).
    proxy_resolution
        Without a flag: intent -> (1 - chance of a repeat, answered contacts).
    """

    recontact: RepeatFit
    retry: RepeatFit | None
    switch: dict[str, dict[str, float]]
    switch_counts: dict[str, dict[str, int]]
    max_attempts: int
    journeys: int
    window_s: float
    resolution_known: bool
    proxy_resolution: dict[str, tuple[float, int]] = field(default_factory=dict)


def _cure_nll(name: str, theta: np.ndarray, d: np.ndarray, c: np.ndarray) -> float:
    """Negative log-likelihood of the cure model (see the module docstring)."""
    try:
        return _cure_nll_unsafe(name, theta, d, c)
    except (ValueError, OverflowError, ZeroDivisionError, FloatingPointError):
        return 1e300  # outside the parameter space: the optimiser steps back


def _cure_nll_unsafe(name: str, theta: np.ndarray, d: np.ndarray, c: np.ndarray) -> float:
    p = 1.0 / (1.0 + math.exp(-float(theta[0])))
    with np.errstate(all="ignore"):
        if name == "exponential":
            m = math.exp(theta[1])
            logf, cdf = -float(theta[1]) - d / m, -np.expm1(-c / m)
        elif name == "lognormal":
            mu, log_sd = float(theta[1]), float(theta[2])
            z = (np.log(d) - mu) / math.exp(log_sd)
            logf = -0.5 * z * z - np.log(d) - log_sd - 0.5 * math.log(2 * math.pi)
            cdf = special.ndtr((np.log(np.maximum(c, 1e-300)) - mu) / math.exp(log_sd))
        else:
            a, scale = math.exp(theta[1]), math.exp(theta[2])
            logf = ((a - 1) * np.log(d) - d / scale - special.gammaln(a)
                    - a * float(theta[2]))
            cdf = special.gammainc(a, c / scale)
        ll = d.size * math.log(p) + float(np.sum(logf))
        ll += float(np.log1p(-np.minimum(p * cdf, 1 - 1e-12)).sum())
    return -ll if math.isfinite(ll) else 1e300


def _start(name: str, p0: float, mean: float, cv: float) -> np.ndarray:
    logit = math.log(p0 / (1 - p0))
    if name == "exponential":
        return np.array([logit, math.log(mean)])
    if name == "lognormal":
        s2 = math.log1p(cv * cv)
        return np.array([logit, math.log(mean) - s2 / 2, 0.5 * math.log(s2)])
    shape = 1 / (cv * cv)
    return np.array([logit, math.log(shape), math.log(mean / shape)])


def _mean_cv(name: str, theta: np.ndarray) -> tuple[float, float]:
    if name == "exponential":
        return math.exp(theta[1]), 1.0
    if name == "lognormal":
        s2 = math.exp(2 * theta[2])
        return math.exp(theta[1] + s2 / 2), math.sqrt(math.expm1(s2))
    shape = math.exp(theta[1])
    return shape * math.exp(theta[2]), 1 / math.sqrt(shape)


def _cure(delays: np.ndarray, watched: np.ndarray) -> tuple[float, DistFit | None]:
    """Fit ``p`` and the delay distribution by the cure model; ``(p, delay fit)``."""
    plain = fit_durations(delays)
    if plain is None:
        return 0.0, None
    d = np.maximum(delays[np.isfinite(delays)], 1.0)  # under a second: at once
    c = np.maximum(watched, 0.0)
    p0 = min(0.99, max(0.01, d.size / max(1, d.size + c.size)))
    aic: dict[str, float] = {}
    fits: dict[str, tuple[float, float, float]] = {}
    for name in CANDIDATES if d.size >= MIN_SHAPE_N else ("exponential",):
        cv0 = plain.cv if name != "exponential" else 1.0
        res = optimize.minimize(lambda t, nm=name: _cure_nll(nm, t, d, c),
                                _start(name, p0, plain.mean_s, cv0), method="Nelder-Mead",
                                options={"xatol": 1e-5, "fatol": 1e-5, "maxiter": 3000})
        try:
            mean, cv = _mean_cv(name, res.x)
        except (OverflowError, ValueError, ZeroDivisionError):
            mean, cv = math.nan, math.nan
        ok = res.fun < 1e299 and math.isfinite(mean) and 0 < cv <= MAX_CV
        aic[name] = 2 * len(res.x) + 2 * float(res.fun) if ok else math.nan
        fits[name] = (float(special.expit(res.x[0])), mean, cv)
    finite = {n: a for n, a in aic.items() if math.isfinite(a)}
    if not finite:
        return min(1.0, d.size / max(1, d.size + c.size)), plain
    best = min(finite, key=finite.__getitem__)
    p, mean, cv = fits[best]
    return float(p), DistFit(best, mean, min(cv, MAX_CV), int(d.size), aic, plain.left_out)


def _repeat(linked: pd.DataFrame, mask: pd.Series, watched: pd.Series) -> RepeatFit:
    gaps = linked.loc[mask, "next_gap_s"]
    back = gaps.notna()
    p, delay = _cure(gaps[back].to_numpy(), watched[mask][~back].to_numpy())
    return RepeatFit(int(mask.sum()), int(back.sum()), p, delay)


def fit_repeats(linked: pd.DataFrame, log_end: pd.Timestamp, window_s: float,
                resolution_known: bool) -> JourneyFit:
    """Fit recontact and retry probability and delay, and channel switching.

    Parameters
    ----------
    linked
        Output of :func:`link`.
    log_end
        End of the observed period (repeats after it are unseen: censoring).
    window_s
        The journey window used by :func:`link`.
    resolution_known
        Whether answered contacts carry a resolution flag.
    """
    watched = ((log_end - linked["end"]).dt.total_seconds()).clip(upper=window_s)
    attempts = int(linked["attempt"].max()) + 1 if len(linked) else 1
    max_attempts = max(2, attempts)
    # a contact on the last attempt cannot come back (the model's cap), so it does not
    # count as a chance to: otherwise the cap would bias the probability low
    can = linked["attempt"] < max_attempts - 1
    answered = (linked["outcome"] == "answered") & can
    unresolved = answered & (linked["resolved"].eq(0.0) if resolution_known else True)
    recontact = _repeat(linked, unresolved, watched)
    gave_up = linked["outcome"].isin(["abandoned", "blocked"]) & can
    retry = _repeat(linked, gave_up, watched) if gave_up.any() else None
    proxy: dict[str, tuple[float, int]] = {}
    if not resolution_known:
        for intent, rows in linked.loc[answered].groupby("intent", sort=True):
            one = pd.Series(linked.index.isin(rows.index), index=linked.index)
            p = _repeat(linked, one, watched).probability
            proxy[str(intent)] = (1.0 - p, len(rows))
    moved = linked.loc[linked["next_channel"].notna(), ["channel", "next_channel"]]
    counts: dict[str, dict[str, int]] = {}
    for (src, dst), n in moved.value_counts(sort=False).items():
        counts.setdefault(str(src), {})[str(dst)] = int(n)
    switch_counts = {s: dict(sorted(row.items())) for s, row in sorted(counts.items())
                     if any(d != s for d in row)}
    switch = {s: {d: n / sum(row.values()) for d, n in row.items()}
              for s, row in switch_counts.items()}
    return JourneyFit(recontact, retry, switch, switch_counts, max_attempts,
                      int(linked["journey"].nunique()), window_s, resolution_known, proxy)
