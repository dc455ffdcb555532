"""Journeys: one customer need, from first touch to resolution or giving up.

A journey is a sequence of customer contacts (``step == 0`` rows; handoff pieces
of a contact have ``step > 0``). This module is the journey state machine the world
calls at the end of each contact; it keeps no per-contact objects, only what a
journey needs next (which journeys lost their context, which wait for a contact).

Self-service and bot sessions
    A session on a ``self_service`` or ``bot`` channel takes the channel's
    ``duration`` (no agent, no queue; ``capacity`` sessions at once, beyond it the
    customer is blocked). It *contains* the need with the channel's containment
    probability for the intent and segment: the contact is ``HANDLED`` and resolves
    the journey. Otherwise it is ``ESCALATED``: the customer goes on at once to a
    live channel chosen with the ``escalation.to`` probabilities (same attempt, the
    base handle time drawn for the customer on arrival, or a fresh one if the intent
    has its own ``handle_time_by_channel`` there), and the context travels
    with probability ``context_transfer``. If no channel is chosen (probabilities
    below 1, or no escalation) the need is unresolved (see below).

Resolution (live contacts)
    A handled piece with no handoff resolves the need with probability
    ``p = resolution(intent, channel) * min(1, proficiency)`` of the agent's pool
    for the intent (an intent without ``resolution`` always resolves, unscaled).
    If it does not, and the pool escalates (``escalate_below`` above its
    proficiency for the intent), the work is transferred to ``escalate_to`` (the
    machine names the pool; the world makes the transfer, :mod:`sim.model.handoffs`);
    otherwise the contact ends unresolved. With sticky agents, a recontact answered
    by the agent who answered the journey's previous contact resolves with
    ``min(1, p + resolution_uplift)`` (the same uniform draw compared with ``p +
    uplift``, :mod:`sim.model.identity`). Before all this, a contact of an intent
    that needs a technician visit may book one instead (:mod:`sim.model.field`):
    the journey then goes on in the field and no recontact follows.

Recontacts, retries and giving up
    An unresolved contact (handled but not resolved, or a failed session without
    escalation) comes back with ``recontact.probability`` after ``recontact.delay``;
    an abandoned or blocked one with ``recontact.retry.probability`` after
    ``recontact.retry.delay``. The new contact is the next *attempt*; its channel
    follows ``recontact.channel_switch`` (default: the same channel); its handle
    time and patience are drawn afresh. After ``max_attempts`` attempts, or when the
    customer does not come back, the journey ends unresolved (the customer gave up).

Context loss
    A lost context (failed transfer of a bot's context, a handoff without notes,
    or :meth:`Journeys.lose_context` for failovers) makes the *next* contact or
    piece of the journey repeat information: it gets ``context_loss.
    extra_handle_time`` on top of its handle time and ``repeated_info`` is set.

Every random draw comes from a named stream, so switching any of this on leaves
the draws of everything else unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sim.model.demand import handle_overrides
from sim.model.recorder import IN_SERVICE
from sim.model.streams import Sampler, UniformBlock
from sim.records import BLOCKED, ESCALATED, HANDLED
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.model.backstage import Backstage
    from sim.model.context import Arrive, ModelContext
    from sim.model.field import FieldOps
    from sim.model.routing import PoolState
    from sim.scenario.distributions import Distribution

INF = math.inf


def uses_journeys(s: Scenario) -> bool:
    """True if the scenario needs the journey state machine (else: classic model)."""
    return (
        any(c.is_self_service for c in s.channels.values())
        or any(i.resolution is not None or i.resolution_by_channel for i in s.intents.values())
        or any(p.escalate_to is not None for p in s.pools.values())
        or any(h.delay is not None or h.context_loss > 0 or h.asynchronous
               for p in s.pools.values() for h in p.handoffs)
        or s.recontact is not None
        or bool(s.backstage) or bool(s.outages) or bool(s.failover)
        or any(c.kind == "field" for c in s.channels.values())
    )


def _choice(row: dict[str, float], codes: dict[str, int]) -> tuple[list[float], list[int]]:
    """Cumulative probabilities and codes of a {name: probability} row."""
    acc, cum, out = 0.0, [], []
    for name, p in row.items():
        acc += p
        cum.append(acc)
        out.append(codes[name])
    return cum, out


def _pick(cum: list[float], codes: list[int], u: float) -> int:
    for c, code in zip(cum, codes, strict=False):
        if u < c:
            return code
    return -1


class Journeys:
    """The journey state machine of one world (see the module docstring).

    ``arrive`` (:class:`sim.model.context.Arrive`) puts a live contact into the world's
    queues: answered, blocked or waiting. ``pools`` are the live pools
    (proficiency scales resolution); ``patience`` maps (channel, segment) codes to
    the patience distribution of customers (None: they never abandon).
    ``backstage`` (contacts that failed at a system do not resolve) and ``field``
    (needs that take a technician visit) are None when the scenario has none;
    ``uplift(row)`` (sticky agents) is a row's resolution uplift, else None.
    """

    def __init__(self, ctx: ModelContext, *,
                 arrive: Arrive,
                 pools: Sequence[PoolState],
                 patience: dict[tuple[int, int], Distribution | None],
                 backstage: Backstage | None,
                 field: FieldOps | None,
                 uplift: Callable[[int], float] | None = None) -> None:
        self.ctx = ctx
        self.uplift = uplift  # sticky agents: a row's resolution uplift (sim.model.identity)
        self._arrive = arrive
        self.bs = backstage
        self.field = field
        s = ctx.scenario
        streams = ctx.streams
        ch_code, _, _, _ = ctx.codes
        channels = list(s.channels.values())
        self.n_seg = len(ctx.segment_names)
        # -- self-service and bot channels
        self.session_channel = [c.is_self_service for c in channels]
        self.duration = [
            Sampler(c.duration, streams.get(f"duration/{n}")) if c.duration else None
            for n, c in s.channels.items()
        ]
        self.capacity = [INF if c.capacity is None else c.capacity for c in channels]
        self.active = [0] * len(channels)
        self.contain = [
            [c.containment_p(i, g) for i in ctx.intent_names for g in ctx.segment_names]
            for c in channels
        ]
        self.contain_u = [UniformBlock(streams.get(f"containment/{n}")) for n in s.channels]
        self.escalate = [
            _choice(c.escalation.to, ch_code) if c.escalation else ([], []) for c in channels
        ]
        self.escalate_u = [UniformBlock(streams.get(f"escalation/{n}")) for n in s.channels]
        self.transfer_p = [c.escalation.context_transfer if c.escalation else 1.0
                           for c in channels]
        self.transfer_u = [UniformBlock(streams.get(f"escalation-context/{n}"))
                           for n in s.channels]
        # -- resolution: per pool, per channel * n_intents + intent; None = certain
        n_in = len(ctx.intent_names)
        self.n_in = n_in
        self.resolve_p: list[list[float | None]] = []
        self.proficiency = [pool.proficiency for pool in pools]  # per pool, per intent
        for pool in pools:
            table: list[float | None] = []
            for ch_name in s.channels:
                for ii, in_name in enumerate(ctx.intent_names):
                    base = s.intents[in_name].resolution_p(ch_name)
                    table.append(None if base is None
                                 else base * min(1.0, pool.proficiency[ii]))
            self.resolve_p.append(table)
        self.resolve_u = [UniformBlock(streams.get(f"resolution/{n}"))
                          for n in ctx.intent_names]
        _, _, _, pl_code = ctx.codes
        self.escalate_pool = [
            (pl_code[p.escalate_to], p.escalate_below) if p.escalate_to else None
            for p in s.pools.values()
        ]
        # -- recontacts and retries
        rc = s.recontact
        self.rc = rc
        if rc is not None:
            self.recontact_u = UniformBlock(streams.get("recontact"))
            self.recontact_delay = Sampler(rc.delay, streams.get("recontact-delay"))
            self.switch = [_choice(rc.channel_switch[n], ch_code)
                           if n in rc.channel_switch else None for n in s.channels]
            self.switch_u = [UniformBlock(streams.get(f"recontact-channel/{n}"))
                             for n in s.channels]
            if rc.retry is not None:
                self.retry_u = UniformBlock(streams.get("retry"))
                self.retry_delay = Sampler(rc.retry.delay, streams.get("retry-delay"))
        # -- fresh draws for contacts that do not come from a demand line
        self.handle = [Sampler(s.intents[n].handle_time, streams.get(f"handle/journey/{n}"))
                       for n in ctx.intent_names]
        # handle_time_by_channel: own streams per (intent, channel) it lists, so the
        # intent's stream (unlisted channels) draws exactly as without the key
        self.handle_dist = handle_overrides(s, ctx.intent_names)
        self.handle_on = {
            (ci, ii): Sampler(dist, streams.get(
                f"handle/journey/{ctx.intent_names[ii]}/{ctx.channel_names[ci]}"))
            for (ci, ii), dist in self.handle_dist.items()
        }
        self.patience = {
            key: Sampler(dist, streams.get(
                f"patience/journey/{ctx.channel_names[key[0]]}/{ctx.segment_names[key[1]]}"))
            for key, dist in patience.items() if dist is not None
        }
        self.extra = Sampler(s.context_loss.extra_handle_time, streams.get("context-loss/extra"))
        self.lost: set[int] = set()          # journeys whose next contact repeats information
        self.pending: dict[int, int] = {}    # journey -> scheduled arrivals not yet made

    # -- context ------------------------------------------------------------------
    def lose_context(self, journey: int) -> None:
        """The journey's context is lost (e.g. a failover): its next contact repeats it."""
        self.lost.add(journey)

    def take_lost(self, journey: int, lost: bool) -> bool:
        """Whether the next contact of ``journey`` repeats information (clears the mark)."""
        if journey in self.lost:
            self.lost.discard(journey)
            return True
        return lost

    def extra_handle(self) -> float:
        """Extra handle time of a contact on which the customer repeats themselves."""
        return self.extra.next()

    # -- self-service and bot sessions -----------------------------------------------
    def enter(self, channel: int, intent: int, segment: int, patience: float, handle: float,
              journey: int) -> None:
        """A customer from a demand line arrives: a session, or a live contact."""
        if self.session_channel[channel]:
            self.session(channel, intent, segment, handle, journey, 0, False)
        else:
            self._arrive(channel, intent, segment, patience, handle, journey)

    def session(self, channel: int, intent: int, segment: int, handle: float, journey: int,
                attempt: int, repeated: bool) -> int:
        """A customer starts a session on a self-service or bot channel."""
        ctx = self.ctx
        rec = ctx.rec
        now = ctx.env.now
        row = rec.new_contact(now, journey, 0, channel, intent, segment, attempt, repeated)
        if self.active[channel] >= self.capacity[channel]:
            rec.outcome[row] = BLOCKED
            rec.end[row] = now
            self.unresolved(row, retry=True)
            return row
        self.active[channel] += 1
        sampler = self.duration[channel]
        duration = sampler.next() if sampler is not None else 0.0
        if repeated:
            duration += self.extra.next()
        rec.outcome[row] = IN_SERVICE
        ctx.after(duration, lambda: self._session_end(row, channel, handle, duration))
        return row

    def _session_end(self, row: int, channel: int, handle: float, duration: float) -> None:
        ctx = self.ctx
        rec = ctx.rec
        self.active[channel] -= 1
        rec.end[row] = ctx.env.now
        rec.handle[row] = duration
        intent, segment = rec.intent[row], rec.segment[row]
        p = self.contain[channel][intent * self.n_seg + segment]
        if p >= 1 or (p > 0 and self.contain_u[channel].next() < p):
            rec.outcome[row] = HANDLED
            rec.resolved[row] = 1
            return
        rec.outcome[row] = ESCALATED
        cum, codes = self.escalate[channel]
        target = -1
        if codes:
            u = 0.0 if cum[-1] >= 1 and len(codes) == 1 else self.escalate_u[channel].next()
            target = _pick(cum, codes, u)
        if target < 0:
            self.unresolved(row)
            return
        p_keep = self.transfer_p[channel]
        lost = p_keep <= 0 or (p_keep < 1 and self.transfer_u[channel].next() >= p_keep)
        journey = rec.journey[row]
        # the live channel's own handle time, if it has one; else the customer's draw
        carried = None if (target, intent) in self.handle_dist else handle
        self.new_contact(target, intent, segment, journey, rec.attempt[row],
                         self.take_lost(journey, lost), carried)

    # -- live contacts ---------------------------------------------------------------
    def served(self, row: int, pool: int, channel: int) -> int | None:
        """A live piece was handled and not handed off: resolved, escalated or not.

        Returns the pool the work escalates to (the caller transfers it there), or
        None when the machine is done with the piece (resolved, a visit, unresolved).
        """
        rec = self.ctx.rec
        bs = self.bs
        if bs is not None and row in bs.failed:  # backstage down: fail or workaround error
            self.unresolved(row)
            return None
        field = self.field
        if field is not None and field.book(row):  # a technician visit (sim.model.field)
            return None
        intent = rec.intent[row]
        p = self.resolve_p[pool][channel * self.n_in + intent]
        uplift = self.uplift
        if p is None or p >= 1 or (p > 0 and self.resolve_u[intent].next() < p + (
                0.0 if uplift is None else uplift(row))):
            rec.resolved[row] = 1
            return None
        esc = self.escalate_pool[pool]
        if esc is not None and self.proficiency[pool][intent] < esc[1]:
            return esc[0]
        self.unresolved(row)
        return None

    def unresolved(self, row: int, retry: bool = False) -> None:
        """A contact ended without resolving the need: come back later, or give up.

        ``retry``: the contact was abandoned or blocked (the retry rules apply).
        """
        rc = self.rc
        if rc is None:
            return
        rec = self.ctx.rec
        attempt = rec.attempt[row]
        if attempt + 1 >= rc.max_attempts:
            return
        if retry:
            if rc.retry is None:
                return
            p, u, delay = rc.retry.probability, self.retry_u, self.retry_delay
        else:
            p, u, delay = rc.probability, self.recontact_u, self.recontact_delay
        if p <= 0 or (p < 1 and u.next() >= p):
            return
        channel = rec.channel[row]
        switch = self.switch[channel]
        if switch is not None:
            channel = _pick(switch[0], switch[1], self.switch_u[channel].next())
            if channel < 0:  # rounding: the row sums to 1 within tolerance
                channel = switch[1][-1]
        journey = rec.journey[row]
        intent, segment = rec.intent[row], rec.segment[row]
        self.later(delay.next(), journey, lambda: self.new_contact(
            channel, intent, segment, journey, attempt + 1, self.take_lost(journey, False)))

    def draw_handle(self, channel: int, intent: int) -> float:
        """A fresh base handle time of ``intent`` on ``channel``."""
        sampler = self.handle_on.get((channel, intent)) if self.handle_on else None
        return (sampler or self.handle[intent]).next()

    def rehandle(self, old: int, new: int, intent: int, repeated: bool, handle: float) -> float:
        """The handle time of a contact moved from channel ``old`` to ``new`` (failover):
        kept if both channels share the intent's distribution, else drawn afresh for
        ``new`` (with a fresh extra if the customer was already repeating themselves)."""
        dist = self.handle_dist
        if not dist or dist.get((old, intent)) == dist.get((new, intent)):
            return handle
        handle = self.draw_handle(new, intent)
        return handle + self.extra.next() if repeated else handle

    def new_contact(self, channel: int, intent: int, segment: int, journey: int, attempt: int,
                    repeated: bool, handle: float | None = None) -> None:
        """A customer contact that no demand line generated (escalation, recontact, retry)."""
        if handle is None:
            handle = self.draw_handle(channel, intent)
        if self.session_channel[channel]:
            self.session(channel, intent, segment, handle, journey, attempt, repeated)
            return
        sampler = self.patience.get((channel, segment))
        patience = sampler.next() if sampler is not None else INF
        if repeated:
            handle += self.extra.next()
        self._arrive(channel, intent, segment, patience, handle, journey, 0, None, attempt,
                     repeated)

    # -- scheduling -------------------------------------------------------------------
    def later(self, delay: float, journey: int, action: Callable[[], None]) -> None:
        """Run ``action`` after ``delay``; meanwhile the journey is pending."""
        pending = self.pending
        pending[journey] = pending.get(journey, 0) + 1

        def fire() -> None:
            left = pending[journey] - 1
            if left:
                pending[journey] = left
            else:
                del pending[journey]
            action()

        self.ctx.after(delay, fire)

    def pending_journeys(self) -> list[int]:
        """Journeys waiting for a contact or piece scheduled after the end of the run."""
        return sorted(self.pending)
