"""Backstage systems: the billing, CRM or order systems frontstage work waits on.

A system serves ``capacity`` requests at once (FIFO beyond that), each taking a
``latency`` draw. A contact needs every system whose ``needed_by`` matches its
intent and the answering pool, one after the other.

Live work (voice, chat) *holds* the agent: the requests run first, then the handle
time; the agent's busy time and the contact's ``handle_s`` include the backstage
time. Asynchronous work (back-office handoff pieces, email) is *parked*: the agent
handles it and is released, then the piece waits for its requests and completes
when they return (its ``end_s`` moves, the agent does not wait).

While a system is down (:mod:`sim.model.outages`) new requests follow its
``on_outage``: ``wait`` queues them until it is restored; ``workaround`` skips
the system, multiplies the handle time and fails the contact (no resolution, a
recontact) with ``error_probability``; ``fail`` ends the contact unresolved;
``defer`` parks the work (the agent is released, the work completes after the
restoration). Requests already queued or in flight are not affected.

The per-contact backstage time (waits + latency) and wait are kept here in two
float columns indexed by contact row (grown with the recorder's buffers, zero for
contacts without requests) and handed to :class:`sim.records.Records`, without a
copy, as ``backstage_s`` / ``backstage_wait_s``.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from sim.model.recorder import buffer_view
from sim.model.streams import Sampler, UniformBlock
from sim.scenario.field import parts_only_systems

if TYPE_CHECKING:
    from sim.model.context import ModelContext
    from sim.model.routing import Agent

INF = math.inf


class System:
    """The live state of one backstage system."""

    __slots__ = ("name", "capacity", "latency", "busy", "queue", "down", "mode", "factor",
                 "error_p", "error_u")

    def __init__(self, name: str, capacity: float, latency: Sampler, mode: str, factor: float,
                 error_p: float, error_u: UniformBlock) -> None:
        self.name = name
        self.capacity = capacity
        self.latency = latency
        self.busy = 0
        self.queue: deque = deque()
        self.down = 0          # outages in force (overlapping outages stack)
        self.mode = mode
        self.factor = factor
        self.error_p = error_p
        self.error_u = error_u


class Backstage:
    """The backstage systems of one world and the requests contacts make to them.

    ``finish(row, channel, pool, handle)`` ends a piece of work of ``pool`` (hand it
    off, resolve it, or not) once its handling and requests are done; ``release(agent,
    row, channel)`` frees the agent of contact ``row`` (after its after-call work, if
    any: it then takes the next one, goes idle or leaves).
    """

    def __init__(self, ctx: ModelContext, *,
                 finish: Callable[[int, int, int, float], None],
                 release: Callable[[Agent, int, int], None]) -> None:
        self.ctx = ctx
        self._finish = finish
        self._release = release
        s = ctx.scenario
        streams = ctx.streams
        self.systems = [
            System(name, INF if b.capacity is None else b.capacity,
                   Sampler(b.latency, streams.get(f"backstage-latency/{name}")), b.on_outage,
                   b.workaround.handle_factor, b.workaround.error_probability,
                   UniformBlock(streams.get(f"backstage-workaround/{name}")))
            for name, b in s.backstage.items()
        ]
        self.index = {name: i for i, name in enumerate(s.backstage)}
        items = list(s.backstage.values())
        parts_only = parts_only_systems(s)  # technicians' parts inventories (sim.model.field)
        self.need = [
            [tuple(k for k, b in enumerate(items)
                   if self.systems[k].name not in parts_only
                   and (b.needed_by.intents is None or i_name in b.needed_by.intents)
                   and (b.needed_by.pools is None or p_name in b.needed_by.pools))
             for i_name in ctx.intent_names]
            for p_name in ctx.pool_names
        ]
        self.park_channel = [c.kind == "email" for c in s.channels.values()]
        self.total = array("d")   # per contact row: time at backstage systems
        self.waited = array("d")  # per contact row: time queued at them
        self.failed: set[int] = set()       # rows that cannot resolve (fail, workaround error)

    # -- outages --------------------------------------------------------------------
    def set_down(self, k: int, down: bool) -> None:
        """An outage of system ``k`` starts (``down``) or ends."""
        system = self.systems[k]
        system.down += 1 if down else -1
        if not system.down:
            self._pump(system)

    # -- contacts ---------------------------------------------------------------------
    def serve(self, agent: Agent, row: int, channel: int, handle: float,
              systems: tuple[int, ...]) -> None:
        """An agent answered ``row``, which needs ``systems``: run requests and handling."""
        rec = self.ctx.rec
        if row >= len(self.total):  # a dict per contact would weigh ~150 bytes a row
            self._extend(rec.capacity)
        parked = self.park_channel[channel] or bool(rec.offline[row])
        if parked:
            self._handle_then_park(agent, row, channel, handle, systems, 0)
        else:
            self._held(agent, row, channel, handle, systems, 0)

    def park(self, agent: Agent, row: int, channel: int, handle: float,
             systems: tuple[int, ...]) -> None:
        """The agent has handled ``row`` (asynchronous work whose handling ran elsewhere,
        e.g. an email interrupted by calls, :mod:`sim.model.interrupt`): release the agent;
        the work then waits for ``systems`` and completes when they return."""
        if row >= len(self.total):
            self._extend(self.ctx.rec.capacity)
        self._release(agent, row, channel)
        self._parked(row, channel, agent.pool, handle + self.total[row], systems, 0)

    def _held(self, agent: Agent, row: int, channel: int, handle: float,
              systems: tuple[int, ...], i: int) -> None:
        """Agent on the line: request system ``i``, then the next, then the handle time."""
        while i < len(systems):
            system = self.systems[systems[i]]
            if system.down and system.mode != "wait":
                if system.mode == "defer":
                    self._handle_then_park(agent, row, channel, handle, systems, i)
                    return
                if system.mode == "fail":
                    self.failed.add(row)
                    break
                handle *= system.factor  # workaround
                if system.error_p > 0 and system.error_u.next() < system.error_p:
                    self.failed.add(row)
                i += 1
                continue
            self._request(system, row, partial(self._held, agent, row, channel, handle,
                                               systems, i + 1))
            return
        held = self.total[row]

        def complete() -> None:
            self._finish(row, channel, agent.pool, handle + held)
            self._release(agent, row, channel)

        self.ctx.after(handle, complete)

    def _handle_then_park(self, agent: Agent, row: int, channel: int, handle: float,
                          systems: tuple[int, ...], i: int) -> None:
        """Agent handles and is released; the work then waits for systems ``i..``."""
        held = self.total[row]

        def release() -> None:
            self._release(agent, row, channel)
            self._parked(row, channel, agent.pool, handle + held, systems, i)

        self.ctx.after(handle, release)

    def _parked(self, row: int, channel: int, pool: int, handle: float,
                systems: tuple[int, ...], i: int) -> None:
        while i < len(systems):
            system = self.systems[systems[i]]
            if system.down and system.mode in ("fail", "workaround"):
                if system.mode == "fail" or (system.error_p > 0
                                             and system.error_u.next() < system.error_p):
                    self.failed.add(row)
                i += 1
                continue
            self._request(system, row, partial(self._parked, row, channel, pool, handle,
                                               systems, i + 1))
            return
        self._finish(row, channel, pool, handle)

    # -- the queue of one system -----------------------------------------------------
    def _request(self, system: System, row: int, done: Callable[[], None]) -> None:
        now = self.ctx.env.now
        if not system.down and system.busy < system.capacity:
            self._start(system, row, now, done)
        else:
            system.queue.append((row, now, done))

    def _start(self, system: System, row: int, since: float, done: Callable[[], None]) -> None:
        ctx = self.ctx
        system.busy += 1
        self.waited[row] += ctx.env.now - since

        def end() -> None:
            system.busy -= 1
            self.total[row] += ctx.env.now - since
            self._pump(system)
            done()

        ctx.after(system.latency.next(), end)

    def _pump(self, system: System) -> None:
        while system.queue and not system.down and system.busy < system.capacity:
            row, since, done = system.queue.popleft()
            self._start(system, row, since, done)

    # -- results -------------------------------------------------------------------
    def _extend(self, rows: int) -> None:
        """Zero-fill the per-contact columns up to ``rows`` rows."""
        extra = rows - len(self.total)
        if extra > 0:
            block = array("d", (0.0,)) * extra
            self.total.extend(block)
            self.waited.extend(block)

    def facts(self, n_rows: int) -> dict[str, np.ndarray]:
        """Per-contact ``backstage_s`` and ``backstage_wait_s`` (0 for rows without)."""
        self._extend(n_rows)
        return {"backstage_s": buffer_view(self.total, "float64", n_rows),
                "backstage_wait_s": buffer_view(self.waited, "float64", n_rows)}

    def queue_lengths(self) -> dict[str, int]:
        """Requests waiting at each system now (for tests and probes)."""
        return {s.name: len(s.queue) for s in self.systems}
