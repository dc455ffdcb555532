"""Headcount steps: which agents join, leave at once or finish first, at a cost in
proportion to the agents that change."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import numpy as np

from sim.model.routing import Agent, PoolState, valid_idle
from sim.model.staffing import last_idle
from sim.model.world import World
from sim.scenario.schema import Scenario


def _world(agents: int) -> World:
    sc = Scenario.model_validate({
        "name": "staffing", "horizon": "1h", "warmup": "0s", "replications": 1, "seed": 1,
        "channels": {"phone": {"kind": "voice"}},
        "demand": [{"channel": "phone", "rate": "1/h"}],
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "1min"}}},
        "pools": {"agents": {"size": agents, "channels": ["phone"]}},
    })
    return World(sc, 0)


class _CountingDict(dict):
    """The pool's agents, counting the agents any walk over them looks at."""

    seen = 0

    def __iter__(self) -> Iterator:
        for agent in super().__iter__():
            self.seen += 1
            yield agent

    def __reversed__(self) -> Iterator:
        for agent in super().__reversed__():
            self.seen += 1
            yield agent


def _busy(world: World, agents: list[Agent]) -> None:
    for agent in agents:  # as if each had answered a contact
        world.router.take(agent)
        agent.load = 1


def test_idle_agents_that_joined_last_leave_and_the_first_busy_ones_finish() -> None:
    world = _world(6)
    st, pool = world.staffing, world.pools[0]
    st.set_headcount(0, 6)
    a = list(pool.agents)
    _busy(world, [a[1], a[3], a[4]])
    st.set_headcount(0, 2)  # the idle a0, a2, a5 leave at once, and a1 is asked to
    assert list(pool.agents) == [a[1], a[3], a[4]]
    assert [x.leaving for x in pool.agents] == [True, False, False]
    assert pool.active == 2 and pool.n_idle == 0
    st.set_headcount(0, 4)  # a1 stays after all, and one new agent joins
    assert not a[1].leaving and pool.active == 4 and len(pool.agents) == 4
    assert list(pool.agents)[-1] not in a


def test_a_shift_end_in_a_fully_busy_pool_looks_at_the_agents_that_change() -> None:
    world = _world(1)
    st, pool = world.staffing, world.pools[0]
    pool.agents = counted = _CountingDict(pool.agents)
    st.set_headcount(0, 20_000)
    _busy(world, list(pool.agents))
    first = list(pool.agents)[:3]
    counted.seen = 0
    for n in (19_999, 19_998, 19_997):  # one busy agent asked to leave at a time
        st.set_headcount(0, n)
    assert [x.leaving for x in first] == [True, True, True]
    assert counted.seen <= 10  # the first busy agents (and those leaving), not 20,000
    last = list(pool.agents)[-3:]
    for agent in last:
        agent.load = 0
        world.router.make_idle(agent, 0.0)
    counted.seen = 0
    st.set_headcount(0, 19_995)  # two idle agents leave at once: the last to join
    assert counted.seen <= 10 and list(pool.agents)[-1] is last[0]


def test_last_idle_agents_from_either_walk_are_the_last_to_join() -> None:
    rng = np.random.default_rng(3)
    for idle_share in (0.9, 0.002):  # walks the agents / reads the idle line
        world = _world(1)
        st, pool = world.staffing, world.pools[0]
        st.set_headcount(0, 2_000)
        agents = list(pool.agents)
        busy = rng.random(len(agents)) >= idle_share
        _busy(world, [x for x, b in zip(agents, busy, strict=True) if b])
        pool.idle = deque(e for e in pool.idle if valid_idle(e))  # as routing compacts it
        want = [x for x in reversed(agents) if x.load == 0][:3]
        assert pool.n_idle == len([x for x in agents if x.load == 0]) >= 3
        line_is_shorter = len(pool.idle) * pool.n_idle < 3 * len(pool.agents)
        assert line_is_shorter == (idle_share < 0.5)
        assert last_idle(pool, 3) == want


def test_last_idle_of_none() -> None:
    assert last_idle(PoolState(0, "p", frozenset(), [1.0], {}), 0) == []
