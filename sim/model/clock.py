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
beside them: :meth:`Clock.step` and :meth:`Clock.run` fire both kinds.

:meth:`Clock.run` plays the queue in one loop (SimPy's calls :meth:`step` per
event), stopping at ``until`` the way SimPy does: an urgent stop entry at that time
comes before every ordinary event due then.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority


class _Stop(Exception):
    """Raised by the stop entry :meth:`Clock.run` schedules at ``until``."""


def _stop() -> None:
    raise _Stop


class Clock(simpy.Environment):
    """A SimPy environment that also runs plain callables at given times."""

    def call(self, delay: float, action: Callable[[], object]) -> None:
        """Run ``action()`` ``delay`` (>= 0) seconds from now, ordered among the events
        due then exactly as a ``Timeout(delay)`` made now with that callback."""
        queue: list[Any] = self._queue
        heappush(queue, (self._now + delay, NORMAL, next(self._eid), action))

    def step(self) -> None:
        """Fire the next entry of the queue: a timed call, or a SimPy event."""
        try:
            self._now, _, _, entry = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        if isinstance(entry, Event):
            _fire(self, entry)
        else:
            entry()

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
        try:
            while True:
                self._now, _, _, entry = heappop(queue)
                if isinstance(entry, Event):
                    _fire(self, entry)
                else:
                    entry()
        except _Stop:
            return None


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
