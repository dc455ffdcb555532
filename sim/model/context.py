"""The shared context of one replication: what every part of the world reads.

The world (:mod:`sim.model.world`) builds one :class:`ModelContext` and hands it to
each part it wires (journeys, handoffs, backstage systems, outages, field visits).
The context holds data and the clock, nothing that calls back into the world:
a part gets the few world callbacks it needs (``arrive``, ``finish``, ``release``,
...) and the other parts it uses as explicit constructor arguments, so data flows
one way and no part imports the world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from sim.model.clock import Clock
from sim.model.recorder import Recorder
from sim.model.streams import Streams
from sim.scenario.schema import Scenario


class Codes(NamedTuple):
    """Name -> code of the scenario's channels, intents, segments and pools (codes
    follow the scenario's order; ``default`` is the one segment of a scenario without)."""

    channel: dict[str, int]
    intent: dict[str, int]
    segment: dict[str, int]
    pool: dict[str, int]


@dataclass(frozen=True)
class ModelContext:
    """The clock, scenario, random streams, recorder and name codes of one replication."""

    env: Clock
    scenario: Scenario
    streams: Streams
    rec: Recorder
    codes: Codes
    channel_names: tuple[str, ...]
    intent_names: tuple[str, ...]
    segment_names: tuple[str, ...]
    pool_names: tuple[str, ...]
    end_s: float  # the end of the horizon (the follow-up, ``run_out``, comes after it)

    def after(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` (no arguments) ``delay`` seconds from now."""
        self.env.call(delay, action)


class Arrive(Protocol):
    """The world's ``arrive`` (:meth:`sim.model.world.World.arrive`): a live contact or
    piece of work comes in on ``channel`` and is answered, blocked or queued in ``pools``
    (None: the entry pools). Returns its contact row (-1: its channel is closed and it
    arrives when it opens)."""

    def __call__(self, channel: int, intent: int, segment: int, patience: float,
                 handle: float, journey: int, step: int = 0,
                 pools: tuple[int, ...] | None = None, attempt: int = 0,
                 repeated: bool = False, offline: bool = False) -> int: ...
