"""Arrival rates by interval of day and day of week, and busy agents by interval.

The log's *period* runs from the start of the reporting interval of its first
arrival to the end of the interval of its last one. Every interval of the week
(weekday × interval of day, a *slot*) was observed some number of times in the
period, its *exposure*. A demand line of the scenario has the rate

    rate(weekday d, interval k) = rate × weight[k] × day_factor[d]

(:mod:`sim.model.demand`: profile weights with mean 1, day factors per weekday).
Counts per slot are Poisson, so the maximum-likelihood fit of this product form is
found by alternating the two margins (iterative proportional fitting): ``weight[k]
= count in k / expected count in k`` with the other factors held, and likewise for
``day_factor[d]``. With whole weeks of data it is simply count / exposure per
interval and per weekday. Day factors are fitted only when the period covers every
weekday (otherwise they are left out, meaning 1); they are scaled to mean 1 over
the week, so ``rate`` is the week's average rate.

Busy agents per slot: the time each answered contact spends with an agent
(answer to answer + handle), summed per pool over the slot and divided by the
slot's length and exposure: the mean number of agents busy at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.scenario.units import DAY_S, WEEKDAYS

__all__ = ["LineRate", "Period", "busy_by_slot", "fit_rates", "period_of"]

#: Iterations of the alternating fit (converges in a handful).
IPF_ROUNDS = 50


@dataclass(frozen=True)
class Period:
    """The observed period of a log, on the grid of reporting intervals.

    Attributes
    ----------
    start, end
        First and last instant (naive datetimes, ``end`` exclusive).
    interval_s
        Interval of the grid (15min, 30min or 1h).
    exposure
        ``(7, intervals per day)``: how often each slot of the week was observed.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    interval_s: float
    exposure: np.ndarray

    @property
    def span_s(self) -> float:
        """Length of the period in seconds."""
        return float((self.end - self.start).total_seconds())

    @property
    def clock_start_s(self) -> float:
        """Seconds from the Monday 00:00 before ``start`` (the scenario's ``start``)."""
        return float(self.start.weekday() * DAY_S + (self.start - self.start.normalize())
                     .total_seconds())

    @property
    def per_day(self) -> int:
        """Intervals per day."""
        return round(DAY_S / self.interval_s)

    @property
    def weekdays_covered(self) -> int:
        """Weekdays with at least half a day observed."""
        return int((self.exposure.sum(axis=1) >= self.per_day / 2).sum())

    def describe(self) -> str:
        """``'Mon 2024-01-01 00:00 .. Mon 2024-01-08 00:00 (7.0 days)'``."""
        fmt = "%a %Y-%m-%d %H:%M"
        return (f"{self.start.strftime(fmt)} .. {self.end.strftime(fmt)} "
                f"({self.span_s / DAY_S:.1f} days)")

    def slots(self, times: pd.Series | pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Weekday and interval of day of each time."""
        t = pd.DatetimeIndex(times)
        secs = (t - t.normalize()).total_seconds().to_numpy()
        k = np.minimum((secs // self.interval_s).astype(np.int64), self.per_day - 1)
        return t.weekday.to_numpy().astype(np.int64), k


def period_of(times: pd.Series, interval_s: float) -> Period:
    """The period covering ``times`` on the ``interval_s`` grid, with slot exposures."""
    step = pd.Timedelta(seconds=interval_s)
    start = times.min().floor(step)
    end = times.max().floor(step) + step
    grid = pd.date_range(start, end, freq=step, inclusive="left")
    per_day = round(DAY_S / interval_s)
    exposure = np.zeros((7, per_day))
    secs = (grid - grid.normalize()).total_seconds().to_numpy()
    np.add.at(exposure, (grid.weekday.to_numpy(), (secs // interval_s).astype(np.int64)), 1)
    return Period(start, end, interval_s, exposure)


@dataclass(frozen=True)
class LineRate:
    """A fitted demand line.

    Attributes
    ----------
    channel, intent
        The line's channel and intent.
    n
        Arrivals counted.
    rate_per_s
        Week-average rate (contacts per second).
    weights
        Profile weights per interval of the day (mean 1).
    day_factors
        Seven weekday factors (mean 1), or None when not fitted.
    unobserved
        Intervals of the day never observed (their weight is set to 1).
    """

    channel: str
    intent: str
    n: int
    rate_per_s: float
    weights: np.ndarray
    day_factors: np.ndarray | None
    unobserved: int

    def expected(self, period: Period) -> np.ndarray:
        """Expected arrivals per slot ``(7, per_day)`` over the period."""
        f = self.day_factors if self.day_factors is not None else np.ones(7)
        lam = self.rate_per_s * period.interval_s * np.outer(f, self.weights)
        return lam * period.exposure

    def hourly_rate(self) -> np.ndarray:
        """Mean arrivals per hour for each hour of the day (week average)."""
        per_hour = self.rate_per_s * 3600.0 * self.weights
        k = self.weights.shape[0] // 24
        return per_hour.reshape(24, k).mean(axis=1)


def fit_product(counts: np.ndarray, exposure: np.ndarray, interval_s: float,
                day_factors: bool) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Poisson ML fit of ``counts[d, k] ~ rate * interval * w[k] * f[d] * exposure[d, k]``.

    Returns
    -------
    tuple
        ``(rate per second, w (mean 1 over observed intervals), f (mean 1) or None)``.
    """
    seen_k = exposure.sum(axis=0) > 0
    seen_d = exposure.sum(axis=1) > 0
    w = np.ones(counts.shape[1])
    f = np.ones(7)
    total = counts.sum()
    for _ in range(IPF_ROUNDS if day_factors else 1):
        col = (exposure * f[:, None]).sum(axis=0)
        w = np.where(seen_k, counts.sum(axis=0) / np.where(col > 0, col, 1.0), 1.0)
        w = w / w[seen_k].mean() if w[seen_k].mean() > 0 else np.ones_like(w)
        if not day_factors:
            break
        row = (exposure * w[None, :]).sum(axis=1)
        f = np.where(seen_d, counts.sum(axis=1) / np.where(row > 0, row, 1.0), 1.0)
        f = f / f.mean() if f.mean() > 0 else np.ones(7)
    w = np.where(seen_k, w, 1.0)
    expected_unit = (exposure * np.outer(f, w)).sum() * interval_s
    rate = float(total / expected_unit) if expected_unit > 0 else 0.0
    return rate, w, (f if day_factors else None)


def fit_rates(contacts: pd.DataFrame, period: Period) -> list[LineRate]:
    """One :class:`LineRate` per channel and intent of ``contacts`` (arrivals of new needs).

    Parameters
    ----------
    contacts
        Rows with ``arrival``, ``channel`` and ``intent``.
    period
        The log's period (:func:`period_of`).
    """
    d, k = period.slots(contacts["arrival"])
    use_days = period.weekdays_covered == 7
    out = []
    groups = contacts.groupby(["channel", "intent"], sort=True, observed=True).indices
    for (channel, intent), idx in groups.items():
        counts = np.zeros((7, period.per_day))
        np.add.at(counts, (d[idx], k[idx]), 1)
        rate, w, f = fit_product(counts, period.exposure, period.interval_s, use_days)
        unobserved = int((period.exposure.sum(axis=0) == 0).sum())
        out.append(LineRate(str(channel), str(intent), len(idx), rate, w, f, unobserved))
    return out


def busy_by_slot(start: pd.Series, handle_s: np.ndarray, period: Period) -> np.ndarray:
    """Mean agents busy per slot ``(7, per_day)`` from contacts handled in the period.

    Parameters
    ----------
    start
        Answer times (naive datetimes).
    handle_s
        Handle times in seconds.
    period
        The log's period; time outside it is not counted.
    """
    t0 = period.start
    a = (pd.DatetimeIndex(start) - t0).total_seconds().to_numpy()
    b = a + np.asarray(handle_s, dtype=float)
    span = period.span_s
    a, b = np.clip(a, 0, span), np.clip(b, 0, span)
    keep = b > a
    a, b = a[keep], b[keep]
    n_int = round(span / period.interval_s)
    grid = period.interval_s * np.arange(n_int + 1)
    times = np.concatenate([a, b, grid])
    delta = np.concatenate([np.ones(a.size), -np.ones(b.size), np.zeros(grid.size)])
    order = np.argsort(times, kind="stable")
    times, delta = times[order], delta[order]
    level = np.cumsum(delta)
    area = level[:-1] * np.diff(times)
    bucket = np.minimum((times[:-1] // period.interval_s).astype(np.int64), n_int - 1)
    per_interval = np.bincount(bucket, weights=area, minlength=n_int)[:n_int]
    stamps = t0 + pd.to_timedelta(grid[:-1], unit="s")
    d, k = period.slots(stamps)
    busy = np.zeros((7, period.per_day))
    np.add.at(busy, (d, k), per_interval)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = busy / (period.exposure * period.interval_s)
    return np.nan_to_num(out)


def weekday_name(d: int) -> str:
    """``'Mon'`` for 0."""
    return WEEKDAYS[d].capitalize()

