"""Staffing: how many agents of a pool are on duty at each moment.

A pool's headcount is a step function of time, from a fixed ``size``, a
``schedule`` (headcount per interval of the day or week) or ``shifts`` (blocks of
agents on duty between two times of day on some weekdays, net of shrinkage: at each
minute the on-duty agents of every shift, times one minus its shrinkage, are summed
and the total is rounded once to the nearest agent, halves up). A pool with a ``size``
or ``schedule`` may take the same headcount cut, ``shrinkage``, on its own total
(:func:`after_cut`: size 10 with shrinkage 0.3 has 7 agents on duty).

:class:`Staffing` makes the world follow the steps: agents join when the headcount
rises (and take waiting contacts at once); when it falls, idle agents leave at once
and busy ones are asked to leave, finishing their current contacts first. An
outage that takes agents away (:mod:`sim.model.outages`) steps the headcount too.
Breaks, daily absence and adherence inside shifts step it as well
(:mod:`sim.model.shrinkage`): going on a break works as a shift end does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from sim.model.clock import Clock
from sim.model.routing import Agent, PoolState, valid_idle
from sim.model.timearea import TimeArea
from sim.scenario.schema import Pool, Scenario
from sim.scenario.units import DAY_S, WEEK_S


def after_cut(headcount: np.ndarray, shrinkage: float) -> np.ndarray:
    """Agents on duty of a rostered ``headcount`` after the headcount cut ``shrinkage``:
    ``headcount * (1 - shrinkage)`` rounded to the nearest agent, halves up."""
    if shrinkage == 0:
        return np.asarray(headcount, dtype=np.int64)
    net = np.asarray(headcount, dtype=np.float64) * (1.0 - shrinkage)
    return np.floor(net + 0.5 + 1e-9).astype(np.int64)


def headcount_steps(
    pool: Pool, start_clock_s: float, end_s: float, gross: bool = False
) -> tuple[list[float], list[int]]:
    """Change times (sim seconds, the first is 0) and the headcount from each one on.

    Consecutive equal headcounts are merged, so every step is a real change. A size or
    schedule pool's own ``shrinkage`` cuts the headcount (:func:`after_cut`) unless
    ``gross`` (the roster itself).
    """
    cut = 0.0 if gross else pool.shrinkage
    if pool.size is not None:
        return [0.0], [int(after_cut(np.array(pool.size), cut))]
    grid_s, week = _weekly_grid(pool)
    week = after_cut(week, cut)
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
    net_week = np.zeros(n, dtype=np.float64)
    for shift in pool.shifts:
        net = shift.agents * (1.0 - shift.shrinkage)  # rounded once, on the pool's total
        for day in shift.day_indices:
            a = day * DAY_S + shift.start
            overnight = shift.end <= shift.start
            b = (day + overnight) * DAY_S + shift.end
            i0, i1 = int(round(a / grid)), int(round(b / grid))
            idx = np.arange(i0, i1) % n
            net_week[idx] += net
    # Round the net total at each minute once, halves up: a roster written one row per
    # agent gives the same staffing as one summed row (the slack absorbs float sums).
    return grid, np.floor(net_week + 0.5 + 1e-9).astype(np.int64)


#: A pool's headcount steps: ``steps(pool, name) -> (change times, headcounts)``.
Steps = Callable[[Pool, str], tuple[list[float], list[int]]]


def max_headcount(pool: Pool) -> int:
    """The most agents this pool ever has on duty."""
    if pool.size is not None:
        return int(after_cut(np.array(pool.size), pool.shrinkage))
    return int(after_cut(_weekly_grid(pool)[1], pool.shrinkage).max())


class Staffing:
    """Agents joining and leaving the pools as their headcounts step.

    Args:
        env: the world's SimPy environment.
        pools: the world's pool states (agents on duty, partially loaded chat agents).
        staffed: the recorder's agents-on-duty area per pool.
        free: hands a free agent its next contact, or makes it idle
            (:meth:`sim.model.world.World.free`); called for every agent that joins,
            and for a chat agent asked to leave that stays after all (its free slots).
        refile: files a chat agent among the part-loaded ones, or not, after it was
            asked to leave, stays after all, or leaves
            (:meth:`sim.model.routing.Router.file`).
    """

    def __init__(self, env: Clock, pools: list[PoolState], staffed: TimeArea,
                 free: Callable[[Agent], None], refile: Callable[[Agent], None]) -> None:
        self.env = env
        self.pools = pools
        self.staffed = staffed
        self.free = free
        self.refile = refile

    def start(self, scenario: Scenario, end_s: float,
              set_headcount: Callable[[int, int], None],
              steps: Steps | None = None) -> None:
        """Schedule every headcount step of every pool before ``end_s``.

        ``set_headcount`` applies a step: :meth:`set_headcount`, or the outages'
        wrapper that nets out the agents an outage took. ``steps(pool, name)`` gives a
        pool's steps (default :func:`headcount_steps`; with breaks, absence and
        adherence :func:`sim.model.shrinkage.pool_steps`).
        """
        env = self.env
        for p, (name, pool) in enumerate(scenario.pools.items()):
            times, counts = (headcount_steps(pool, scenario.start, end_s) if steps is None
                             else steps(pool, name))
            for t, c in zip(times, counts, strict=False):
                env.call(max(0.0, t - env.now), partial(set_headcount, p, c))

    def set_headcount(self, p: int, target: int) -> None:
        """Bring pool ``p`` to ``target`` agents on duty.

        The cost is in proportion to the agents that change (and those still finishing
        their work after an earlier step), not to the pool's size.
        """
        pool = self.pools[p]
        now = self.env.now
        delta = target - pool.active
        if delta > 0:
            # busy agents asked to leave stay after all, the first to join first
            for agent in sorted(pool.leaving, key=_join_order)[:delta]:
                del pool.leaving[agent]
                agent.leaving = False
                pool.active += 1
                delta -= 1
                self.refile(agent)
                if agent.chat_mode and agent.load < agent.cap:
                    self.free(agent)  # its free chat slots take waiting chats again
            for _ in range(delta):
                agent = Agent(p, pool.joined)
                pool.joined += 1
                agent.on_duty = True
                pool.seat(agent)  # its number in the pool (identity: tenure, sticky agents)
                pool.agents[agent] = None
                pool.active += 1
                self.staffed.change(p, now, 1.0)
                self.free(agent)
        elif delta < 0:
            remove = -delta
            # the last to join of the idle agents leave at once
            for agent in last_idle(pool, min(remove, pool.n_idle)):
                self.off_duty(agent, now)
                remove -= 1
            if not remove:
                return
            for agent in pool.agents:  # the first to join of the busy ones finish first
                if not agent.leaving:
                    agent.leaving = True
                    pool.leaving[agent] = None
                    pool.active -= 1
                    self.refile(agent)
                    remove -= 1
                    if not remove:
                        break

    def off_duty(self, agent: Agent, now: float) -> None:
        """An idle agent leaves its pool (at once, or after its last contact)."""
        pool = self.pools[agent.pool]
        if agent.leaving:
            del pool.leaving[agent]
        else:
            pool.active -= 1
        agent.on_duty = False
        agent.leaving = False
        if agent.idle:
            pool.n_idle -= 1
        agent.idle = False
        del pool.agents[agent]
        pool.unseat(agent)
        self.refile(agent)
        self.staffed.change(agent.pool, now, -1.0)


def _join_order(agent: Agent) -> int:
    return agent.seq


def last_idle(pool: PoolState, k: int) -> list[Agent]:
    """The ``k`` idle agents of ``pool`` that joined last, the last first.

    Idle agents are exactly the on-duty agents holding nothing and not leaving
    (``pool.n_idle`` of them); they are found from the end of the pool's agents or,
    when fewer are idle than that walk would pass, from the pool's idle line: either
    way in time proportional to what changes, not to the pool's size.
    """
    if k <= 0:
        return []
    agents = pool.agents
    if len(pool.idle) * pool.n_idle < k * len(agents):  # the idle line is the shorter walk
        idle = {entry[2] for entry in pool.idle if valid_idle(entry)}
        return sorted(idle, key=_join_order, reverse=True)[:k]
    out: list[Agent] = []
    for agent in reversed(agents):
        if agent.load == 0 and not agent.leaving:
            out.append(agent)
            if len(out) == k:
                break
    return out
