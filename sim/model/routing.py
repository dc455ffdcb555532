"""Routing: which agent takes a new contact, and which waiting contact a free agent takes.

Skills-based routing with non-preemptive priorities:

* a new contact goes to the agent who has been idle longest among the pools that
  may serve it (chat agents with a free slot are used when nobody is idle, the
  least loaded first);
* a free agent takes the best waiting contact its pool may serve: live channels
  before email, then higher segment priority, then the longest wait (FIFO);
* contacts wait in one heap per (pool, channel); a contact that may be served by
  several pools is in several heaps, and entries of contacts that were answered
  elsewhere or abandoned are skipped lazily when they reach the top.

:class:`Router` is the swappable object of the design: the world calls
:meth:`Router.pick_agent` and :meth:`Router.pick_contact`, nothing else decides.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field

WAITING = -1  # outcome code of a contact still in queue (see recorder)


class Agent:
    """One agent: which pool, how many contacts held, whether on duty."""

    __slots__ = ("pool", "load", "on_duty", "leaving", "idle", "idle_since", "gen", "chat_mode")

    def __init__(self, pool: int) -> None:
        self.pool = pool
        self.load = 0
        self.on_duty = False
        self.leaving = False
        self.idle = False
        self.idle_since = 0.0
        self.gen = 0
        self.chat_mode = False


@dataclass
class PoolState:
    """The live state of one pool during a replication."""

    index: int
    name: str
    channels: frozenset[int]
    proficiency: list[float]             # per intent code (0: cannot serve)
    chat_capacity: dict[int, int]        # chat channel code -> max concurrent chats
    idle: deque = field(default_factory=deque)        # (idle_since, gen, agent)
    partial: list = field(default_factory=list)       # chat agents with a free slot
    heaps: dict[int, list] = field(default_factory=dict)  # channel -> heap of keys
    agents: list = field(default_factory=list)        # on-duty agents (incl. leaving)
    active: int = 0                                   # on duty and not leaving


class Router:
    """Skills-based, longest-idle-first routing over the pools of a world."""

    def __init__(self, pools: list[PoolState], outcome) -> None:  # noqa: ANN001
        self.pools = pools
        self.outcome = outcome  # the recorder's outcome column, read to skip stale entries

    # -- agents ------------------------------------------------------------------
    def make_idle(self, agent: Agent, now: float) -> None:
        """Put a free agent in its pool's idle line (longest idle at the front)."""
        agent.idle = True
        agent.idle_since = now
        agent.gen += 1
        self.pools[agent.pool].idle.append((now, agent.gen, agent))

    def take(self, agent: Agent) -> None:
        """Mark an agent as no longer idle (its idle-line entry becomes stale)."""
        agent.idle = False

    def _head_idle(self, pool: PoolState) -> tuple | None:
        idle = pool.idle
        while idle:
            entry = idle[0]
            agent = entry[2]
            if agent.idle and agent.gen == entry[1] and agent.on_duty:
                return entry
            idle.popleft()
        return None

    def pick_agent(self, pools: tuple[int, ...], channel: int) -> Agent | None:
        """The agent to answer a new contact on ``channel`` now, or None if all are busy."""
        best = None
        for p in pools:
            entry = self._head_idle(self.pools[p])
            if entry is not None and (best is None or entry[0] < best[0]):
                best = entry
        if best is not None:
            return best[2]
        chosen = None
        for p in pools:
            pool = self.pools[p]
            cap = pool.chat_capacity.get(channel)
            if cap is None or not pool.partial:
                continue
            for agent in pool.partial:
                if agent.load < cap and not agent.leaving and (
                    chosen is None or agent.load < chosen.load
                ):
                    chosen = agent
        return chosen

    # -- contacts ----------------------------------------------------------------
    def enqueue(self, pool: int, channel: int, key: tuple) -> None:
        """Add a waiting contact (``key`` = (rank, -priority, time, row)) to a pool's queue."""
        heaps = self.pools[pool].heaps
        heap = heaps.get(channel)
        if heap is None:
            heap = heaps[channel] = []
        heapq.heappush(heap, key)

    def pick_contact(self, agent: Agent) -> tuple | None:
        """Pop the best waiting contact this agent may take now, or None."""
        pool = self.pools[agent.pool]
        outcome = self.outcome
        best_heap = None
        best_key = None
        load = agent.load
        caps = pool.chat_capacity
        for channel, heap in pool.heaps.items():
            if load and (channel not in caps or load >= caps[channel]):
                continue
            while heap and outcome[heap[0][3]] != WAITING:
                heapq.heappop(heap)
            if heap and (best_key is None or heap[0] < best_key):
                best_key = heap[0]
                best_heap = heap
        if best_heap is None:
            return None
        return heapq.heappop(best_heap)


def entry_pools(
    scenario, pools: list[PoolState], codes: tuple[dict, dict, dict, dict]  # noqa: ANN001
) -> dict[tuple[int, int, int], tuple[int, ...]]:
    """(channel, intent, segment) -> pools a fresh customer contact may go to.

    Default: every pool serving the channel with the intent among its skills,
    except pools only reached by overflow, handoff or escalation from another such
    pool. The scenario's ``routing`` rules come first: the first rule matching the
    contact's segment, intent and channel whose pools can serve it sends the contact
    to those of its pools that can (a rule none of whose pools can serve the
    contact is passed over).
    """
    ch_code, in_code, sg_code, pl_code = codes
    targets: set[int] = set()
    for pool in scenario.pools.values():
        if pool.overflow:
            targets.add(pl_code[pool.overflow.to])
        for h in pool.handoffs:
            targets.add(pl_code[h.to])
        if pool.escalate_to is not None:
            targets.add(pl_code[pool.escalate_to])
    seg_names = list(sg_code)
    entry = {}
    for ci, ch_name in enumerate(ch_code):
        for ii, in_name in enumerate(in_code):
            able = [p.index for p in pools if ci in p.channels and p.proficiency[ii] > 0]
            first = [p for p in able if p not in targets]
            default = tuple(first or able)
            for si in range(len(sg_code)):
                chosen = default
                for rule in scenario.routing:
                    if ((rule.segment is not None and seg_names[si] not in rule.segment)
                            or (rule.intent is not None and in_name not in rule.intent)
                            or (rule.channel is not None and ch_name not in rule.channel)):
                        continue
                    usable = tuple(pl_code[n] for n in rule.to if pl_code[n] in able)
                    if usable:
                        chosen = usable
                        break
                entry[(ci, ii, si)] = chosen
    return entry


def build_pools(scenario, ch_code: dict, intent_names: tuple[str, ...]) -> list[PoolState]:  # noqa: ANN001
    """The live state of every pool of ``scenario``, in code order."""
    pools = []
    for i, (name, pool) in enumerate(scenario.pools.items()):
        chans = frozenset(ch_code[c] for c in pool.channels)
        if pool.skills is None:
            prof = [1.0] * len(intent_names)
        else:
            prof = [float(pool.skills.get(n, 0.0)) for n in intent_names]
        caps = {
            ch_code[c]: scenario.channels[c].max_concurrency
            for c in pool.channels
            if scenario.channels[c].kind == "chat"
        }
        pools.append(PoolState(i, name, chans, prof, caps))
    return pools
