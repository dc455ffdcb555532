"""Backlog at the start: emails already waiting when the run begins.

Each ``initial_backlog`` entry of the scenario (:class:`sim.scenario.operations.Backlog`)
puts ``count`` contacts in the queue of its (email) channel at time 0, before any
fresh arrival. A contact of age ``a`` has arrival time ``-a``: its wait, and the
journey's latency, count from then, and it is served by the usual rules (live work
first, then segment priority, then the oldest first: the backlog is taken oldest
first, ahead of the emails that arrive later). Intents and segments not named in
the entry follow the declared shares, as for a demand line.

Window rule: backlog contacts belong to the warm-up (they were not offered inside
the measured window); with ``warmup: 0s`` there is no warm-up and they are in the
measured window (their ``in_window`` is set, counted as tried at time 0).

Draws: the entry's own streams (``backlog/<i>`` for ages, intents and segments;
``backlog-handle/<intent>/<channel>`` for handle times), so adding a backlog changes
no other draw. A scenario without ``initial_backlog`` builds nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.model.context import Codes
from sim.model.streams import Streams
from sim.scenario.schema import Scenario


class BacklogItem(NamedTuple):
    """One contact waiting at time 0."""

    age_s: float
    channel: int
    intent: int
    segment: int
    handle_s: float


def _mix(named: str | None, declared: dict, codes: dict[str, int],
         rng: np.random.Generator, n: int) -> np.ndarray:
    if named is not None:
        return np.full(n, codes[named], dtype=np.int64)
    names = list(declared)
    if len(names) <= 1:
        return np.full(n, codes[names[0]] if names else 0, dtype=np.int64)
    p = np.array([declared[k].share or 0.0 for k in names], dtype=float)
    p = p / p.sum() if p.sum() > 0 else np.full(len(names), 1.0 / len(names))
    return np.array([codes[k] for k in names], dtype=np.int64)[rng.choice(len(names), n, p=p)]


def backlog_items(s: Scenario, streams: Streams, codes: Codes) -> list[BacklogItem]:
    """Every backlog contact of the scenario, the oldest first."""
    items: list[BacklogItem] = []
    intent_names = list(s.intents)
    segment_codes = codes.segment if s.segments else {}
    for i, b in enumerate(s.initial_backlog):
        if b.count <= 0:
            continue
        rng = streams.get(f"backlog/{i}")
        n = b.count
        ages = (np.zeros(n) if b.age is None
                else np.maximum(0.0, np.asarray(b.age.sample(rng, n), dtype=float)))
        intents = _mix(b.intent, s.intents, codes.intent, rng, n)
        segments = (_mix(b.segment, s.segments, segment_codes, rng, n) if s.segments
                    else np.zeros(n, dtype=np.int64))
        handles = np.empty(n)
        for ii in np.unique(intents):
            rows = intents == ii
            name = intent_names[ii]
            dist = s.intents[name].handle_time_on(b.channel)
            hrng = streams.get(f"backlog-handle/{name}/{b.channel}")
            handles[rows] = dist.sample(hrng, int(rows.sum()))
        ch = codes.channel[b.channel]
        items.extend(BacklogItem(float(a), ch, int(k), int(g), float(h))
                     for a, k, g, h in zip(ages, intents, segments, handles, strict=True))
    items.sort(key=lambda it: -it.age_s)  # stable: ties keep the scenario's order
    return items
