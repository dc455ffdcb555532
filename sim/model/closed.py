"""Closed-hours demand: what a customer who tries a closed channel does.

A channel with opening ``hours`` and a ``closed`` section
(:class:`sim.scenario.operations.ClosedDemand`) decides each customer try that
lands while it is closed (a fresh arrival, a recontact, a retry, an escalation,
a failover landing there), once, with a uniform draw from the stream
``closed/<channel>``:

* **lost** (probability ``lost``): the customer gives up; no contact is made and
  the need ends unresolved (no retry);
* **deflected** (probability ``deflect.share``): the customer goes at once to the
  self-service or bot channel ``deflect.to`` and starts a session there (which may
  contain the need, or escalate as that channel says). A customer deflected once
  is not deflected again before the channel opens (an escalation back to it comes
  back at the opening), so a session can never bounce them for ever;
* **returns** (the rest): the customer comes back once the channel has been open
  ``return_delay`` (a draw from ``closed-return/<channel>``, counted in opening
  time only), so the returns spread over the opening hours rather than landing on
  the opening second. Without ``return_delay`` they come at the opening, as a
  channel without ``closed`` has them do.

The returning contact remembers when the customer tried, so the wait counts in
the journey's latency (the world's ``deferred`` rows). Every try is recorded
(channel, intent, segment, when, fate) for the out-of-hours KPIs
(:mod:`sim.metrics.closed`).
"""

from __future__ import annotations

import numpy as np

from sim.model.hours import OpeningHours
from sim.model.streams import Sampler, Streams, UniformBlock
from sim.scenario.schema import Scenario

#: The fate of a try on a closed channel (the ``fate`` column of the tries).
RETURNS, LOST, DEFLECTED = 0, 1, 2
FATE_NAMES = ("returns", "lost", "deflected")


class _Rule:
    __slots__ = ("lost", "deflect", "to", "u", "delay", "u_again", "delay_again")

    def __init__(self, lost: float, deflect: float, to: int,
                 u: tuple[UniformBlock, UniformBlock] | None,
                 delay: tuple[Sampler, Sampler] | None) -> None:
        self.lost, self.deflect, self.to = lost, deflect, to
        # fresh customers and repeats (recontacts, retries) draw from their own streams,
        # so a change that moves repeats (e.g. call-backs) leaves new customers' fates alone
        self.u: UniformBlock | None = u[0] if u is not None else None
        self.u_again: UniformBlock | None = u[1] if u is not None else None
        self.delay: Sampler | None = delay[0] if delay is not None else None
        self.delay_again: Sampler | None = delay[1] if delay is not None else None


class ClosedHours:
    """The closed-hours rules of one world's channels, and the tries they decided."""

    def __init__(self, scenario: Scenario, streams: Streams, hours: OpeningHours) -> None:
        self.hours = hours
        codes = {n: i for i, n in enumerate(scenario.channels)}
        self.rules: list[_Rule | None] = []
        for name, ch in scenario.channels.items():
            c = ch.closed
            if c is None or ch.hours is None:
                self.rules.append(None)
                continue
            share = c.deflect.share if c.deflect is not None else 0.0
            to = codes[c.deflect.to] if c.deflect is not None else -1
            u = ((UniformBlock(streams.get(f"closed/{name}")),
                  UniformBlock(streams.get(f"closed-again/{name}")))
                 if c.lost + share > 0 else None)
            delay = ((Sampler(c.return_delay, streams.get(f"closed-return/{name}")),
                      Sampler(c.return_delay, streams.get(f"closed-return-again/{name}")))
                     if c.return_delay is not None else None)
            self.rules.append(_Rule(c.lost, share, to, u, delay))
        self._deflected: dict[int, float] = {}  # journey -> the opening it was deflected for
        self._tries: list[tuple[int, int, int, float, int]] = []

    def decide(self, channel: int, intent: int, segment: int, journey: int,
               now: float, again: bool = False) -> tuple[int, float]:
        """The fate of a try on closed ``channel`` at ``now``, and for a return the delay
        (seconds from now) until the customer comes back; for a deflection the target
        channel is :meth:`deflect_to`. ``again``: a repeat (recontact or retry), drawn
        from the repeats' own streams."""
        wait = self.hours.delay(channel, now)  # to the opening (as without rules)
        opening = now + wait
        rule = self.rules[channel]
        fate = RETURNS
        if rule is not None:
            block = rule.u_again if again else rule.u
            if block is not None:
                u = block.next()
                if u < rule.lost:
                    fate = LOST
                elif u < rule.lost + rule.deflect and self._deflected.get(journey) != opening:
                    fate = DEFLECTED
                    self._deflected[journey] = opening
            sampler = rule.delay_again if again else rule.delay
            if fate == RETURNS and sampler is not None:
                wait = self.hours.after_open_time(channel, now, sampler.next()) - now
        self._tries.append((channel, intent, segment, now, fate))
        return fate, wait

    def deflect_to(self, channel: int) -> int:
        """The channel customers of ``channel`` are deflected to."""
        rule = self.rules[channel]
        assert rule is not None
        return rule.to

    def facts(self) -> dict[str, np.ndarray]:
        """Every try on a closed channel: channel, intent, segment, tried_s, fate."""
        t = self._tries
        return {
            "channel": np.array([x[0] for x in t], dtype=np.int64),
            "intent": np.array([x[1] for x in t], dtype=np.int64),
            "segment": np.array([x[2] for x in t], dtype=np.int64),
            "tried_s": np.array([x[3] for x in t], dtype=float),
            "fate": np.array([x[4] for x in t], dtype=np.int8),
        }
