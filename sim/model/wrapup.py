"""After-call work (wrap-up): the agent's time after the customer has left.

An intent's ``after_call_work`` (or ``after_call_work_by_channel``) is drawn each
time an agent finishes a piece of work of that intent on that channel (a call, a
chat, an email, a handoff piece). The contact ends for the customer when the
handling ends (``end_s`` and ``handle_s`` exclude the wrap-up); the agent stays
busy for the wrap-up, holding the contact's slot (a chat agent wraps up one chat
while the others go on), and takes the next contact only after it. So utilisation
and occupancy include it, and ``aht_s`` in the KPIs is talk + wrap-up as planners
read it (:mod:`sim.metrics.kpis`).

Each (intent, channel) with wrap-up draws from its own stream
``acw/<intent>/<channel>``, so adding wrap-up changes no other draw (common random
numbers). A scenario without ``after_call_work`` builds no :class:`AfterCallWork`
and plays exactly as before.
"""

from __future__ import annotations

import numpy as np

from sim.model.streams import Sampler, Streams
from sim.scenario.schema import Scenario


def uses_wrapup(s: Scenario) -> bool:
    """True if some intent has after-call work."""
    return any(i.after_call_work is not None or i.after_call_work_by_channel
               for i in s.intents.values())


class AfterCallWork:
    """Wrap-up draws of one replication, and the wrap-up each contact row got."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        channels = tuple(scenario.channels)
        self.samplers: dict[tuple[int, int], Sampler] = {}
        for ii, (iname, intent) in enumerate(scenario.intents.items()):
            for ci, cname in enumerate(channels):
                dist = intent.after_call_work_on(cname)
                if dist is not None and float(dist.mean_s) > 0:
                    self.samplers[(ci, ii)] = Sampler(
                        dist, streams.get(f"acw/{iname}/{cname}"))
        self.acw: dict[int, float] = {}  # row -> its wrap-up (rows with some only)

    def draw(self, row: int, channel: int, intent: int) -> float:
        """The wrap-up after ``row`` (0: none); it is recorded for the row."""
        sampler = self.samplers.get((channel, intent))
        if sampler is None:
            return 0.0
        acw = sampler.next()
        if acw > 0:
            self.acw[row] = acw
        return acw

    def column(self, n: int) -> np.ndarray:
        """Wrap-up seconds of each of ``n`` contact rows (0: none, or not handled)."""
        out = np.zeros(n)
        if self.acw:
            rows = np.fromiter(self.acw.keys(), dtype=np.int64, count=len(self.acw))
            out[rows] = np.fromiter(self.acw.values(), dtype=float, count=len(self.acw))
        return out
