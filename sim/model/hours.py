"""Opening hours of live channels: when a customer contact may land on a channel.

A voice or chat channel with ``hours`` (:class:`sim.scenario.field.WorkingHours`
blocks, by clock time and weekday from the scenario's ``start``) is open inside any
of its blocks and closed otherwise. The world asks :meth:`OpeningHours.next_open`
when a customer contact (``step == 0``) lands on such a channel:

* a fresh arrival from a demand line, a recontact, a retry, an escalation from a
  bot or self-service session, or a failover landing on a closed channel is moved
  to the channel's next opening: the customer tries again when it opens. The
  contact's row is created then (``arrival_s`` is the opening time), so the night
  counts in the journey's latency as time between contacts, never as queue wait;
* contacts already waiting at closing time stay in the queue and are served by the
  agents on duty (nobody is forced to abandon); handoff pieces (``step > 0``) are
  internal work and ignore opening hours.

Deferral is deterministic: it draws no random number, so common random numbers
are kept. A scenario without ``hours`` builds no :class:`OpeningHours` and plays
exactly as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.scenario.field import WorkingHours
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S, WEEK_S

#: Slack (seconds) in the open test, so that a contact moved to an opening time is
#: open there despite float rounding of the week clock (it never defers twice).
EPS_S = 1e-6

#: One block: (weekday index, start, end) in seconds of the day.
Block = tuple[int, float, float]


def uses_hours(s: Scenario) -> bool:
    """True if some channel of the scenario has opening hours."""
    return any(c.hours is not None for c in s.channels.values())


def day_blocks(hours: Sequence[WorkingHours]) -> list[Block]:
    """Every (weekday, start, end) the blocks open, sorted."""
    return sorted((d, b.start, b.end) for b in hours for d in b.day_indices)


def next_open(blocks: Sequence[Block], week_s: float) -> float:
    """Seconds from week time ``week_s`` (0 = Monday 00:00) to the next opening.

    Zero if open at ``week_s``; ``inf`` if ``blocks`` is empty (never opens).
    """
    if not blocks:
        return math.inf
    w = week_s % WEEK_S
    day = int(w // DAY_S)
    tod = w - day * DAY_S
    best = math.inf
    for d, start, end in blocks:
        ahead = (d - day) % 7
        if ahead == 0:
            if start - EPS_S <= tod < end:
                return 0.0
            wait = start - tod if tod < start else WEEK_S - tod + start
        else:
            wait = ahead * DAY_S - tod + start
        best = min(best, wait)
    return best


def open_left(blocks: Sequence[Block], week_s: float) -> float:
    """Seconds from week time ``week_s`` to the end of the open block it is in (0: closed)."""
    w = week_s % WEEK_S
    day = int(w // DAY_S)
    tod = w - day * DAY_S
    return max((end - tod for d, start, end in blocks
                if d == day and start - EPS_S <= tod < end), default=0.0)


class OpeningHours:
    """The opening hours of one world's channels (None: a channel always open)."""

    def __init__(self, scenario: Scenario) -> None:
        self.start_s = scenario.start
        self.blocks: list[list[Block] | None] = [
            None if c.hours is None else day_blocks(c.hours) for c in scenario.channels.values()
        ]

    def delay(self, channel: int, t: float) -> float:
        """Seconds from simulation time ``t`` until ``channel`` is open (0: open now)."""
        blocks = self.blocks[channel]
        if blocks is None:
            return 0.0
        return next_open(blocks, t + self.start_s)

    def next_open(self, channel: int, t: float) -> float:
        """The simulation time at or after ``t`` when ``channel`` is next open."""
        return t + self.delay(channel, t)

    def after_open_time(self, channel: int, t: float, open_s: float) -> float:
        """The simulation time when ``channel`` has been open ``open_s`` seconds since
        ``t`` (counting only opening time), strictly inside an open block."""
        blocks = self.blocks[channel]
        if blocks is None:
            return t + open_s
        for _ in range(10_000):  # a guard: each turn passes one open block
            t += next_open(blocks, t + self.start_s)
            if math.isinf(t):
                return t
            left = open_left(blocks, t + self.start_s)
            if open_s < left - 1e-3:  # land inside the block, never on its closing edge
                return t + open_s
            open_s = max(0.0, open_s - left)
            t += max(left, EPS_S)
        return t
