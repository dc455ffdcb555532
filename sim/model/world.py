"""The world: one replication of a scenario, wired in one place and played in SimPy.

Lifecycle: :func:`build` resolves the scenario into codes, pools, routing,
demand and streams; :meth:`World.run` plays arrivals, staffing changes, answers,
completions, abandonments, overflows and handoffs until the end of the horizon;
:meth:`World.records` hands the facts to metrics.

Contacts are rows in the recorder's columns, not objects; SimPy events carry
plain callbacks, so a contact costs a handful of events (arrival, patience,
completion) and no generator process.

Routing rules (see :mod:`sim.model.routing`): a fresh contact may go to every pool
that serves its channel and has the intent among its skills, except pools that are
only reached by overflow or handoff from another such pool; overflow makes a
waiting contact eligible for a second pool after a wait threshold; a handoff
creates the next piece of work (``step + 1``) in the receiving pool, where it waits
without abandoning.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import simpy

from sim.model.demand import Demand, resolve_lines
from sim.model.recorder import IN_SERVICE, WAITING, Recorder
from sim.model.routing import Agent, PoolState, Router
from sim.model.staffing import headcount_steps
from sim.model.streams import Streams, UniformBlock
from sim.records import ABANDONED, BLOCKED, HANDLED, TRANSFERRED, Records
from sim.scenario.schema import Scenario

INF = math.inf


class World:
    """A scenario resolved into a runnable SimPy model for one replication."""

    def __init__(self, scenario: Scenario, replication: int) -> None:
        self.scenario = scenario
        self.replication = replication
        self.env = simpy.Environment()
        self.streams = Streams(scenario.seed, replication)
        self.end_s = scenario.end_s
        s = scenario
        self.channel_names = tuple(s.channels)
        self.intent_names = tuple(s.intents)
        self.segment_names = tuple(s.segments) if s.segments else ("default",)
        self.pool_names = tuple(s.pools)
        ch_code = {n: i for i, n in enumerate(self.channel_names)}
        in_code = {n: i for i, n in enumerate(self.intent_names)}
        sg_code = {n: i for i, n in enumerate(self.segment_names)}
        pl_code = {n: i for i, n in enumerate(self.pool_names)}
        self._codes = (ch_code, in_code, sg_code, pl_code)
        channels = list(s.channels.values())
        self.rank = [1 if c.kind == "email" else 0 for c in channels]
        self.capacity = [INF if c.queue_capacity is None else c.queue_capacity for c in channels]
        self.inflation = [c.concurrency_inflation for c in channels]
        self.priority = [s.segments[n].priority if s.segments else 0 for n in self.segment_names]
        self.waiting = [0] * len(channels)
        self.rec = Recorder(len(self.pool_names), len(channels), s.warmup, self.end_s, s.interval)
        self.pools = self._build_pools(ch_code, in_code)
        self.router = Router(self.pools, self.rec.outcome)
        self.entry = self._entry_pools(ch_code, in_code, pl_code)
        self.overflow = [
            (pl_code[p.overflow.to], p.overflow.after) if p.overflow else None
            for p in s.pools.values()
        ]
        self.handoffs = self._build_handoffs(in_code, pl_code)
        patience = {}
        for ci, ch in enumerate(channels):
            for si, sname in enumerate(self.segment_names):
                seg = s.segments.get(sname) if s.segments else None
                patience[(ci, si)] = seg.patience if seg and seg.patience else ch.patience
        specs = resolve_lines(s, ch_code, in_code, sg_code)
        self.demand = Demand(
            s,
            specs,
            self.streams,
            [s.intents[n].handle_time for n in self.intent_names],
            patience,
            self.intent_names,
            self.segment_names,
        )
        self.line_channel = [spec.channel for spec in specs]
        self._next_journey = 0
        self._handle_of: dict[int, float] = {}  # base handle time of each waiting contact

    # -- wiring --------------------------------------------------------------------
    def _build_pools(self, ch_code: dict, in_code: dict) -> list[PoolState]:
        pools = []
        for i, (name, pool) in enumerate(self.scenario.pools.items()):
            chans = frozenset(ch_code[c] for c in pool.channels)
            if pool.skills is None:
                prof = [1.0] * len(in_code)
            else:
                prof = [float(pool.skills.get(n, 0.0)) for n in self.intent_names]
            caps = {
                ch_code[c]: self.scenario.channels[c].max_concurrency
                for c in pool.channels
                if self.scenario.channels[c].kind == "chat"
            }
            pools.append(PoolState(i, name, chans, prof, caps))
        return pools

    def _entry_pools(self, ch_code: dict, in_code: dict, pl_code: dict) -> dict:
        """(channel, intent) -> pools a fresh contact may go to."""
        targets: set[int] = set()
        for pool in self.scenario.pools.values():
            if pool.overflow:
                targets.add(pl_code[pool.overflow.to])
            for h in pool.handoffs:
                targets.add(pl_code[h.to])
        entry = {}
        for ci in range(len(ch_code)):
            for ii in range(len(in_code)):
                able = [p.index for p in self.pools if ci in p.channels and p.proficiency[ii] > 0]
                first = [p for p in able if p not in targets]
                entry[(ci, ii)] = tuple(first or able)
        return entry

    def _build_handoffs(self, in_code: dict, pl_code: dict) -> list:
        out = []
        for name, pool in self.scenario.pools.items():
            rules = []
            for h in pool.handoffs:
                intents = None if h.intents is None else {in_code[n] for n in h.intents}
                dist = h.handle_time
                sampler = None
                if dist is not None:
                    sampler = _Sampler(dist, self.streams.get(f"handoff-handle/{name}->{h.to}"))
                rules.append((pl_code[h.to], h.probability, intents, sampler))
            u = UniformBlock(self.streams.get(f"handoff/{name}")) if rules else None
            out.append((rules, u))
        self._handoff_handle = [
            _Sampler(self.scenario.intents[n].handle_time, self.streams.get(f"handoff-handle/{n}"))
            for n in self.intent_names
        ]
        return out

    # -- running -------------------------------------------------------------------
    def run(self) -> World:
        """Play the replication to the end of the horizon."""
        env = self.env
        for p, pool in enumerate(self.scenario.pools.values()):
            times, counts = headcount_steps(pool, self.scenario.start, self.end_s)
            for t, c in zip(times, counts):
                self._at(t, lambda _e, p=p, c=c: self._set_headcount(p, c))
        for day_start, day_end in self.demand.day_edges(self.end_s):
            self._at(day_start, lambda _e, a=day_start, b=day_end: self._start_day(a, b))
        env.run(until=self.end_s)
        return self

    def _at(self, t: float, callback: Callable) -> None:
        ev = self.env.timeout(max(0.0, t - self.env.now))
        ev.callbacks.append(callback)

    def _start_day(self, day_start: float, day_end: float) -> None:
        batch = self.demand.batch(day_start, day_end)
        if not len(batch):
            return
        cols = (
            batch.time_s.tolist(),
            batch.line.tolist(),
            batch.intent.tolist(),
            batch.segment.tolist(),
            batch.patience_s.tolist(),
            batch.handle_s.tolist(),
        )
        self._arrival_chain(cols, 0)

    def _arrival_chain(self, cols: tuple, i: int) -> None:
        env = self.env
        times = cols[0]
        ev = env.timeout(times[i] - env.now)
        ev.callbacks.append(lambda _e: self._arrive_batch(cols, i))

    def _arrive_batch(self, cols: tuple, i: int) -> None:
        times, lines, intents, segments, patience, handle = cols
        now = self.env.now
        n = len(times)
        # Several contacts may share a timestamp; take them all in order.
        while True:
            journey = self._next_journey
            self._next_journey += 1
            self.arrive(
                self.line_channel[lines[i]], intents[i], segments[i], patience[i], handle[i], journey
            )
            i += 1
            if i >= n or times[i] > now:
                break
        if i < n:
            self._arrival_chain(cols, i)

    # -- contact lifecycle -------------------------------------------------------------
    def arrive(
        self,
        channel: int,
        intent: int,
        segment: int,
        patience: float,
        handle: float,
        journey: int,
        step: int = 0,
        pools: tuple[int, ...] | None = None,
    ) -> int:
        """A contact arrives on ``channel``: answer it, block it, or queue it."""
        now = self.env.now
        rec = self.rec
        row = rec.new_contact(now, journey, step, channel, intent, segment)
        if pools is None:
            pools = self.entry[(channel, intent)]
        agent = self.router.pick_agent(pools, channel)
        if agent is not None:
            self._answer(agent, row, channel, intent, handle, now)
            return row
        if self.waiting[channel] >= self.capacity[channel] and step == 0:
            rec.outcome[row] = BLOCKED
            rec.end[row] = now
            return row
        self.waiting[channel] += 1
        rec.queued.change(channel, now, 1.0)
        key = (self.rank[channel], -self.priority[segment], now, row)
        for p in pools:
            self.router.enqueue(p, channel, key)
        self._handle_of[row] = handle
        if patience < INF:
            ev = self.env.timeout(patience)
            ev.callbacks.append(lambda _e: self._abandon(row, channel))
        for p in pools:
            over = self.overflow[p]
            if over is not None:
                target, after = over
                ev = self.env.timeout(after)
                ev.callbacks.append(lambda _e, t=target: self._overflow(row, channel, key, t))
        return row

    def _abandon(self, row: int, channel: int) -> None:
        rec = self.rec
        if rec.outcome[row] != WAITING:
            return
        now = self.env.now
        rec.outcome[row] = ABANDONED
        rec.end[row] = now
        rec.wait[row] = now - rec.arrival[row]
        self.waiting[channel] -= 1
        rec.queued.change(channel, now, -1.0)
        self._handle_of.pop(row, None)

    def _overflow(self, row: int, channel: int, key: tuple, target: int) -> None:
        if self.rec.outcome[row] != WAITING:
            return
        self.router.enqueue(target, channel, key)
        agent = self.router.pick_agent((target,), channel)
        if agent is not None:
            self._answer_waiting(agent, row, channel)

    def _answer_waiting(self, agent: Agent, row: int, channel: int) -> None:
        rec = self.rec
        now = self.env.now
        self.waiting[channel] -= 1
        rec.queued.change(channel, now, -1.0)
        handle = self._handle_of.pop(row)
        self._answer(agent, row, channel, rec.intent[row], handle, now)

    def _answer(
        self, agent: Agent, row: int, channel: int, intent: int, handle: float, now: float
    ) -> None:
        rec = self.rec
        pool = self.pools[agent.pool]
        if agent.idle:
            self.router.take(agent)
        if agent.load == 0:
            rec.busy.change(agent.pool, now, 1.0)
        agent.load += 1
        chat_cap = pool.chat_capacity.get(channel)
        agent.chat_mode = chat_cap is not None
        if chat_cap is not None and chat_cap > 1:
            if agent.load < chat_cap:
                if agent not in pool.partial:
                    pool.partial.append(agent)
            elif agent in pool.partial:
                pool.partial.remove(agent)
            handle *= 1.0 + self.inflation[channel] * (agent.load - 1)
        handle /= pool.proficiency[intent] or 1.0
        rec.outcome[row] = IN_SERVICE
        rec.answer[row] = now
        rec.wait[row] = now - rec.arrival[row]
        rec.pool[row] = agent.pool
        ev = self.env.timeout(handle)
        ev.callbacks.append(lambda _e: self._complete(agent, row, channel, handle))

    def _complete(self, agent: Agent, row: int, channel: int, handle: float) -> None:
        rec = self.rec
        now = self.env.now
        rec.end[row] = now
        rec.handle[row] = handle
        rec.outcome[row] = HANDLED
        rules, u = self.handoffs[agent.pool]
        if rules:
            self._maybe_handoff(row, channel, rules, u)
        agent.load -= 1
        if agent.load == 0:
            rec.busy.change(agent.pool, now, -1.0)
        self._free(agent)

    def _maybe_handoff(self, row: int, channel: int, rules: list, u: UniformBlock) -> None:
        rec = self.rec
        intent = rec.intent[row]
        draw = u.next()
        acc = 0.0
        for target, prob, intents, sampler in rules:
            if intents is not None and intent not in intents:
                continue
            acc += prob
            if draw < acc:
                rec.outcome[row] = TRANSFERRED
                handle = (sampler or self._handoff_handle[intent]).next()
                self.arrive(
                    channel,
                    intent,
                    rec.segment[row],
                    INF,
                    handle,
                    rec.journey[row],
                    rec.step[row] + 1,
                    (target,),
                )
                return

    def _free(self, agent: Agent) -> None:
        """An agent finished a contact: leave, take the next contact, or go idle."""
        pool = self.pools[agent.pool]
        now = self.env.now
        if agent.leaving:
            if agent.load == 0:
                self._off_duty(agent, now)
            return
        while True:
            key = self.router.pick_contact(agent)
            if key is None:
                break
            row = key[3]
            self._answer_waiting(agent, row, self.rec.channel[row])
            if not agent.chat_mode:
                return
            cap = pool.chat_capacity[self.rec.channel[row]]
            if agent.load >= cap:
                return
        if agent.load == 0:
            agent.chat_mode = False
            if agent in pool.partial:
                pool.partial.remove(agent)
            self.router.make_idle(agent, now)
        elif agent.chat_mode and agent not in pool.partial:
            pool.partial.append(agent)

    # -- staffing --------------------------------------------------------------------
    def _set_headcount(self, p: int, target: int) -> None:
        pool = self.pools[p]
        now = self.env.now
        delta = target - pool.active
        if delta > 0:
            for agent in pool.agents:  # busy agents asked to leave stay after all
                if delta and agent.leaving:
                    agent.leaving = False
                    pool.active += 1
                    delta -= 1
            for _ in range(delta):
                agent = Agent(p)
                agent.on_duty = True
                pool.agents.append(agent)
                pool.active += 1
                self.rec.staffed.change(p, now, 1.0)
                self._free(agent)
        elif delta < 0:
            remove = -delta
            for agent in reversed([a for a in pool.agents if a.load == 0 and not a.leaving]):
                if not remove:
                    break
                self._off_duty(agent, now)
                remove -= 1
            for agent in pool.agents:
                if not remove:
                    break
                if not agent.leaving:
                    agent.leaving = True
                    pool.active -= 1
                    if agent in pool.partial:
                        pool.partial.remove(agent)
                    remove -= 1

    def _off_duty(self, agent: Agent, now: float) -> None:
        pool = self.pools[agent.pool]
        if not agent.leaving:
            pool.active -= 1
        agent.on_duty = False
        agent.leaving = False
        agent.idle = False
        pool.agents.remove(agent)
        if agent in pool.partial:
            pool.partial.remove(agent)
        self.rec.staffed.change(agent.pool, now, -1.0)

    # -- results --------------------------------------------------------------------
    def records(self) -> Records:
        """The facts of this replication, as columnar arrays."""
        s = self.scenario
        base = dict(
            replication=self.replication,
            warmup_s=s.warmup,
            end_s=self.end_s,
            interval_s=s.interval,
            start_s=s.start,
            channels=self.channel_names,
            intents=self.intent_names,
            segments=self.segment_names,
            pools=self.pool_names,
            sl_target_s=np.array([c.sl_target_s for c in s.channels.values()]),
        )
        return self.rec.finish(self.end_s, base)


class _Sampler:
    """Draws one distribution from one stream in blocks."""

    __slots__ = ("_dist", "_rng", "_buf", "_i")

    def __init__(self, dist, rng: np.random.Generator) -> None:  # noqa: ANN001
        self._dist = dist
        self._rng = rng
        self._buf: list[float] = []
        self._i = 0

    def next(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._dist.sample(self._rng, 1024).tolist()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value


def simulate(scenario: Scenario, replication: int) -> Records:
    """Run one replication of ``scenario`` and return its records.

    The result depends only on the scenario (including its seed) and the
    replication index, so replications can run anywhere, in any order.
    """
    return World(scenario, replication).run().records()
