"""Email interrupt: a call takes an agent away from an email, which waits for that agent.

A pool's ``interrupt: {channel: email}`` (``by: [phone]``: the voice channels whose
calls may interrupt; omitted: every voice channel the pool serves) makes its emails
*preemptable* by calls, preemptive-resume:

* **when**: a call (a contact of a ``by`` channel at live rank: not an asynchronous
  piece, not a call-back queued behind live work) arrives, or becomes eligible for
  the pool by overflow, and no agent of its pools may take it. Then an agent of one
  of its pools with ``interrupt`` that is handling an email of that pool's
  ``channel`` puts the email aside and takes the call at once. Of several such
  agents, the one whose email has had the least work so far (the least invested,
  so one long email is not put aside again and again), ties to the pool listed
  first, then to the agent who started its stretch first. Agents who are leaving (shift end,
  break, outage) are not interrupted. Chats never interrupt: a chat agent keeps
  filling its free chat slots, so the email could wait behind chats without end.
* **resume**: the email keeps its remaining handle time and stays with that agent
  (it is not queued again; no other agent takes it). When the agent is free again it
  takes the next call of a ``by`` channel waiting for its pool, if one waits at live
  rank, and otherwise resumes the email, before any other waiting work (chats,
  emails). An agent who is leaving resumes its emails and leaves after them.
* **not interrupted**: an email answered after its pool's ``age_priority``
  threshold (it ranks as live work); after-call work (drawn once, when the email's
  handling ends); the email's wait at backstage systems (emails are parked there,
  the agent is free meanwhile).

Accounting: the email's ``answer_s`` and ``wait_s`` are its first answer; ``end_s``
its final completion, so its response time (``end_s - arrival_s``) includes the
interruptions; ``handle_s`` is the time actually worked (the stretches summed; an
email parked at backstage systems afterwards ends when they answer, as without the
interrupt). The agent's busy time is counted once:
the agent passes from the email to the call and back without an idle moment.
Outages that drop work cut only calls and chats (validation allows ``drops`` on
voice and chat channels and on pools), never an email: an agent whose call is cut
returns to its email. ``interruptions`` (per contact row: how many times it was put
aside) goes to :attr:`sim.records.Records.extra`.

A scenario without ``interrupt`` builds no :class:`Interrupts` and plays exactly as
before.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from sim.model.recorder import WAITING
from sim.model.routing import Agent, PoolState

if TYPE_CHECKING:
    from sim.model.backstage import Backstage
    from sim.model.context import ModelContext
    from sim.scenario.schema import Scenario

__all__ = ["Interrupts", "uses_interrupt"]


def uses_interrupt(s: Scenario) -> bool:
    """True if some pool lets calls interrupt its emails."""
    return any(p.interrupt is not None for p in s.pools.values())


class Piece:
    """An email in an agent's hands: the work left and the work done so far."""

    __slots__ = ("row", "channel", "intent", "left", "base", "worked", "since", "gen")

    def __init__(self, row: int, channel: int, intent: int, handle: float,
                 base: float) -> None:
        self.row = row
        self.channel = channel
        self.intent = intent
        self.left = handle      # handle time still to work (s)
        self.base = base        # the handle time drawn, before the pool's proficiency
        self.worked = 0.0       # stretches of work done before the current one (s)
        self.since = 0.0        # when the current stretch started
        self.gen = 0            # bumped when put aside: the stretch's end event is stale


class Interrupts:
    """The emails being worked in pools with ``interrupt``, and those put aside.

    ``answer_waiting(agent, row, channel)`` answers a waiting contact (the world's);
    ``complete(agent, row, channel, handle)`` ends a piece of work and releases the
    agent (after its wrap-up); with ``backstage``, an email needing systems is parked
    there once handled (:meth:`sim.model.backstage.Backstage.park`).
    """

    def __init__(self, ctx: ModelContext, pools: list[PoolState], *,
                 answer_waiting: Callable[[Agent, int, int], None],
                 complete: Callable[[Agent, int, int, float], None],
                 backstage: Backstage | None) -> None:
        self.ctx = ctx
        self.pools = pools
        self._answer_waiting = answer_waiting
        self._complete = complete
        self.bs = backstage
        s = ctx.scenario
        code = ctx.codes.channel
        self.email = [-1] * len(pools)      # per pool: its interruptible email channel
        self.by: list[frozenset[int]] = [frozenset()] * len(pools)  # calls that interrupt
        for p, pool in enumerate(s.pools.values()):
            spec = pool.interrupt
            if spec is None:
                continue
            self.email[p] = code[spec.channel]
            names = spec.by if spec.by is not None else tuple(
                c for c in pool.channels if s.channels[c].kind == "voice")
            self.by[p] = frozenset(code[c] for c in names)
        #: per channel: its calls interrupt emails in some pool
        self.calls = [any(c in by for by in self.by) for c in range(len(code))]
        #: per pool: agents working an interruptible email, in the order their stretches began
        self.working: list[dict[Agent, Piece]] = [{} for _ in pools]
        self.held: dict[Agent, list[Piece]] = {}  # emails put aside, the first first
        self.count: dict[int, int] = {}           # row -> times it was put aside

    # -- an email is answered --------------------------------------------------------
    def start(self, agent: Agent, row: int, channel: int, intent: int, handle: float,
              base: float) -> bool:
        """Handle ``row`` here if it is an interruptible email of the agent's pool (True);
        False: the world handles it as usual. ``handle`` is the agent's handle time,
        ``base`` the draw before proficiency (kept for the record)."""
        p = agent.pool
        if self.email[p] != channel:
            return False
        after = self.pools[p].age_after.get(channel)
        if after is not None and self.ctx.env.now - self.ctx.rec.arrival[row] >= after:
            return False  # an aged email ranks as live work: not interrupted
        self._work(agent, Piece(row, channel, intent, handle, base))
        return True

    def _work(self, agent: Agent, piece: Piece) -> None:
        env = self.ctx.env
        piece.since = env.now
        self.working[agent.pool][agent] = piece
        env.call(piece.left, partial(self._end, agent, piece, piece.gen))

    def _end(self, agent: Agent, piece: Piece, gen: int) -> None:
        """The stretch of work that was to finish the email has run to its end."""
        if piece.gen != gen:  # put aside meanwhile
            return
        del self.working[agent.pool][agent]
        piece.worked += piece.left
        bs = self.bs
        systems = bs.need[agent.pool][piece.intent] if bs is not None else ()
        if systems:
            assert bs is not None
            bs.park(agent, piece.row, piece.channel, piece.worked, systems)
        else:
            self._complete(agent, piece.row, piece.channel, piece.worked)

    # -- a call finds no agent free ------------------------------------------------------
    def take(self, pools: tuple[int, ...], channel: int) -> Agent | None:
        """An agent of ``pools`` to take a call on ``channel`` by putting an email aside,
        or None. The agent is handed over holding nothing (load 0, not counted busy), so
        the world's answer counts it busy again at the same instant."""
        if not self.calls[channel]:
            return None
        best: Agent | None = None
        least = math.inf
        now = self.ctx.env.now
        for p in pools:
            if channel not in self.by[p]:
                continue
            for agent, piece in self.working[p].items():
                done = piece.worked + (now - piece.since)
                if done < least and not agent.leaving:
                    best, least = agent, done
        if best is None:
            return None
        self._put_aside(best)
        return best

    def _put_aside(self, agent: Agent) -> None:
        now = self.ctx.env.now
        piece = self.working[agent.pool].pop(agent)
        done = now - piece.since
        piece.worked += done
        piece.left = max(0.0, piece.left - done)
        piece.gen += 1
        self.held.setdefault(agent, []).append(piece)
        self.count[piece.row] = self.count.get(piece.row, 0) + 1
        agent.load -= 1
        if agent.load == 0:
            self.ctx.rec.busy.change(agent.pool, now, -1.0)

    # -- the agent is free again ---------------------------------------------------------
    def resume(self, agent: Agent) -> bool:
        """An agent just came free: if it holds emails put aside, take the next waiting
        call of its pool (not when leaving) or else resume the first of them (True).
        False: it holds none, the world goes on as usual."""
        held = self.held.get(agent)
        if held is None:
            return False
        if not agent.leaving:
            key = self._next_call(agent)
            if key is not None:
                row = key[3]
                self._answer_waiting(agent, row, self.ctx.rec.channel[row])
                return True
        piece = held.pop(0)
        if not held:
            del self.held[agent]
        if agent.load == 0:
            self.ctx.rec.busy.change(agent.pool, self.ctx.env.now, 1.0)
        agent.load += 1
        agent.chat_mode = False
        self._work(agent, piece)
        return True

    def _next_call(self, agent: Agent) -> tuple | None:
        """Pop the best call of a ``by`` channel waiting at live rank for the agent's pool
        (None: none waits)."""
        p = agent.pool
        by = self.by[p]
        pool = self.pools[p]
        outcome = self.ctx.rec.outcome
        best = None
        best_heap: list | None = None
        for channel, heap in (*pool.heaps.items(), *pool.shared):
            if channel not in by:
                continue
            while heap and outcome[heap[0][3]] != WAITING:
                heapq.heappop(heap)
            if heap and heap[0][0] == 0 and (best is None or heap[0] < best):
                best, best_heap = heap[0], heap
        return None if best_heap is None else heapq.heappop(best_heap)

    # -- results -----------------------------------------------------------------------
    def facts(self, n_rows: int) -> np.ndarray:
        """Times each of ``n_rows`` contact rows was put aside for a call (int16)."""
        out = np.zeros(n_rows, dtype=np.int16)
        if self.count:
            rows = np.fromiter(self.count.keys(), dtype=np.int64, count=len(self.count))
            out[rows] = np.fromiter(self.count.values(), dtype=np.int64,
                                    count=len(self.count))
        return out
