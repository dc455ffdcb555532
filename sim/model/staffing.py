"""Staffing: how many agents of a pool are on duty at each moment.

A pool's headcount is a step function of time, from a fixed ``size``, a
``schedule`` (headcount per interval of the day or week) or ``shifts`` (blocks of
agents on duty between two times of day on some weekdays, net of shrinkage). The
world follows the steps: agents join when it rises; when it falls, idle agents
leave at once and busy ones finish their current contact first.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Pool
from sim.scenario.units import DAY_S, WEEK_S


def headcount_steps(
    pool: Pool, start_clock_s: float, end_s: float
) -> tuple[list[float], list[int]]:
    """Change times (sim seconds, the first is 0) and the headcount from each one on.

    Consecutive equal headcounts are merged, so every step is a real change.
    """
    if pool.size is not None:
        return [0.0], [pool.size]
    grid_s, week = _weekly_grid(pool)
    n = week.shape[0]
    first = int(np.floor(start_clock_s / grid_s))
    last = int(np.ceil((start_clock_s + end_s) / grid_s))
    ks = np.arange(first, last + 1)
    ts = np.maximum(0.0, ks * grid_s - start_clock_s)
    cs = week[ks % n]
    keep = ts < end_s
    ts, cs = ts[keep], cs[keep]
    # Several grid points may clip to 0: the last of them holds at time 0.
    last_zero = int(np.flatnonzero(ts == 0.0)[-1])
    ts, cs = ts[last_zero:], cs[last_zero:]
    change = np.ones(ts.shape[0], dtype=bool)
    change[1:] = cs[1:] != cs[:-1]
    return ts[change].tolist(), [int(c) for c in cs[change]]


def _weekly_grid(pool: Pool) -> tuple[float, np.ndarray]:
    """The pool's headcount on a regular grid covering one week."""
    if pool.schedule is not None:
        per_day = round(DAY_S / pool.schedule.interval)
        hc = np.asarray(pool.schedule.headcount, dtype=np.int64)
        week = np.tile(hc, 7) if hc.shape[0] == per_day else hc
        return pool.schedule.interval, week
    assert pool.shifts is not None
    grid = 60.0  # shifts start and end on any minute
    n = int(WEEK_S / grid)
    week = np.zeros(n, dtype=np.float64)
    for shift in pool.shifts:
        net = round(shift.agents * (1.0 - shift.shrinkage))
        for day in shift.day_indices:
            a = day * DAY_S + shift.start
            overnight = shift.end <= shift.start
            b = (day + overnight) * DAY_S + shift.end
            i0, i1 = int(round(a / grid)), int(round(b / grid))
            idx = np.arange(i0, i1) % n
            week[idx] += net
    return grid, week.astype(np.int64)


def max_headcount(pool: Pool) -> int:
    """The most agents this pool ever has on duty."""
    if pool.size is not None:
        return pool.size
    return int(_weekly_grid(pool)[1].max())
