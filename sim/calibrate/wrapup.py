"""After-call work (wrap-up) per intent from a log's wrap-up column.

A contact log may give each answered contact its wrap-up time (``wrap_s``, see
:mod:`sim.calibrate.read`). It is fitted like the handle time
(:func:`sim.calibrate.dists.fit_durations`: lognormal, gamma or exponential by AIC,
zeros left out and counted) over the answered contacts of each intent, and written as
the intent's ``after_call_work``; values that are all equal give a ``deterministic``
duration. A channel whose mean wrap-up differs from the others' (at least
:data:`MIN_CHANNEL_N` contacts, by more than two standard errors of the difference
and more than :data:`MIN_CHANNEL_DIFF` of the mean) gets its own fit in
``after_call_work_by_channel`` (a channel that never wraps up: ``0s``); the intent's
``after_call_work`` is then fitted over the remaining channels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.dists import DistFit, fit_durations

__all__ = ["WrapFit", "fit_wrap", "fit_wrap_up"]

#: A channel needs this many answered contacts to get its own after-call work.
MIN_CHANNEL_N = 30
#: ... and a mean that differs from the others' by more than this share.
MIN_CHANNEL_DIFF = 0.05


@dataclass(frozen=True)
class WrapFit:
    """After-call work fitted to the wrap-up times of some answered contacts.

    Attributes
    ----------
    n
        Answered contacts (zeros included).
    mean_s
        Their observed mean wrap-up, zeros included (seconds).
    n_zero
        Contacts without wrap-up (0): left out of the fitted distribution.
    dist
        The fit of the positive values; None when they are all equal (or none is
        positive): then a fixed duration, ``value_s``.
    value_s
        The fixed duration when ``dist`` is None.
    """

    n: int
    mean_s: float
    n_zero: int
    dist: DistFit | None
    value_s: float = 0.0

    def spec(self) -> dict[str, Any]:
        """The scenario mapping (seconds): ``{dist, mean, cv}`` or ``{dist:
        deterministic, value}``."""
        if self.dist is None:
            return {"dist": "deterministic", "value": self.value_s}
        return self.dist.spec()

    @property
    def none(self) -> bool:
        """True when no contact wrapped up (all zeros)."""
        return self.dist is None and self.value_s == 0

    def how(self) -> str:
        """How it was fitted, for the scenario file's comment."""
        if self.none:
            return f"{self.n:,} answered contacts, none with wrap-up"
        zero = (f"; {self.n_zero:,} without wrap-up (0) left out, so the mean is overstated"
                if self.n_zero else "")
        if self.dist is None:
            return f"{self.n:,} answered contacts, every wrap-up the same{zero}"
        return f"{self.dist.n:,} wrap-up times, AIC: {self.dist.aic_text()}{zero}"


def fit_wrap(values: np.ndarray) -> WrapFit:
    """Fit after-call work to wrap-up times (seconds; NaN ignored).

    Parameters
    ----------
    values
        Wrap-up times of answered contacts.

    Returns
    -------
    WrapFit
        Lognormal, gamma or exponential by AIC over the positive values, or a
        fixed duration when they are all equal (0 when none is positive).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    positive = x[x > 0]
    n_zero = int(x.size - positive.size)
    mean = float(x.mean()) if x.size else 0.0
    if positive.size == 0 or np.ptp(positive) == 0:
        value = float(positive[0]) if positive.size else 0.0
        return WrapFit(int(x.size), mean, n_zero, None, value)
    return WrapFit(int(x.size), mean, n_zero, fit_durations(positive))


def _differs(a: np.ndarray, b: np.ndarray) -> bool:
    """Means of ``a`` and ``b`` differ by > 2 standard errors and > MIN_CHANNEL_DIFF."""
    if a.size < MIN_CHANNEL_N or b.size == 0:
        return False
    ma, mb = float(a.mean()), float(b.mean())
    se = math.sqrt(float(a.var()) / a.size + float(b.var()) / b.size)
    return abs(ma - mb) > 2 * se and abs(ma - mb) > MIN_CHANNEL_DIFF * max(ma, mb)


def fit_wrap_up(answered: pd.DataFrame) -> tuple[WrapFit | None, dict[str, WrapFit]]:
    """After-call work of one intent, and of the channels where it differs.

    Parameters
    ----------
    answered
        The intent's answered contacts, with ``channel`` and ``wrap_s``.

    Returns
    -------
    tuple
        The intent's after-call work (None: the log has no wrap-up column, or no
        answered contact, or no wrap-up on the channels it applies to) and the
        channel overrides.
    """
    if "wrap_s" not in answered or answered.empty:
        return None, {}
    by = {str(ch): r["wrap_s"].to_numpy(dtype=float)
          for ch, r in answered.groupby("channel", sort=True, observed=True)}
    by = {ch: v[np.isfinite(v)] for ch, v in by.items()}
    every = np.concatenate(list(by.values())) if by else np.zeros(0)
    own = [ch for ch, v in by.items()
           if len(by) > 1 and _differs(v, np.concatenate([w for c, w in by.items() if c != ch]))]
    rest = [ch for ch in by if ch not in own]
    if not rest:  # every channel differs: the busiest one is the intent's default
        rest = [max(own, key=lambda ch: by[ch].size)]
        own.remove(rest[0])
    base = fit_wrap(np.concatenate([by[ch] for ch in rest]) if rest else every)
    overrides = {ch: fit_wrap(by[ch]) for ch in own}
    if base.none and not overrides:
        return None, {}
    return base, overrides
