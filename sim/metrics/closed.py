"""Out-of-hours demand: customers who tried a channel while it was closed.

The model records every such try with its fate (:mod:`sim.model.closed`): the
customer came back when the channel was open, gave up (lost), or was deflected to
a self-service or bot channel. Tries made in the measured window count, by the
channel tried and the customer's segment and intent:

out_of_hours
    tries on a closed channel (a customer who tries twice counts twice);
out_of_hours_lost
    of those, customers who gave up (no contact was made);
out_of_hours_deflected
    of those, customers sent to self-service or a bot at once.

The customers who came back are contacts like any other (offered, answered, ...),
their night counted in the journey's resolution latency. Scenarios without opening
hours report none of these KPIs.
"""

from __future__ import annotations

import numpy as np

from sim.metrics.context import KpiContext

__all__ = ["OUT_OF_HOURS_KPIS", "out_of_hours_kpis"]

OUT_OF_HOURS_KPIS = ("out_of_hours", "out_of_hours_lost", "out_of_hours_deflected")
_LOST, _DEFLECTED = 1, 2  # sim.model.closed.LOST, DEFLECTED (metrics imports no model)


def out_of_hours_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``out_of_hours``, ``..._lost``, ``..._deflected`` (all, channel, segment, intent)."""
    r = ctx.records
    tries = r.closed_tries
    if tries is None or group not in ("all", "channel", "segment", "intent"):
        return {}
    tried = np.asarray(tries["tried_s"], dtype=float)
    keep = (tried >= r.warmup_s) & (tried < r.end_s)
    n = len(ctx.names(group))
    codes = (np.zeros(tried.size, dtype=np.int64) if group == "all"
             else np.asarray(tries[group], dtype=np.int64))
    fate = np.asarray(tries["fate"])

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n).astype(float)

    return {"out_of_hours": count(keep),
            "out_of_hours_lost": count(keep & (fate == _LOST)),
            "out_of_hours_deflected": count(keep & (fate == _DEFLECTED))}
