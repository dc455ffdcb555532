"""Handoffs between departments: one pool passes a contact's work on to another.

After an agent finishes a piece of work, the pool's handoff rules are tried in
order with one uniform draw: a rule fires with its probability (rules limited to
some intents are skipped for others). The piece is then ``TRANSFERRED`` and the
next piece (``step + 1``) goes to the receiving pool, where it waits without
abandoning. A rule may add

* ``delay`` — the receiving pool can pick the work up only after it (the journey
  waits; the piece's row is created when it arrives);
* ``context_loss`` — the notes do not travel: the customer repeats themselves, so
  the next piece gets the extra handle time of ``context_loss`` and is flagged;
* ``asynchronous`` — back-office work: the customer is not on the line; the piece
  waits behind live contacts (it is ranked like email) and its wait is not hold
  time for the customer.

Escalation of unresolved contacts (``escalate_below``/``escalate_to`` on a pool)
uses the same transfer, immediately and with the context kept.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.demand import handle_overrides
from sim.model.streams import Sampler, UniformBlock
from sim.records import TRANSFERRED

if TYPE_CHECKING:
    from sim.model.context import Arrive, ModelContext
    from sim.model.journeys import Journeys

INF = math.inf


class HandoffRule:
    """One resolved handoff rule of a pool."""

    __slots__ = ("target", "probability", "intents", "handle", "delay", "context_loss",
                 "context_u", "offline")

    def __init__(self, target: int, probability: float, intents: set[int] | None,
                 handle: Sampler | None, delay: Sampler | None, context_loss: float,
                 context_u: UniformBlock | None, offline: bool) -> None:
        self.target = target
        self.probability = probability
        self.intents = intents
        self.handle = handle
        self.delay = delay
        self.context_loss = context_loss
        self.context_u = context_u
        self.offline = offline


class Handoffs:
    """The handoff rules of every pool, and the transfer of a piece of work.

    ``arrive`` (:class:`sim.model.context.Arrive`) puts the next piece into the
    receiving pool's queue. ``journeys`` carries the journey's attempt
    and context loss and holds delayed pieces; None without the journey machine
    (then no rule has a delay).
    """

    def __init__(self, ctx: ModelContext, *, arrive: Arrive,
                 journeys: Journeys | None) -> None:
        self.ctx = ctx
        self._arrive = arrive
        self.jm = journeys
        s = ctx.scenario
        streams = ctx.streams
        _, in_code, _, pl_code = ctx.codes
        self.rules: list[list[HandoffRule]] = []
        self.uniform: list[UniformBlock | None] = []
        for name, pool in s.pools.items():
            rules = []
            for h in pool.handoffs:
                key = f"{name}->{h.to}"
                rules.append(HandoffRule(
                    pl_code[h.to],
                    h.probability,
                    None if h.intents is None else {in_code[n] for n in h.intents},
                    None if h.handle_time is None
                    else Sampler(h.handle_time, streams.get(f"handoff-handle/{key}")),
                    None if h.delay is None
                    else Sampler(h.delay, streams.get(f"handoff-delay/{key}")),
                    h.context_loss,
                    UniformBlock(streams.get(f"handoff-context/{key}"))
                    if 0 < h.context_loss < 1 else None,
                    h.asynchronous,
                ))
            self.rules.append(rules)
            self.uniform.append(UniformBlock(streams.get(f"handoff/{name}")) if rules else None)
        self.handle = [
            Sampler(s.intents[n].handle_time, streams.get(f"handoff-handle/{n}"))
            for n in ctx.intent_names
        ]
        # handle_time_by_channel: a piece on a listed channel draws from its own stream
        self.handle_on = {
            (ci, ii): Sampler(dist, streams.get(
                f"handoff-handle/{ctx.intent_names[ii]}/{ctx.channel_names[ci]}"))
            for (ci, ii), dist in handle_overrides(s, ctx.intent_names).items()
        }
        self.pending = 0  # pieces scheduled after a delay that have not arrived yet

    def maybe(self, row: int, channel: int, pool: int) -> bool:
        """Try the pool's rules on a finished piece; True if it was handed off."""
        rec = self.ctx.rec
        intent = rec.intent[row]
        draw = self.uniform[pool].next()  # type: ignore[union-attr]
        acc = 0.0
        for rule in self.rules[pool]:
            if rule.intents is not None and intent not in rule.intents:
                continue
            acc += rule.probability
            if draw < acc:
                lost = False
                if rule.context_loss >= 1:
                    lost = True
                elif rule.context_u is not None:
                    lost = rule.context_u.next() < rule.context_loss
                self.transfer(row, channel, rule.target, rule.handle, rule.delay, lost,
                              rule.offline)
                return True
        return False

    def transfer(self, row: int, channel: int, target: int, handle: Sampler | None = None,
                 delay: Sampler | None = None, lost: bool = False,
                 offline: bool = False) -> None:
        """Pass the work of ``row`` to pool ``target`` as the next piece of the journey."""
        rec = self.ctx.rec
        jm = self.jm
        rec.outcome[row] = TRANSFERRED
        intent = rec.intent[row]
        if handle is None:
            handle = self.handle_on.get((channel, intent)) or self.handle[intent]
        base = handle.next()
        journey = rec.journey[row]
        attempt = 0
        if jm is not None:
            attempt = rec.attempt[row]
            lost = jm.take_lost(journey, lost)
            if lost:
                base += jm.extra_handle()
        args = (channel, intent, rec.segment[row], INF, base, journey, rec.step[row] + 1,
                (target,), attempt, lost, offline)
        if delay is None:
            self._arrive(*args)
            return
        self.pending += 1

        def arrive_later() -> None:
            self.pending -= 1
            self._arrive(*args)

        assert jm is not None  # a delay switches the journey machine on
        jm.later(delay.next(), journey, arrive_later)
