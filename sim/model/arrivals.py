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

import numpy as np

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
        self._channel_of = np.asarray(line_channel, dtype=np.int64)  # line code -> channel
        self.enter = enter
        self.next_journey = 0  # id of the next fresh customer's journey
        # the arrivals due next (a chunk of a day's batch) and the first not yet made
        self._cols: tuple = ()
        self._i = 0
        env.set_feed(self._arrive_batch)

    def start(self, end_s: float) -> None:
        """Schedule the start of every day of demand before ``end_s``."""
        env = self.env
        for day_start, day_end in self.demand.day_edges(end_s):
            env.call(max(0.0, day_start - env.now), partial(self._start_day, day_start, day_end))

    def _start_day(self, day_start: float, day_end: float) -> None:
        batch = self.demand.batch(day_start, day_end)
        if not len(batch):
            return
        cols = self._cols = _arrival_chunk(batch, 0, self._channel_of)
        self._i = 0
        self.env.feed(cols[0][0] - self.env.now)

    def _arrive_batch(self) -> float | None:
        """The clock's feed: the customers due now enter; returns the delay to the next
        ones (None: the day has no more)."""
        cols, i = self._cols, self._i
        times, channels, intents, segments, patience, handle, batch, stop = cols
        now = self.env.now
        n = len(times)
        enter = self.enter
        # Several contacts may share a timestamp; take them all in order.
        while True:
            journey = self.next_journey
            self.next_journey = journey + 1
            enter(channels[i], intents[i], segments[i], patience[i], handle[i], journey)
            i += 1
            if i == n:  # this chunk is done: on to the next one, if the day has more
                if stop >= len(batch):
                    return None
                cols = _arrival_chunk(batch, stop, self._channel_of)
                times, channels, intents, segments, patience, handle, batch, stop = cols
                n = len(times)
                i = 0
            if times[i] > now:
                break
        self._cols, self._i = cols, i
        return times[i] - now


def _arrival_chunk(batch: ArrivalBatch, start: int, channel_of: np.ndarray) -> tuple:
    """Rows ``start`` .. ``start + ARRIVAL_CHUNK`` of a day's arrivals as Python lists
    (time, channel, intent, segment, patience, handle time), followed by the batch and
    where the next chunk starts."""
    stop = start + ARRIVAL_CHUNK
    return (
        batch.time_s[start:stop].tolist(),
        channel_of[batch.line[start:stop]].tolist(),
        batch.intent[start:stop].tolist(),
        batch.segment[start:stop].tolist(),
        batch.patience_s[start:stop].tolist(),
        batch.handle_s[start:stop].tolist(),
        batch,
        stop,
    )
