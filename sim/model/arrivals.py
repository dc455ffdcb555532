"""Arrival playback: fresh customers from the demand lines, fed into the world in time.

:class:`sim.model.demand.Demand` draws a whole day of arrivals at once, as numpy
columns (time, demand line, intent, segment, patience, handle time). Playback
turns them into SimPy events: at the start of each day it draws the day's batch,
converts it to Python numbers :data:`ARRIVAL_CHUNK` rows at a time, and chains one
timeout per distinct arrival time; contacts that share a timestamp enter together,
in order, in one callback. Each fresh customer starts a new journey (ids 0, 1, 2, ...
in arrival order) and enters the world through one callable: straight into a queue
(:meth:`sim.model.world.World.arrive`) or, when journeys are modelled, through the
journey machine (:meth:`sim.model.journeys.Journeys.enter`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from sim.model.clock import Clock
from sim.model.demand import ArrivalBatch, Demand

#: Arrivals of a day converted to Python numbers at a time (a whole day of them would
#: hold ~120 bytes per contact of the day in Python floats and lists).
ARRIVAL_CHUNK = 2048

#: ``enter(channel, intent, segment, patience_s, handle_s, journey)``
Enter = Callable[[int, int, int, float, float, int], object]


class Arrivals:
    """Plays the demand's arrivals day by day into ``enter``.

    Args:
        env: the world's SimPy environment.
        demand: the demand lines, which draw each day's arrivals.
        line_channel: channel code of each demand line.
        enter: where a fresh customer goes.
    """

    def __init__(self, env: Clock, demand: Demand, line_channel: Sequence[int],
                 enter: Enter) -> None:
        self.env = env
        self.demand = demand
        self.line_channel = line_channel
        self.enter = enter
        self.next_journey = 0  # id of the next fresh customer's journey

    def start(self, end_s: float) -> None:
        """Schedule the start of every day of demand before ``end_s``."""
        env = self.env
        for day_start, day_end in self.demand.day_edges(end_s):
            env.call(max(0.0, day_start - env.now), partial(self._start_day, day_start, day_end))

    def _start_day(self, day_start: float, day_end: float) -> None:
        batch = self.demand.batch(day_start, day_end)
        if not len(batch):
            return
        self._chain(_arrival_chunk(batch, 0), 0)

    def _chain(self, cols: tuple, i: int) -> None:
        env = self.env
        times = cols[0]
        env.call(times[i] - env.now, partial(self._arrive_batch, cols, i))

    def _arrive_batch(self, cols: tuple, i: int) -> None:
        times, lines, intents, segments, patience, handle, batch, stop = cols
        now = self.env.now
        n = len(times)
        # Several contacts may share a timestamp; take them all in order.
        while True:
            journey = self.next_journey
            self.next_journey += 1
            self.enter(
                self.line_channel[lines[i]], intents[i], segments[i], patience[i], handle[i],
                journey,
            )
            i += 1
            if i >= n:  # this chunk is done: on to the next one, if the day has more
                if stop >= len(batch):
                    return
                cols = _arrival_chunk(batch, stop)
                times, lines, intents, segments, patience, handle, batch, stop = cols
                n = len(times)
                i = 0
            if times[i] > now:
                break
        self._chain(cols, i)


def _arrival_chunk(batch: ArrivalBatch, start: int) -> tuple:
    """Rows ``start`` .. ``start + ARRIVAL_CHUNK`` of a day's arrivals as Python lists,
    followed by the batch and where the next chunk starts."""
    stop = start + ARRIVAL_CHUNK
    return (
        batch.time_s[start:stop].tolist(),
        batch.line[start:stop].tolist(),
        batch.intent[start:stop].tolist(),
        batch.segment[start:stop].tolist(),
        batch.patience_s[start:stop].tolist(),
        batch.handle_s[start:stop].tolist(),
        batch,
        stop,
    )
