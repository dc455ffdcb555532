"""The clock: SimPy's environment, with timed calls that cost no event object.

The model drives everything with callbacks at given times (an arrival, a patience
running out, a handle time ending, a shift step), never with generator processes,
so it does not need what a SimPy ``Timeout`` carries (a value, a callback list, a
failure state, a back-reference to the environment). :meth:`Clock.call` puts the
callable itself in SimPy's event queue, under the same key a ``Timeout`` would
have: ``(now + delay, NORMAL, next event id)``. Timed calls and SimPy events share
one queue and one id counter, so every event fires at the same time and in the
same order as it would as a ``Timeout`` with that callback, and results are
unchanged to the last bit. SimPy events (``env.timeout``, processes) still work
beside them: :meth:`Clock.schedule` queues each as a timed call that fires it.

The *feed* is one chain of timed calls kept beside the queue: the arrivals of fresh
customers (:mod:`sim.model.arrivals`), of which one is pending at a time. Its entry
has the key it would have in the queue (time, NORMAL, an id taken from the same
counter when it is scheduled) and is compared with the queue's head, so it fires in
the same order, without a push and a pop per arrival.

:meth:`Clock.run` plays the queue in one loop (SimPy's calls :meth:`step` per
event), stopping at ``until`` the way SimPy does: an urgent stop entry at that time
comes before every ordinary event due then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from heapq import heappop, heappush
from operator import attrgetter
from typing import Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority

INF = math.inf


class _Stop(Exception):
    """Raised by the stop entry :meth:`Clock.run` schedules at ``until``."""


def _stop() -> None:
    raise _Stop


class Clock(simpy.Environment):
    """A SimPy environment that also runs plain callables at given times."""

    # the current time, read without a Python frame (SimPy's property runs one)
    now = property(attrgetter("_now"), doc="The current simulation time.")  # type: ignore[assignment]

    def __init__(self, initial_time: float = 0.0) -> None:
        super().__init__(initial_time)
        # the feed (see :meth:`feed`): when its next entry is due and its event id
        self._feed_t = INF
        self._feed_id = 0
        self._feed_action: Callable[[], float | None] = _no_feed

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """Schedule a SimPy event (as SimPy does), wrapped as a timed call that fires it."""
        queue: list[Any] = self._queue
        heappush(queue, (self._now + delay, priority, next(self._eid), partial(_fire, self, event)))

    def call(self, delay: float, action: Callable[[], object]) -> None:
        """Run ``action()`` ``delay`` (>= 0) seconds from now, ordered among the events
        due then exactly as a ``Timeout(delay)`` made now with that callback."""
        queue: list[Any] = self._queue
        heappush(queue, (self._now + delay, NORMAL, next(self._eid), action))

    def set_feed(self, action: Callable[[], float | None]) -> None:
        """Make ``action`` the clock's feed: a chain of timed calls of which at most one
        is pending at a time, kept beside the queue rather than in it. Each call returns
        the delay to the next one (None: none for now; :meth:`feed` starts it again)."""
        self._feed_action = action

    def feed(self, delay: float) -> None:
        """Call the feed ``delay`` (>= 0) seconds from now: :meth:`call` for the feed,
        which must have nothing pending."""
        self._feed_t = self._now + delay
        self._feed_id = next(self._eid)

    def _feed_due(self, head: tuple) -> bool:
        """True if the feed's pending call comes before the queue's ``head``."""
        t = self._feed_t
        return t < head[0] or (t == head[0] and head[1] == NORMAL and self._feed_id < head[2])

    def step(self) -> None:
        """Fire the next entry: the feed's call, a timed call, or a SimPy event."""
        queue: list[Any] = self._queue
        if self._feed_t < INF and (not queue or self._feed_due(queue[0])):
            self._now, self._feed_t = self._feed_t, INF
            delay = self._feed_action()
            if delay is not None:
                self.feed(delay)
            return
        try:
            self._now, _, _, action = heappop(queue)
        except IndexError:
            raise EmptySchedule from None
        action()

    def run(self, until: Any = None) -> Any:
        """Play the queue up to ``until`` (a time; or an event, or None, as in SimPy)."""
        if until is None or isinstance(until, Event):
            return super().run(until)
        at = float(until)
        if at <= self._now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        # the same key SimPy gives its stop event: before the ordinary events due then
        queue: list[Any] = self._queue
        heappush(queue, (self._now + (at - self._now), URGENT, next(self._eid), _stop))
        feed = self._feed_action
        try:
            while True:  # the stop entry keeps the queue from running empty
                head = queue[0]
                t = self._feed_t
                if t < head[0] or (t == head[0] and head[1] == NORMAL
                                   and self._feed_id < head[2]):
                    self._now = t
                    self._feed_t = INF
                    delay = feed()
                    if delay is not None:  # the next call: as :meth:`feed` would
                        self._feed_t = t + delay
                        self._feed_id = next(self._eid)
                    continue
                self._now, _, _, action = heappop(queue)
                action()
        except _Stop:
            return None


def _no_feed() -> float | None:
    raise RuntimeError("the clock has no feed")


def _fire(env: simpy.Environment, event: Event) -> None:
    """Run a SimPy event's callbacks, as :meth:`simpy.Environment.step` does."""
    callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
    try:
        for callback in callbacks:  # type: ignore[union-attr]
            callback(event)
    except StopSimulation:
        # give the rest of the callbacks back and fire them first when play resumes
        event.callbacks = callbacks[callbacks.index(callback) + 1:]  # type: ignore[index]
        env.schedule(event, EventPriority(-1))
        raise
    if not event._ok and not hasattr(event, "_defused"):
        exc = type(event._value)(*event._value.args)
        exc.__cause__ = event._value
        raise exc
