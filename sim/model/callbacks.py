"""Callbacks (virtual hold): a caller facing a long wait is called back instead.

A voice channel's ``callback`` (:class:`sim.scenario.callbacks.Callback`) is
applied by the world to each customer call that finds no agent free and is not
blocked (a fresh call, a retry, a recontact, an escalation):

* **offer**: when the expected wait ``position x mean handle / agents on duty``
  exceeds ``offer_above`` (position: live callers of the channel waiting plus
  call-backs keeping their place, plus one; mean handle: the channel's talk +
  after-call work weighted by its demand lines' intent mix; agents on duty: in
  the pools the call may go to, none meaning an infinite wait);
* **accept** (a uniform draw from ``callback-accept/<channel>``): the customer
  hangs up and leaves the live queue: no abandonment, no place in the queue length
  or against ``queue_capacity``. The call-back stays queued for the same pools,
  with the caller's place (``keep_place``) or behind every live contact (rank
  between live contacts and email);
* **call**: a free agent takes the call-back as any queued call; a draw from
  ``callback-success/<channel>`` decides whether the customer answers. If so, the
  call is handled as usual (handle time, after-call work, resolution). If not,
  the agent spends ``attempt`` seconds and the contact ends ABANDONED (never
  answered, its wait up to the call): the customer tries again per the journey
  ``recontact.retry`` rules, or is lost without them.

The contact's ``wait_s`` runs to the agent's call (the customer waited for
service, off the line), so ASA and service level include it;
``callback_wait_s`` reports it apart. Each draw has its own stream, so a scenario
with call-backs shares every other random number with one without (common random
numbers). The state of each contact row is recorded (:data:`sim.records`
``callback``: 0 not offered, 1 declined, 2 accepted, 3 accepted but not reached).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.lines import LineSpec
from sim.model.routing import PoolState
from sim.model.streams import Streams, UniformBlock
from sim.records import CB_ACCEPTED, CB_DECLINED, CB_FAILED, CB_NOT_OFFERED
from sim.scenario.schema import Scenario

#: The callback state of a contact row (the ``callback`` column of the records).
NOT_OFFERED, DECLINED, ACCEPTED, FAILED = CB_NOT_OFFERED, CB_DECLINED, CB_ACCEPTED, CB_FAILED
#: Queue rank of a call-back not keeping its place: after live contacts (0), before email (1).
CALLBACK_RANK = 0.5


def uses_callbacks(s: Scenario) -> bool:
    """True if some channel offers call-backs."""
    return any(c.callback is not None for c in s.channels.values())


class _Rule:
    __slots__ = ("offer_above", "accept", "keep_place", "success", "attempt", "mean_handle",
                 "accept_u", "success_u")

    def __init__(self, offer_above: float, accept: float, keep_place: bool, success: float,
                 attempt: float, mean_handle: float, accept_u: UniformBlock,
                 success_u: UniformBlock) -> None:
        self.offer_above, self.accept, self.keep_place = offer_above, accept, keep_place
        self.success, self.attempt, self.mean_handle = success, attempt, mean_handle
        self.accept_u, self.success_u = accept_u, success_u


def channel_mean_handle(s: Scenario, specs: list[LineSpec], channel: int) -> float:
    """Mean talk + after-call work of ``channel``'s calls, weighted by its demand lines'
    rates and intent mixes (no line: the plain mean over intents)."""
    cname = tuple(s.channels)[channel]
    intents = list(s.intents.values())

    def mean(i: int) -> float:
        return float(intents[i].handle_time_on(cname).mean_s) + intents[i].acw_mean_s(cname)

    total = weight = 0.0
    for spec in specs:
        if spec.channel != channel:
            continue
        for code, p in zip(spec.intent_codes, spec.intent_p, strict=True):
            total += spec.rate * float(p) * mean(int(code))
            weight += spec.rate * float(p)
    if weight > 0:
        return total / weight
    return sum(mean(i) for i in range(len(intents))) / len(intents)


class Callbacks:
    """The call-back rules of one world's channels, and each contact row's state."""

    def __init__(self, scenario: Scenario, streams: Streams, specs: list[LineSpec],
                 pools: list[PoolState]) -> None:
        self.pools = pools
        self.rules: list[_Rule | None] = []
        for ci, (name, ch) in enumerate(scenario.channels.items()):
            cb = ch.callback
            if cb is None:
                self.rules.append(None)
                continue
            self.rules.append(_Rule(
                cb.offer_above, cb.accept, cb.keep_place, cb.success, cb.attempt,
                channel_mean_handle(scenario, specs, ci),
                UniformBlock(streams.get(f"callback-accept/{name}")),
                UniformBlock(streams.get(f"callback-success/{name}"))))
        self.ahead = [0] * len(self.rules)  # per channel: call-backs keeping their place
        self.pending: dict[int, int] = {}   # row -> channel, call-backs not yet called
        self.state: dict[int, int] = {}     # row -> DECLINED, ACCEPTED or FAILED

    def expected_wait(self, channel: int, waiting: int, pools: tuple[int, ...]) -> float:
        """The wait announced to a caller who would be the ``waiting + 1``-th live caller."""
        rule = self.rules[channel]
        assert rule is not None
        on_duty = sum(self.pools[p].active for p in dict.fromkeys(pools))
        if on_duty <= 0:
            return math.inf
        return (waiting + self.ahead[channel] + 1) * rule.mean_handle / on_duty

    def offer(self, row: int, channel: int, waiting: int, pools: tuple[int, ...]) -> bool:
        """Offer ``row`` a call-back if its expected wait is long; True if it accepts
        (it is then pending until an agent calls)."""
        rule = self.rules[channel]
        if rule is None or self.expected_wait(channel, waiting, pools) <= rule.offer_above:
            return False
        if rule.accept >= 1 or (rule.accept > 0 and rule.accept_u.next() < rule.accept):
            self.state[row] = ACCEPTED
            self.pending[row] = channel
            if rule.keep_place:
                self.ahead[channel] += 1
            return True
        self.state[row] = DECLINED
        return False

    def keeps_place(self, channel: int) -> bool:
        rule = self.rules[channel]
        return rule is not None and rule.keep_place

    def call(self, row: int) -> tuple[bool, float]:
        """An agent calls pending call-back ``row``: (reached, attempt time if not)."""
        channel = self.pending.pop(row)
        rule = self.rules[channel]
        assert rule is not None
        if rule.keep_place:
            self.ahead[channel] -= 1
        if rule.success >= 1 or (rule.success > 0 and rule.success_u.next() < rule.success):
            return True, 0.0
        self.state[row] = FAILED
        return False, rule.attempt

    def column(self, n: int) -> np.ndarray:
        """The call-back state of each of ``n`` contact rows."""
        out = np.zeros(n, dtype=np.int8)
        if self.state:
            rows = np.fromiter(self.state.keys(), dtype=np.int64, count=len(self.state))
            out[rows] = np.fromiter(self.state.values(), dtype=np.int8, count=len(self.state))
        return out
