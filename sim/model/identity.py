"""Agents with identity: tenure multipliers and sticky agents on recontact.

Numbers
    Every agent on duty has a number in its pool (:meth:`sim.model.routing.PoolState.seat`):
    the lowest number no agent on duty holds. A pool of fixed ``size`` numbers its agents
    0..size-1; in a pool with a schedule or shifts, an agent coming on duty takes the
    number of one gone off duty, so a number stands for one person of the pool, shift
    after shift. Each contact records the number of the agent who answered it (the
    ``agent`` column, :data:`sim.records.AGENT_COLUMN`; ``(pool, agent)`` names one
    agent).

Tenure (a pool's ``tenure``)
    Agent number ``k`` belongs to the group :func:`sim.scenario.identity.tenure_plan`
    gives it (every run of numbers from 0 holds each group within one agent of its
    share). A contact an agent of a group answers takes ``base x multiplier /
    proficiency`` (a multi-slot chat's concurrency inflation on top, after-call work
    unchanged). No random number is drawn, so every other draw stays as it was.

Sticky agents (``recontact.sticky``)
    The world remembers, per journey, the agent who answered its last customer
    contact. A recontact (a customer contact after the first) whose previous agent is
    on duty, not leaving, in one of the pools the contact may go to, is sticky with
    probability ``share`` (a draw from the stream ``sticky``, made only when the share
    is strictly between 0 and 1). A sticky recontact is answered at once by that agent
    if the agent can take it now (holds nothing, and the pool's reserve does not hold
    it back; or, for a multi-slot chat, has a free slot); otherwise it *waits for that
    agent* at most ``wait_up_to``: it counts in the channel's queue, its customer may
    abandon, and the agent takes it as soon as it finishes (before any other waiting
    contact). Then, or at once if ``wait_up_to`` is 0 or the agent leaves, it joins the
    usual queues of its pools with its place by arrival time (an overflow timer starts
    then; no call-back is offered to it). A recontact answered by its previous agent,
    routed there or by chance, resolves with ``min(1, p + resolution_uplift)``
    instead of ``p`` (:meth:`Identity.uplift`; contacts with ``p = 0`` stay at 0), using
    the same uniform draw, so the uplift only ever turns a failure into a resolution.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from sim.model.context import ModelContext
from sim.model.recorder import WAITING
from sim.model.routing import Agent, PoolState
from sim.model.streams import UniformBlock
from sim.scenario.identity import tenure_groups, tenure_plan, uses_identity

__all__ = ["Identity", "uses_identity"]

#: ``pool * _POOL + number`` names one agent in a single int (a pool has < 2**20 agents).
_POOL = 1 << 20


class Identity:
    """The agents' numbers at work in one world: tenure and sticky recontacts.

    Parameters
    ----------
    ctx
        The world's shared context (scenario, clock, streams, recorder).
    pools
        The world's pool states (rosters of agents on duty by number).
    """

    def __init__(self, ctx: ModelContext, pools: Sequence[PoolState]) -> None:
        self.ctx = ctx
        self.rec = ctx.rec
        self.pools = pools
        s = ctx.scenario
        # tenure: per pool, (group names, multipliers, shares) or None (all at 1.0x), and
        # the multiplier of each agent number, grown as numbers are used
        self.groups: list[tuple[tuple[str, ...], np.ndarray, np.ndarray] | None] = []
        self.multiplier: list[list[float] | None] = []
        for pool in s.pools.values():
            if not pool.tenure:
                self.groups.append(None)
                self.multiplier.append(None)
                continue
            groups = tenure_groups(pool)
            self.groups.append((tuple(g[0] for g in groups),
                                np.array([g[2] for g in groups]),
                                np.array([g[1] for g in groups])))
            self.multiplier.append([])
        rc = s.recontact
        st = rc.sticky if rc is not None else None
        self.sticky = st is not None
        self.share = st.share if st is not None else 0.0
        self.wait_up_to = st.wait_up_to if st is not None else 0.0
        self.bonus = st.resolution_uplift if st is not None else 0.0
        self._u = (UniformBlock(ctx.streams.get("sticky"))
                   if st is not None and 0 < st.share < 1 else None)
        self.last: dict[int, int] = {}   # journey -> the agent who answered its last contact
        self.same: set[int] = set()      # recontact rows answered by their previous agent
        # agent -> {row: release} of recontacts waiting for that agent, in arrival order
        self.held: dict[Agent, dict[int, Callable[[], None]]] = {}

    # -- every answer ------------------------------------------------------------------
    def answer(self, agent: Agent, row: int, handle: float) -> float:
        """``agent`` answers ``row``: record who, remember it for the journey's next
        contact, and return the handle time times the agent's tenure multiplier."""
        rec = self.rec
        number = agent.index
        rec.agent[row] = number
        if self.sticky and not rec.step[row]:
            who = agent.pool * _POOL + number
            journey = rec.journey[row]
            if rec.attempt[row] and self.last.get(journey) == who:
                self.same.add(row)
            self.last[journey] = who
        mults = self.multiplier[agent.pool]
        if mults is None:
            return handle
        if number >= len(mults):
            mults = self._grow(agent.pool, number + 1)
        return handle * mults[number]

    def _grow(self, p: int, n: int) -> list[float]:
        """The multipliers of pool ``p``'s first ``n`` agent numbers (at least)."""
        groups = self.groups[p]
        assert groups is not None
        n = max(n, 2 * len(self.multiplier[p] or ()), 16)
        mults = self.multiplier[p] = groups[1][tenure_plan(groups[2], n)].tolist()
        return mults

    def uplift(self, row: int) -> float:
        """The resolution uplift of ``row`` (0: not answered by its previous agent)."""
        same = self.same
        if row in same:
            same.discard(row)
            return self.bonus
        return 0.0

    # -- sticky recontacts ----------------------------------------------------------------
    def prefer(self, journey: int, channel: int, pools: tuple[int, ...]) -> tuple[Agent | None,
                                                                                    bool]:
        """The agent a recontact of ``journey`` should go to: ``(agent, False)`` to answer
        it now, ``(agent, True)`` to wait for it, ``(None, False)`` to route as usual."""
        who = self.last.get(journey)
        if who is None:
            return None, False
        p, number = divmod(who, _POOL)
        if p not in pools:
            return None, False
        share = self.share
        if share <= 0 or (share < 1 and self._u is not None and self._u.next() >= share):
            return None, False
        agent = self.pools[p].roster.get(number)
        if agent is None or agent.leaving:
            return None, False
        if self._fits(agent, channel):
            return agent, False
        return (agent, True) if self.wait_up_to > 0 else (None, False)

    def _fits(self, agent: Agent, channel: int) -> bool:
        """True if ``agent`` may take a contact on ``channel`` now."""
        pool = self.pools[agent.pool]
        if agent.load == 0:
            others = pool.n_idle - (1 if agent.idle else 0)
            return not (pool.reserve_channel >= 0 and channel != pool.reserve_channel
                        and pool.holds_back(others))
        cap = pool.chat_capacity.get(channel)
        return cap is not None and cap > 1 and agent.chat_mode and agent.load < cap

    def hold(self, agent: Agent, row: int, release: Callable[[], None]) -> None:
        """``row`` waits for ``agent``; after ``wait_up_to`` it is released (``release``
        queues it as usual) unless the agent took it or it left the queue."""
        waiting = self.held.get(agent)
        if waiting is None:
            waiting = self.held[agent] = {}
        waiting[row] = release
        self.ctx.after(self.wait_up_to, partial(self._expire, agent, row))

    def _expire(self, agent: Agent, row: int) -> None:
        waiting = self.held.get(agent)
        release = None if waiting is None else waiting.pop(row, None)
        if release is None:
            return
        if not waiting:
            del self.held[agent]
        if self.rec.outcome[row] == WAITING:
            release()

    def take_held(self, agent: Agent) -> int | None:
        """The first recontact waiting for ``agent`` that it may take now (removed from
        the waiting ones), or None."""
        if not self.held:
            return None
        waiting = self.held.get(agent)
        if not waiting:
            return None
        outcome = self.rec.outcome
        for row in [r for r in waiting if outcome[r] != WAITING]:  # abandoned, dropped
            del waiting[row]
        first = next(iter(waiting), None)
        if first is None or not self._fits(agent, self.rec.channel[first]):
            if not waiting:
                del self.held[agent]
            return None
        del waiting[first]
        if not waiting:
            del self.held[agent]
        return first

    def release_all(self, agent: Agent) -> None:
        """``agent`` leaves: the recontacts waiting for it are queued as usual now."""
        waiting = self.held.pop(agent, None) if self.held else None
        for row, release in (waiting or {}).items():
            if self.rec.outcome[row] == WAITING:
                release()

    # -- results ------------------------------------------------------------------------
    def facts(self) -> dict[str, object]:
        """What metrics need beside the ``agent`` column: per pool with tenure, its group
        names, multipliers and the group of each agent number used (``tenure``), and the
        sticky settings (``sticky``, only when recontacts are sticky)."""
        out: dict[str, object] = {}
        tenure = {}
        rec = self.rec
        n = rec.n
        pool = np.frombuffer(rec.pool, dtype=np.int16, count=n) if n else np.zeros(0, np.int16)
        agent = np.frombuffer(rec.agent, dtype=np.int32, count=n) if n else np.zeros(0, np.int32)
        for p, groups in enumerate(self.groups):
            if groups is None:
                continue
            used = agent[pool == p]
            numbers = int(used.max()) + 1 if used.size else 0
            tenure[self.ctx.pool_names[p]] = {
                "groups": groups[0], "multipliers": groups[1].copy(),
                "plan": tenure_plan(groups[2], numbers)}
        del pool, agent
        if tenure:
            out["tenure"] = tenure
        if self.sticky:
            out["sticky"] = {"share": self.share, "wait_up_to_s": self.wait_up_to,
                             "resolution_uplift": self.bonus}
        return out
