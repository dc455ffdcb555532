"""Shrinkage as it happens: breaks, daily absence and adherence inside shifts.

A shift's ``shrinkage`` is the simple option: a headcount cut on every minute of the
shift (:mod:`sim.model.staffing`). A shift may instead (or as well) say how the
paid time is lost, and this module turns that into the pool's agents on duty,
minute by minute, over the whole run:

* **absence**: on each day a shift runs, each of its ``agents`` is absent with
  chance ``absence``, independently (the day's absentees are binomial), drawn in
  day order from the stream ``absence/<pool>/<shift index>``. Absent agents are
  rostered (scheduled) but never on duty that day.
* **breaks**: every present agent takes every break of the shift. A break ``at`` a
  time takes all of them at once; a break within a ``window`` is staggered: with
  ``n`` agents present, agent ``k`` (0 .. n-1) starts at
  ``window start + floor(k * (window - length) / (n - 1))`` whole minutes (one agent:
  at the window start), so starts spread evenly from the window's start to the
  last start that still ends inside it, and at most
  ``ceil((n - 1) * length / (window - length)) + 1`` agents are away at a time.
  Each break takes exactly ``n * length`` agent-minutes.
* **adherence**: a present agent is away, for reasons the roster does not show, for
  each 15-minute slot of the shift (counted from its start) with chance
  ``1 - adherence``, independently, drawn from ``adherence/<pool>/<shift index>``
  (one uniform per present agent and slot, in day, agent, slot order). It thins the
  time agents are on duty and not on break, so the expected available time is
  ``adherence`` times it.

Then, as for the simple option, each shift's agents on duty at a minute are scaled by
``1 - shrinkage`` and the pool's total is rounded once, halves up. Going off duty
(a break, an adherence slot) works as a shift end does: idle agents leave at once,
busy ones finish the contact in hand first (:class:`sim.model.staffing.Staffing`).

The *scheduled* agents (the roster, before any shrinkage) are reported beside the
staffed ones (``scheduled_agents_mean``, :mod:`sim.metrics.kpis`). A scenario whose
shifts use none of breaks, absence and adherence draws nothing here and plays as
before.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.staffing import headcount_steps
from sim.model.streams import Streams
from sim.model.timearea import TimeArea
from sim.scenario.schema import Pool, Scenario
from sim.scenario.timing import Break, Shift
from sim.scenario.units import DAY_S

#: Adherence slots: an agent out of adherence is away for a whole slot.
ADHERENCE_SLOT_MIN = 15
_DAY_MIN = 1440

__all__ = ["ADHERENCE_SLOT_MIN", "break_starts", "pool_steps", "reports_scheduled",
           "scheduled_time", "uses_shrinkage"]


def uses_shrinkage(s: Scenario) -> bool:
    """True if some shift has breaks, absence or adherence below 1."""
    return any(sh.uses_shrinkage for p in s.pools.values() for sh in (p.shifts or ()))


def reports_scheduled(s: Scenario) -> bool:
    """True if some shift loses time to shrinkage of either kind (then the scheduled
    agents differ from the staffed ones and are reported)."""
    return any(sh.uses_shrinkage or sh.shrinkage > 0
               for p in s.pools.values() for sh in (p.shifts or ()))


def break_starts(brk: Break, shift_start_s: float, n: int) -> np.ndarray:
    """Start of each of ``n`` present agents' break, in whole minutes from the shift's
    start (the stagger rule of the module docstring)."""
    ws, we = brk.span
    first = int(round(((ws - shift_start_s) % DAY_S) / 60.0))
    room = int(round(((we - ws) % DAY_S - brk.length) / 60.0))
    if n <= 1 or room <= 0:
        return np.full(n, first, dtype=np.int64)
    return first + (np.arange(n, dtype=np.int64) * room) // (n - 1)


def _available(shift: Shift, n: int, length_min: int,
               adherence: np.random.Generator | None) -> np.ndarray:
    """Agents available at each minute of one day's shift, ``n`` of them present."""
    if n <= 0:
        return np.zeros(length_min)
    if not shift.breaks and adherence is None:
        return np.full(length_min, float(n))
    avail = np.ones((n, length_min), dtype=bool)
    rows = np.arange(n)[:, None]
    for brk in shift.breaks:
        span = np.arange(int(round(brk.length / 60.0)))
        idx = np.minimum(break_starts(brk, shift.start, n)[:, None] + span, length_min - 1)
        avail[rows, idx] = False
    if adherence is not None:
        slots = -(-length_min // ADHERENCE_SLOT_MIN)
        away = adherence.random((n, slots)) < 1.0 - shift.adherence
        avail &= ~np.repeat(away, ADHERENCE_SLOT_MIN, axis=1)[:, :length_min]
    return avail.sum(axis=0).astype(float)


def _minute_grid(pool: Pool, name: str, start_clock_s: float, end_s: float,
                 streams: Streams | None) -> tuple[int, np.ndarray]:
    """First clock minute and the pool's agents on each minute of the run, net of
    shrinkage (``streams`` None: the roster itself, gross)."""
    assert pool.shifts is not None
    m0 = int(math.floor(start_clock_s / 60.0))
    m1 = int(math.ceil((start_clock_s + end_s) / 60.0))
    net = np.zeros(max(1, m1 - m0))
    for si, shift in enumerate(pool.shifts):
        absence = adherence = None
        if streams is not None:
            if shift.absence > 0:
                absence = streams.get(f"absence/{name}/{si}")
            if shift.adherence < 1:
                adherence = streams.get(f"adherence/{name}/{si}")
        keep = 1.0 if streams is None else 1.0 - shift.shrinkage
        overnight = shift.end <= shift.start
        days = set(shift.day_indices)
        for d in range(m0 // _DAY_MIN - 1, m1 // _DAY_MIN + 1):
            if d % 7 not in days:
                continue
            i0 = int(round((d * DAY_S + shift.start) / 60.0))
            i1 = int(round(((d + overnight) * DAY_S + shift.end) / 60.0))
            if i1 <= m0 or i0 >= m1 or i1 <= i0:
                continue
            n = shift.agents
            if absence is not None:
                n -= int(absence.binomial(shift.agents, shift.absence))
            if streams is None:
                counts = np.full(i1 - i0, float(n))
            else:
                counts = _available(shift, n, i1 - i0, adherence)
            lo, hi = max(i0, m0), min(i1, m1)
            net[lo - m0:hi - m0] += counts[lo - i0:hi - i0] * keep
    return m0, net


def _steps(m0: int, net: np.ndarray, start_clock_s: float,
           end_s: float) -> tuple[list[float], list[int]]:
    counts = np.floor(net + 0.5 + 1e-9).astype(np.int64)  # rounded once, halves up
    ts = np.maximum(0.0, (m0 + np.arange(counts.shape[0])) * 60.0 - start_clock_s)
    keep = ts < end_s
    ts, counts = ts[keep], counts[keep]
    change = np.ones(ts.shape[0], dtype=bool)
    change[1:] = counts[1:] != counts[:-1]
    return ts[change].tolist(), [int(c) for c in counts[change]]


def pool_steps(pool: Pool, name: str, start_clock_s: float, end_s: float,
               streams: Streams) -> tuple[list[float], list[int]]:
    """Change times (sim seconds) and agents on duty of one pool over ``[0, end_s)``:
    :func:`sim.model.staffing.headcount_steps`, or with breaks, absence and adherence
    the minute-by-minute roster of this module."""
    if not pool.shifts or not any(sh.uses_shrinkage for sh in pool.shifts):
        return headcount_steps(pool, start_clock_s, end_s)
    m0, net = _minute_grid(pool, name, start_clock_s, end_s, streams)
    return _steps(m0, net, start_clock_s, end_s)


def scheduled_steps(pool: Pool, start_clock_s: float,
                    end_s: float) -> tuple[list[float], list[int]]:
    """The pool's scheduled (rostered) agents over ``[0, end_s)``, before shrinkage."""
    if not pool.shifts:
        return headcount_steps(pool, start_clock_s, end_s)
    m0, gross = _minute_grid(pool, "", start_clock_s, end_s, None)
    return _steps(m0, gross, start_clock_s, end_s)


def scheduled_time(s: Scenario) -> np.ndarray:
    """Scheduled agent-seconds per pool and reporting interval of the measured window,
    shape (pools, intervals), as the staffed time is recorded."""
    area = TimeArea(len(s.pools), s.warmup, s.end_s, s.interval)
    for p, pool in enumerate(s.pools.values()):
        prev = 0
        for t, c in zip(*scheduled_steps(pool, s.start, s.end_s), strict=False):
            area.change(p, t, float(c - prev))
            prev = c
    return area.close(s.end_s)
