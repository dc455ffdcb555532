"""The clock: timed calls fire at the time and in the order SimPy timeouts would."""

from __future__ import annotations

import pytest
import simpy

from sim.model.clock import Clock


def _story(env: simpy.Environment, timed_call: bool) -> list[tuple[float, str]]:
    """Timeouts due at the same times, scheduled in a known order, some from callbacks;
    with ``timed_call`` half of them are :meth:`Clock.call` entries instead."""
    log: list[tuple[float, str]] = []

    def at(delay: float, name: str, then: tuple = ()) -> None:
        def fire() -> None:
            log.append((env.now, name))
            for d, n in then:
                at(d, n)
        if timed_call and name.startswith("c"):
            assert isinstance(env, Clock)
            env.call(delay, fire)
        else:
            env.timeout(delay).callbacks.append(lambda _e: fire())

    at(2.0, "c1", ((0.0, "t5"), (1.0, "c6")))
    at(2.0, "t2", ((0.0, "c7"),))
    at(3.0, "c3")
    at(3.0, "t4", ((0.0, "c8"), (2.0, "t9")))
    at(5.0, "c10")  # due exactly at the stop: after it, as in SimPy
    env.run(until=5.0)
    log.append((env.now, "stop"))
    env.run(until=10.0)
    return log


def test_timed_calls_keep_simpy_order() -> None:
    plain = _story(simpy.Environment(), timed_call=False)
    mixed = _story(Clock(), timed_call=True)
    assert mixed == plain
    names = [n for _, n in mixed]
    # same-time entries fire in the order scheduled; the stop comes before what is due then
    assert names == ["c1", "t2", "t5", "c7", "c3", "t4", "c6", "c8", "stop", "c10", "t9"]


def test_step_and_run_without_until() -> None:
    env = Clock()
    log: list[float] = []
    env.call(1.5, lambda: log.append(env.now))
    env.timeout(0.5).callbacks.append(lambda _e: log.append(env.now))
    env.step()
    assert log == [0.5]
    env.run()
    assert log == [0.5, 1.5]
    with pytest.raises(ValueError, match="until"):
        env.run(until=1.0)


def test_feed_fires_in_queue_order() -> None:
    """A feed entry (one pending at a time) fires where the same chain of timeouts would."""
    arrivals = [0.0, 1.0, 1.0, 2.0, 3.0, 5.0]

    def story(env: simpy.Environment, use_feed: bool) -> list[tuple[float, str]]:
        log: list[tuple[float, str]] = []
        k = [0]

        def arrive() -> float | None:
            i = k[0]
            log.append((env.now, f"a{i}"))
            if i % 2 and i + 1 < len(arrivals):  # work due at the next arrival's time
                env.timeout(arrivals[i + 1] - env.now).callbacks.append(
                    lambda _e: log.append((env.now, f"w{i}")))
            k[0] = i + 1
            if k[0] == len(arrivals):
                return None
            nxt = arrivals[k[0]] - env.now
            if use_feed:  # the feed returns the delay to its next call
                return nxt
            env.timeout(nxt).callbacks.append(lambda _e: arrive())
            return None

        env.timeout(2.0).callbacks.append(lambda _e: log.append((env.now, "t2")))
        if use_feed:
            assert isinstance(env, Clock)
            env.set_feed(arrive)
            env.feed(0.0)
        else:
            env.timeout(0.0).callbacks.append(lambda _e: arrive())
        env.run(until=5.0)  # the arrival due at 5 comes after the stop
        log.append((env.now, "stop"))
        env.run(until=6.0)
        return log

    plain = story(simpy.Environment(), use_feed=False)
    assert story(Clock(), use_feed=True) == plain
    # same-time entries in the order scheduled: w1 (scheduled before a2) comes first
    assert [n for _, n in plain] == ["a0", "a1", "w1", "a2", "t2", "a3", "w3", "a4", "stop",
                                     "a5"]


def test_feed_through_step() -> None:
    """Played step by step (``run()`` without ``until``), the feed keeps its place too."""
    env = Clock()
    log: list[float] = []
    gaps = iter([1.0, 1.0, 2.5])

    def fire() -> float | None:
        log.append(env.now)
        return next(gaps, None)

    env.set_feed(fire)
    env.feed(0.5)
    env.call(1.5, lambda: log.append(-env.now))  # scheduled before the feed's call at 1.5
    env.run()
    assert log == [0.5, -1.5, 1.5, 2.5, 5.0]
