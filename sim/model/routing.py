"""Routing: which agent takes a new contact, and which waiting contact a free agent takes.

Skills-based routing with non-preemptive priorities:

* a new contact goes to the agent who has been idle longest among the pools that
  may serve it; a chat may also go to an agent who holds fewer chats than the
  channel's ``max_concurrency``;
* a free agent takes the best waiting contact its pool may serve: live channels
  before email, then higher segment priority, then the longest wait (FIFO);

Blending (a pool serving a multi-slot chat channel beside single-slot work such as
calls): an agent holding chats cannot take a call, so the same rule is kept for
part-loaded agents by *draining*: an agent holding chats takes no new chat while
a contact it cannot take now (a call) waits with a rank as good as the chat's (live
before email, then priority; then the older one wins, so a waiting call always
does); it finishes its chats and then takes the call. New chats are *packed* in a
blended pool (the most loaded agent with a free slot first, before an idle agent),
so that agents drain and stay free for calls; a chat-only pool uses an idle agent
first and then *spreads* chats (the least loaded agent first), which keeps the
``concurrency_inflation`` of handle times low.
* contacts wait in one heap per (pool, channel); a contact that may be served by
  several pools waits once, in the heap of that set of pools (a :class:`Group`),
  which each of its pools reads beside its own; entries of contacts that were
  answered elsewhere or abandoned are skipped lazily when they reach the top.
  A group also keeps the idle agents of all its pools in one heap ordered as the
  pools' own idle lines would be compared (longest idle, then the pool listed
  first), so a contact's cost does not grow with the number of pools sharing it.

Blending policy (a pool's ``reserve`` and ``age_priority``; a pool without them
follows the rules above exactly, so scenarios without a policy play as before):

* **voice reserve** ``reserve: {channel: phone, agents: N}`` (or ``share: s``, then
  N = ceil(s x the pool's agents on duty and not leaving), recomputed at each
  decision): an agent of the pool holding no contact takes a contact of any channel
  other than ``phone`` -- a new one (:meth:`Router.pick_agent`) or a waiting one
  (:meth:`Router.pick_contact`) -- only if at least N *other* agents of the pool
  stay idle; otherwise that contact waits (or goes to another pool that may take
  it) and the agent takes a waiting call or goes idle. Calls take any idle agent,
  so with the reserve an email is worked only while more than N agents are free.
  A part-loaded chat agent filling a free chat slot uses no idle agent and is not
  held back. The reserve never makes a call wait while an agent is free.
* **email interrupt** (a pool's ``interrupt``) is not a routing rule: when no agent
  may take a call, :mod:`sim.model.interrupt` takes one away from an email (the
  world asks it after :meth:`Router.pick_agent` finds none). Without it an agent
  finishes the email it holds (non-preemptive).
* **age priority** ``age_priority: {channel: email, after: 4h}``: an email waiting
  for the pool that has waited ``after`` since it arrived (its queue entry; for a
  contact reaching the pool by overflow, still since its arrival) ranks in that pool
  as a live contact: key ``(0, -priority, arrival)`` instead of ``(1, ...)``, so it
  comes before live contacts of its priority that arrived after it, i.e. before
  nearly all of them, and part-loaded chat agents of a blended pool drain for it as
  for a call. The pool's queue gets the new entry at that moment (the old one is
  skipped once the email is answered) and an agent of the pool free then takes it;
  other pools the email waits for keep their own rule. The reserve still applies
  to an aged email (it is not the reserved channel).
 the world calls
:meth:`Router.pick_agent` and :meth:`Router.pick_contact`, nothing else decides.
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict, deque
from dataclasses import dataclass, field

WAITING = -1  # outcome code of a contact still in queue (see recorder)
#: Tuples of pools whose groups are remembered by identity (see Router._group).
_BY_ID_LIMIT = 1024


class Agent:
    """One agent: which pool, its number there, how many contacts held, whether on duty."""

    __slots__ = ("pool", "index", "load", "on_duty", "leaving", "idle", "idle_since", "gen",
                 "chat_mode", "cap", "bucket", "seq")

    def __init__(self, pool: int, seq: int = 0, index: int = -1) -> None:
        self.pool = pool
        self.seq = seq     # join order within the pool (staffing: the order of pool.agents)
        self.index = index  # the agent's number in its pool (PoolState.seat), -1: none
        self.load = 0
        self.on_duty = False
        self.leaving = False
        self.idle = False
        self.idle_since = 0.0
        self.gen = 0
        self.chat_mode = False
        self.cap = 1       # chats this agent may hold now (its chat channel's max_concurrency)
        self.bucket = 0    # load under which it is filed among part-loaded chat agents (0: not)


@dataclass
class PoolState:
    """The live state of one pool during a replication."""

    index: int
    name: str
    channels: frozenset[int]
    proficiency: list[float]             # per intent code (0: cannot serve)
    chat_capacity: dict[int, int]        # chat channel code -> max concurrent chats
    blended: bool = False                # multi-slot chat beside single-slot work: pack chats
    idle: deque = field(default_factory=deque)        # (idle_since, gen, agent)
    # part-loaded chat agents with a free slot, by load (dicts keep insertion order)
    partial: list[OrderedDict] = field(default_factory=list)
    heaps: dict[int, list] = field(default_factory=dict)  # channel -> heap of keys
    shared: list = field(default_factory=list)        # (channel, heap) of its groups' queues
    groups: list = field(default_factory=list)        # (idle heap, position) of its groups
    idle_limit: int = 256                             # compact the idle line beyond this
    agents: dict = field(default_factory=dict)        # on-duty agents (incl. leaving), in order
    leaving: dict = field(default_factory=dict)       # those asked to leave (finishing work)
    joined: int = 0                                   # agents that ever joined (their seq)
    active: int = 0                                   # on duty and not leaving
    n_idle: int = 0                                   # idle agents (on duty)
    # blending policy (see the module docstring): the reserved channel (-1: no reserve),
    # and how many agents to keep idle for it (a count, or a share of ``active``)
    reserve_channel: int = -1
    reserve_agents: int = 0
    reserve_share: float = 0.0
    age_after: dict[int, float] = field(default_factory=dict)  # email channel -> after (s)
    # channels whose contacts simply go to the longest-idle agent (single-slot work and
    # no reserve holding them back): :meth:`Router.pick_agent` takes a short cut for them
    plain: frozenset[int] = frozenset()
    # agents' numbers (identity, sim.model.identity): number -> agent on duty, and the
    # numbers of agents gone off duty, to reuse (lowest first)
    roster: dict = field(default_factory=dict)
    free_numbers: list = field(default_factory=list)

    def __post_init__(self) -> None:
        top = max(self.chat_capacity.values(), default=1)
        # ordered dicts: the first entry of a plain dict that had many deleted is found
        # by walking past them all (agents are filed and unfiled with every chat)
        self.partial = [OrderedDict() for _ in range(top)]

    def seat(self, agent: Agent) -> None:
        """Give an agent coming on duty its number: the lowest not held by an agent on
        duty, so a number stands for one person of the pool, shift after shift."""
        free = self.free_numbers
        agent.index = heapq.heappop(free) if free else len(self.roster)
        self.roster[agent.index] = agent

    def unseat(self, agent: Agent) -> None:
        """An agent goes off duty: its number is free for the next to come on."""
        del self.roster[agent.index]
        heapq.heappush(self.free_numbers, agent.index)

    def can_serve(self, channel: int, intent: int) -> bool:
        """True if the pool's agents may take ``intent`` on ``channel``."""
        return channel in self.channels and self.proficiency[intent] > 0

    def holds_back(self, others: int) -> bool:
        """True if, with ``others`` idle agents left beside the one deciding, the pool's
        reserve forbids that agent work outside the reserved channel."""
        if self.reserve_share:
            keep = math.ceil(self.reserve_share * self.active - 1e-9)
        else:
            keep = self.reserve_agents
        return others < keep


def valid_idle(entry: tuple) -> bool:
    """An idle-line entry ``(since, gen, agent)`` still stands for an idle agent."""
    agent = entry[2]
    return agent.idle and agent.gen == entry[1] and agent.on_duty


class Group:
    """Several pools a contact may go to (an entry, failover or rule's set of pools).

    ``idle``: a heap of ``(idle_since, position in pools, seq, agent, gen)`` for
    every time an agent of one of the pools went idle (stale entries skipped
    lazily), so the longest-idle agent of all the pools, ties to the pool listed
    first, is at the top; ``queues``: channel -> the heap of keys of contacts
    waiting for exactly these pools; ``plans``: channel -> the pools whose
    part-loaded chat agents may take a new chat (blended ones, chat-only ones).
    """

    __slots__ = ("pools", "idle", "idle_limit", "queues", "plans", "reserved")

    def __init__(self, pools: tuple[int, ...]) -> None:
        self.pools = pools
        self.idle: list = []
        self.idle_limit = 256
        self.queues: dict[int, list] = {}
        self.plans: dict[int, tuple[list, list]] = {}
        self.reserved: dict[int, bool] = {}  # channel -> a pool's reserve may hold it back


class Router:
    """Skills-based, longest-idle-first routing over the pools of a world."""

    def __init__(self, pools: list[PoolState], outcome) -> None:  # noqa: ANN001
        self.pools = pools
        self.outcome = outcome  # the recorder's outcome column, read to skip stale entries
        self.groups: dict[tuple[int, ...], Group] = {}
        # the same groups by the identity of the tuple asked with (the world asks with a
        # few long-lived tuples): hashing a tuple of 200 pools per contact costs more
        # than the rest of its routing; the tuple is kept, so its id stays its own
        self._by_id: dict[int, tuple[tuple[int, ...], Group]] = {}
        self._seq = 0  # order of idle entries in the groups' heaps

    def _group(self, pools: tuple[int, ...]) -> Group:
        """The group of several pools, made on first use (seeded with the idle agents)."""
        known = self._by_id.get(id(pools))
        if known is not None and known[0] is pools:
            return known[1]
        group = self.groups.get(pools)
        if group is None:
            group = self._new_group(pools)
        if len(self._by_id) < _BY_ID_LIMIT:
            self._by_id[id(pools)] = (pools, group)
        return group

    def _new_group(self, pools: tuple[int, ...]) -> Group:
        group = self.groups[pools] = Group(pools)
        seen: set[int] = set()
        for pos, p in enumerate(pools):
            if p in seen:  # a pool listed twice is compared at its first place
                continue
            seen.add(p)
            pool = self.pools[p]
            for entry in pool.idle:
                if valid_idle(entry):
                    self._seq += 1
                    group.idle.append((entry[0], pos, self._seq, entry[2], entry[1]))
            pool.groups.append((group, pos))
        heapq.heapify(group.idle)
        return group

    def _plan(self, group: Group, channel: int) -> tuple[list, list]:
        """(blended pools, chat-only pools) of ``group`` taking ``channel`` as a multi-slot
        chat, each as (pool, max chats), in the group's order."""
        blend: list = []
        chat: list = []
        for p in group.pools:
            pool = self.pools[p]
            cap = pool.chat_capacity.get(channel)
            if cap is not None and cap > 1:
                (blend if pool.blended else chat).append((pool, cap))
        plan = group.plans[channel] = (blend, chat)
        return plan

    # -- agents ------------------------------------------------------------------
    def make_idle(self, agent: Agent, now: float) -> None:
        """Put a free agent in its pool's idle line (longest idle at the front)."""
        agent.idle = True
        agent.idle_since = now
        agent.gen += 1
        pool = self.pools[agent.pool]
        pool.n_idle += 1
        idle = pool.idle
        idle.append((now, agent.gen, agent))
        if len(idle) > pool.idle_limit:  # a line read only through groups: drop stale ones
            pool.idle = deque(e for e in idle if valid_idle(e))
            pool.idle_limit = max(256, 2 * len(pool.idle))
        for group, pos in pool.groups:
            self._seq += 1
            heap = group.idle
            heapq.heappush(heap, (now, pos, self._seq, agent, agent.gen))
            if len(heap) > group.idle_limit:
                heap[:] = [e for e in heap if e[3].idle and e[3].gen == e[4] and e[3].on_duty]
                heapq.heapify(heap)
                group.idle_limit = max(256, 2 * len(heap))

    def take(self, agent: Agent) -> None:
        """Mark an agent as no longer idle (its idle-line entry becomes stale)."""
        if agent.idle:
            self.pools[agent.pool].n_idle -= 1
        agent.idle = False

    def file(self, agent: Agent) -> None:
        """File a chat agent under its load if it has a free slot (else unfile it)."""
        load = agent.load
        want = load if (agent.chat_mode and 0 < load < agent.cap and not agent.leaving) else 0
        if want == agent.bucket:
            return
        partial = self.pools[agent.pool].partial
        if agent.bucket:
            del partial[agent.bucket][agent]
        if want:
            partial[want][agent] = None
        agent.bucket = want

    def unfile(self, agent: Agent) -> None:
        """Remove an agent from the part-loaded chat agents (it leaves or goes idle)."""
        if agent.bucket:
            del self.pools[agent.pool].partial[agent.bucket][agent]
            agent.bucket = 0

    def part_loaded(self, p: int) -> list[Agent]:
        """Pool ``p``'s agents holding chats with a free slot, the most loaded first."""
        out: list[Agent] = []
        for bucket in reversed(self.pools[p].partial):
            out.extend(bucket)
        return out

    def _head_idle(self, pool: PoolState) -> tuple | None:
        idle = pool.idle
        while idle:
            entry = idle[0]
            agent = entry[2]
            if agent.idle and agent.gen == entry[1] and agent.on_duty:
                return entry
            idle.popleft()
        return None

    def _best_blocking(self, pool: PoolState) -> tuple | None:
        """The best waiting key on the pool's single-slot channels (a part-loaded chat
        agent cannot take those), or None."""
        outcome = self.outcome
        best = None
        caps = pool.chat_capacity
        for channel, heap in (*pool.heaps.items(), *pool.shared):
            if channel in caps:
                continue
            while heap and outcome[heap[0][3]] != WAITING:
                heapq.heappop(heap)
            if heap and (best is None or heap[0] < best):
                best = heap[0]
        return best

    def _partial_agent(self, pool: PoolState, cap: int, rank: tuple) -> Agent | None:
        """A part-loaded agent of ``pool`` to take one more chat, or None.

        None while a contact the agent cannot take now (a call) waits with a rank
        (live before email, then priority) as good as the chat's: the agent drains
        to take it. Blended pools pack chats (most loaded first), so agents drain;
        chat-only pools spread them (least loaded first).
        """
        blocking = self._best_blocking(pool) if pool.blended else None
        if blocking is not None and blocking[:2] <= rank:
            return None
        buckets = pool.partial
        loads = range(min(cap, len(buckets)) - 1, 0, -1) if pool.blended \
            else range(1, min(cap, len(buckets)))
        for load in loads:
            bucket = buckets[load]
            if bucket:
                return next(iter(bucket))
        return None

    def pick_agent(self, pools: tuple[int, ...], channel: int,
                   rank: tuple = (0, 0)) -> Agent | None:
        """The agent to answer a new contact on ``channel`` now, or None if all are busy.

        ``rank`` is the contact's (rank, -priority), the head of its queue key.
        A new chat goes first to a part-loaded agent of a blended pool (packing),
        then to the longest-idle agent, then to the least loaded agent of a chat-only
        pool.
        """
        if len(pools) > 1:
            return self._pick_shared(self._group(pools), channel, rank)
        pool_states = self.pools
        pool = pool_states[pools[0]]
        if channel in pool.plain:  # the head of the idle line (_head_idle, inlined: per contact)
            idle = pool.idle
            while idle:
                entry = idle[0]
                agent = entry[2]
                if agent.idle and agent.gen == entry[1] and agent.on_duty:
                    return agent
                idle.popleft()
            return None
        for p in pools:
            pool = pool_states[p]
            if pool.blended:
                cap = pool.chat_capacity.get(channel)
                if cap is not None and cap > 1:
                    agent = self._partial_agent(pool, cap, rank)
                    if agent is not None:
                        return agent
        best = self._longest_idle(pools, channel)
        if best is not None:
            return best
        chosen = None
        for p in pools:
            pool = pool_states[p]
            cap = pool.chat_capacity.get(channel)
            if cap is None or cap < 2 or pool.blended:
                continue
            agent = self._partial_agent(pool, cap, rank)
            if agent is not None and (chosen is None or agent.load < chosen.load):
                chosen = agent
        return chosen

    def _longest_idle(self, pools: tuple[int, ...], channel: int) -> Agent | None:
        """The longest-idle agent of ``pools`` (ties: the pool listed first) that may take
        a contact on ``channel`` (a pool's reserve may hold its idle agents back)."""
        best = None
        pool_states = self.pools
        for p in pools:
            pool = pool_states[p]
            if (pool.reserve_channel >= 0 and channel != pool.reserve_channel
                    and pool.holds_back(pool.n_idle - 1)):
                continue
            entry = self._head_idle(pool)
            if entry is not None and (best is None or entry[0] < best[0]):
                best = entry
        return None if best is None else best[2]

    def _pick_shared(self, group: Group, channel: int, rank: tuple) -> Agent | None:
        """:meth:`pick_agent` for several pools: the same choice, from the group's heaps."""
        blend, chat = group.plans.get(channel) or self._plan(group, channel)
        for pool, cap in blend:
            agent = self._partial_agent(pool, cap, rank)
            if agent is not None:
                return agent
        reserved = group.reserved.get(channel)
        if reserved is None:
            reserved = group.reserved[channel] = any(
                self.pools[p].reserve_channel not in (-1, channel) for p in group.pools)
        heap = group.idle
        if reserved:  # a pool's reserve may skip its idle agents: pool by pool
            agent = self._longest_idle(group.pools, channel)
            if agent is not None:
                return agent
            heap = []
        while heap:
            entry = heap[0]
            agent = entry[3]
            if agent.idle and agent.gen == entry[4] and agent.on_duty:
                return agent
            heapq.heappop(heap)
        chosen = None
        for pool, cap in chat:
            agent = self._partial_agent(pool, cap, rank)
            if agent is not None and (chosen is None or agent.load < chosen.load):
                chosen = agent
        return chosen

    # -- contacts ----------------------------------------------------------------
    def enqueue_all(self, pools: tuple[int, ...], channel: int, key: tuple) -> None:
        """Queue a waiting contact once for all the pools that may serve it."""
        if len(pools) == 1:
            self.enqueue(pools[0], channel, key)
            return
        group = self._group(pools)
        heap = group.queues.get(channel)
        if heap is None:
            heap = group.queues[channel] = []
            for p in dict.fromkeys(pools):
                self.pools[p].shared.append((channel, heap))
        heapq.heappush(heap, key)

    def enqueue(self, pool: int, channel: int, key: tuple) -> None:
        """Add a waiting contact (``key`` = (rank, -priority, time, row)) to a pool's queue."""
        heaps = self.pools[pool].heaps
        heap = heaps.get(channel)
        if heap is None:
            heap = heaps[channel] = []
        heapq.heappush(heap, key)

    def pick_contact(self, agent: Agent) -> tuple | None:
        """Pop the best waiting contact this agent may take now, or None.

        An agent holding chats may take only chats; if the best contact waiting for
        its pool is one it cannot take now (a call), it takes nothing and drains.
        """
        pool = self.pools[agent.pool]
        outcome = self.outcome
        best_heap = None
        best_key = None
        blocked = None
        load = agent.load
        caps = pool.chat_capacity
        # the reserve: a free agent (no chats held) takes only the reserved channel
        # unless enough other agents of its pool stay idle
        only = pool.reserve_channel if (
            pool.reserve_channel >= 0 and not load
            and pool.holds_back(pool.n_idle - (1 if agent.idle else 0))) else -1
        for channel, heap in (*pool.heaps.items(), *pool.shared) if pool.shared \
                else pool.heaps.items():
            if only >= 0 and channel != only:
                continue
            while heap and outcome[heap[0][3]] != WAITING:
                heapq.heappop(heap)
            if not heap:
                continue
            if load and (channel not in caps or load >= caps[channel]):
                if blocked is None or heap[0] < blocked:
                    blocked = heap[0]
                continue
            if best_key is None or heap[0] < best_key:
                best_key = heap[0]
                best_heap = heap
        if best_heap is None or (blocked is not None and blocked < best_key):
            return None
        return heapq.heappop(best_heap)


def reached_pairs(scenario, pools: list[PoolState],  # noqa: ANN001
                  codes: tuple[dict, dict, dict, dict]) -> set[tuple[int, int, int]]:
    """(pool, channel, intent) triples a pool receives by overflow, handoff or escalation.

    Overflow brings the source pool's intents on the channels both pools serve; a
    handoff or an escalation brings the source's intents (those the rule names, if
    it names some) on the source's channels (the piece keeps its contact's channel).
    Only work the receiving pool can take (its skills) counts.
    """
    ch_code, in_code, _, pl_code = codes
    out: set[tuple[int, int, int]] = set()
    for name, pool in scenario.pools.items():
        src = pools[pl_code[name]]
        served = [i for i in range(len(in_code)) if src.proficiency[i] > 0]
        moves: list[tuple[int, list[int], frozenset[int]]] = []
        if pool.overflow:
            dst = pl_code[pool.overflow.to]
            moves.append((dst, served, src.channels & pools[dst].channels))
        for h in pool.handoffs:
            carried = served if h.intents is None else [in_code[n] for n in h.intents]
            moves.append((pl_code[h.to], carried, src.channels))
        if pool.escalate_to is not None:
            moves.append((pl_code[pool.escalate_to], served, src.channels))
        for dst, intents, channels in moves:
            out.update((dst, c, i) for c in channels for i in intents
                       if pools[dst].proficiency[i] > 0)
    return out


def entry_pools(
    scenario, pools: list[PoolState], codes: tuple[dict, dict, dict, dict]  # noqa: ANN001
) -> dict[tuple[int, int, int], tuple[int, ...]]:
    """(channel, intent, segment) -> pools a fresh customer contact may go to.

    Default: every pool serving the channel with the intent among its skills,
    except pools that receive that same (channel, intent) work by overflow, handoff
    or escalation from another pool (a back office taking phone handoffs still gets
    fresh emails if it lists email), unless no other pool can serve it. The
    scenario's ``routing`` rules come first: the first rule matching the contact's
    segment, intent and channel whose pools can serve it sends the contact to those
    of its pools that can (a rule none of whose pools can serve the contact is
    passed over).
    """
    ch_code, in_code, sg_code, pl_code = codes
    reached = reached_pairs(scenario, pools, codes)
    seg_names = list(sg_code)
    entry = {}
    for ci, ch_name in enumerate(ch_code):
        for ii, in_name in enumerate(in_code):
            able = [p.index for p in pools if p.can_serve(ci, ii)]
            first = [p for p in able if (p, ci, ii) not in reached]
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
        blended = any(c > 1 for c in caps.values()) and any(c not in caps for c in chans)
        state = PoolState(i, name, chans, prof, caps, blended)
        if pool.reserve is not None:
            state.reserve_channel = ch_code[pool.reserve.channel]
            state.reserve_agents = pool.reserve.agents or 0
            state.reserve_share = pool.reserve.share or 0.0
        if pool.age_priority is not None:
            state.age_after[ch_code[pool.age_priority.channel]] = pool.age_priority.after
        state.plain = frozenset(c for c in chans if caps.get(c, 1) < 2
                                and state.reserve_channel in (-1, c))
        pools.append(state)
    return pools
