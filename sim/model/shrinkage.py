"""Shrinkage as it happens: breaks, daily absence and adherence, on every kind of pool.

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
``1 - shrinkage`` and the pool's total is rounded once, halves up (a size or schedule
pool: its available agents by its own ``shrinkage``). Going off duty
(a break, an adherence slot) works as a shift end does: idle agents leave at once,
busy ones finish the contact in hand first (:class:`sim.model.staffing.Staffing`).

**Pools with a ``size`` or a ``schedule``** take ``breaks``, ``absence`` and
``adherence`` on the pool itself, by the same rules, worked in clock days. Such a pool
names no agents, so its roster is read in *layers*: on clock day d, agent k (0, 1, ...)
is on duty at each minute the pool's headcount h is above k, and the day's rostered
agents are as many as its largest headcount (a ``size`` pool: ``size`` agents, all day).

* **absence**: each of the day's rostered agents is absent that day with chance
  ``absence``, independently (one uniform per rostered agent, in day then agent order,
  from ``absence/<pool>``): the day's absentees are binomial and the expected absent
  time is ``absence`` times the scheduled time.
* **breaks**: a present agent takes a break within the longest stretch of its window
  (a break ``at`` a time: the break itself) in which it is on duty, if that stretch
  is at least the break's length (the first such stretch on a tie); the agents with
  the same stretch are staggered over it by the rule above. Where the headcount is
  flat over the window, that is every present agent, staggered over the whole window
  exactly as on a shift (``n * length`` agent-minutes, ``n`` the agents present);
  agents who come on duty inside the window break in the part of it they work, and
  those on duty for less than the break's length of it take none.
* **adherence**: a present agent is away for each 15-minute slot of the clock day
  (from 00:00) with chance ``1 - adherence`` (one uniform per rostered agent and slot,
  in day, agent, slot order, from ``adherence/<pool>``), losing its minutes on duty
  and not on break in that slot.

The *scheduled* agents (the roster, before any shrinkage) are reported beside the
staffed ones (``scheduled_agents_mean``, :mod:`sim.metrics.kpis`). A scenario whose
pools and shifts use none of breaks, absence and adherence draws nothing here and
plays as before.
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
           "scheduled_steps", "scheduled_time", "stagger", "uses_shrinkage"]


def uses_shrinkage(s: Scenario) -> bool:
    """True if some pool or shift has breaks, absence or adherence below 1."""
    return any(p.uses_shrinkage for p in s.pools.values())


def reports_scheduled(s: Scenario) -> bool:
    """True if some pool loses time to shrinkage of either kind (then the scheduled
    agents differ from the staffed ones and are reported)."""
    return any(p.uses_shrinkage or p.shrinkage > 0
               or any(sh.shrinkage > 0 for sh in p.shifts or ()) for p in s.pools.values())


def stagger(room: int, n: int) -> np.ndarray:
    """Offsets (whole minutes) of ``n`` agents' break starts spread evenly over ``room``
    minutes: agent k starts ``floor(k * room / (n - 1))`` after the first (one agent, or
    no room: all at 0)."""
    if n <= 1 or room <= 0:
        return np.zeros(n, dtype=np.int64)
    return (np.arange(n, dtype=np.int64) * room) // (n - 1)


def break_starts(brk: Break, shift_start_s: float, n: int) -> np.ndarray:
    """Start of each of ``n`` present agents' break, in whole minutes from the shift's
    start (the stagger rule of the module docstring)."""
    ws, we = brk.span
    first = int(round(((ws - shift_start_s) % DAY_S) / 60.0))
    room = int(round(((we - ws) % DAY_S - brk.length) / 60.0))
    return first + stagger(room, n)


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


def _day_headcount(pool: Pool, day: int) -> np.ndarray:
    """A size or schedule pool's headcount at each minute of clock day ``day``."""
    if pool.size is not None:
        return np.full(_DAY_MIN, pool.size, dtype=np.int64)
    assert pool.schedule is not None
    step = int(round(pool.schedule.interval / 60.0))
    hc = np.asarray(pool.schedule.headcount, dtype=np.int64)
    per_day = _DAY_MIN // step
    if hc.shape[0] != per_day:  # a week's schedule: this weekday's part
        hc = hc[(day % 7) * per_day:(day % 7 + 1) * per_day]
    return np.repeat(hc, step)


def _longest_run(on: np.ndarray) -> tuple[int, int]:
    """Start and length of the first longest run of True in ``on`` (0, 0: none)."""
    edges = np.diff(np.concatenate(([0], on.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return 0, 0
    i = int((ends - starts).argmax())
    return int(starts[i]), int(ends[i] - starts[i])


def _layer_break(brk: Break, h: np.ndarray, present: np.ndarray, avail: np.ndarray) -> None:
    """Take one break off ``avail`` (rostered agents x minutes of the day), in place."""
    ws, we = brk.span
    a = int(round((ws % DAY_S) / 60.0))
    h_win = h[a:a + int(round(((we - ws) % DAY_S) / 60.0))]
    length = int(round(brk.length / 60.0))
    lo = 0
    for level in np.unique(h_win[h_win > 0]).tolist():
        # agents lo .. level-1 are on duty exactly where the headcount reaches level
        start, run = _longest_run(h_win >= level)
        agents = lo + np.flatnonzero(present[lo:level])
        lo = level
        if run < length or agents.size == 0:
            continue
        starts = a + start + stagger(run - length, agents.size)
        avail[agents[:, None], starts[:, None] + np.arange(length)] = False


def _day_available(pool: Pool, h: np.ndarray, absence: np.random.Generator | None,
                   adherence: np.random.Generator | None) -> np.ndarray:
    """Agents available at each minute of one clock day of a size or schedule pool."""
    rostered = int(h.max())
    present = np.ones(rostered, dtype=bool)
    if absence is not None:
        present = absence.random(rostered) >= pool.absence
    if not pool.breaks and adherence is None:  # present agents below the headcount
        return np.concatenate(([0], np.cumsum(present)))[h].astype(float)
    avail = (np.arange(rostered)[:, None] < h[None, :]) & present[:, None]
    for brk in pool.breaks:
        _layer_break(brk, h, present, avail)
    if adherence is not None:
        away = adherence.random((rostered, _DAY_MIN // ADHERENCE_SLOT_MIN)) < 1 - pool.adherence
        avail &= ~np.repeat(away, ADHERENCE_SLOT_MIN, axis=1)
    return avail.sum(axis=0).astype(float)


def _layer_grid(pool: Pool, name: str, start_clock_s: float, end_s: float,
                streams: Streams) -> tuple[int, np.ndarray]:
    """First clock minute and a size or schedule pool's agents available on each minute
    of the run, day by day (the layers of the module docstring)."""
    m0 = int(math.floor(start_clock_s / 60.0))
    m1 = int(math.ceil((start_clock_s + end_s) / 60.0))
    net = np.zeros(max(1, m1 - m0))
    absence = streams.get(f"absence/{name}") if pool.absence > 0 else None
    adherence = streams.get(f"adherence/{name}") if pool.adherence < 1 else None
    for d in range(m0 // _DAY_MIN, (m1 - 1) // _DAY_MIN + 1):
        counts = _day_available(pool, _day_headcount(pool, d), absence, adherence)
        i0 = d * _DAY_MIN
        lo, hi = max(i0, m0), min(i0 + _DAY_MIN, m1)
        net[lo - m0:hi - m0] = counts[lo - i0:hi - i0]
    if pool.shrinkage > 0:  # the headcount cut on top, rounded once with the rest
        net *= 1.0 - pool.shrinkage
    return m0, net


def pool_steps(pool: Pool, name: str, start_clock_s: float, end_s: float,
               streams: Streams) -> tuple[list[float], list[int]]:
    """Change times (sim seconds) and agents on duty of one pool over ``[0, end_s)``:
    :func:`sim.model.staffing.headcount_steps`, or with breaks, absence and adherence
    the minute-by-minute roster of this module."""
    if not pool.uses_shrinkage:
        return headcount_steps(pool, start_clock_s, end_s)
    if pool.shifts is not None:
        m0, net = _minute_grid(pool, name, start_clock_s, end_s, streams)
    else:
        m0, net = _layer_grid(pool, name, start_clock_s, end_s, streams)
    return _steps(m0, net, start_clock_s, end_s)


def scheduled_steps(pool: Pool, start_clock_s: float,
                    end_s: float) -> tuple[list[float], list[int]]:
    """The pool's scheduled (rostered) agents over ``[0, end_s)``, before shrinkage."""
    if not pool.shifts:
        return headcount_steps(pool, start_clock_s, end_s, gross=True)
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
