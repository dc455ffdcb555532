"""Outage metrics: the outages table, and what happened during outages vs outside them.

* :func:`outages_table` — one row per outage of a replication (target, kind,
  start and end on the sim clock, duration, clock time of the start);
* :func:`during_outage` — per contact row: did it arrive while something was down;
* :func:`interval_outages` — per reporting interval, the targets down in it (the
  ``outage`` column of the intervals table);
* the KPI group ``"outage"`` (members ``during`` and ``outside``) of
  :func:`sim.metrics.replication_kpis`: the customer KPIs of contacts, and the
  journey KPIs of journeys whose first contact, arrived during an outage or not.
  The difference is the extra latency, recontacts and effort the outages caused
  (the backlog an outage leaves is drained *after* it, so the difference is a lower
  bound; ``servicesim fmea`` measures each failure mode against a baseline
  without it on common random numbers).

Records without outages (``records.outages is None``) give no rows / no group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.records import Records
from sim.scenario.units import format_clock

__all__ = ["OUTAGE_MEMBERS", "during_outage", "interval_outages", "outages_table"]

OUTAGE_MEMBERS: tuple[str, ...] = ("during", "outside")
OUTAGE_TABLE_COLUMNS = ("replication", "target", "kind", "start_s", "end_s", "duration_s",
                        "clock")


def outages_table(records: Records) -> pd.DataFrame | None:
    """One row per outage of the replication, or None if the scenario has no outages."""
    o = records.outages
    if o is None:
        return None
    start = np.asarray(o["start_s"], dtype=float)
    end = np.asarray(o["end_s"], dtype=float)
    return pd.DataFrame({
        "replication": np.full(start.size, records.replication, dtype=np.int64),
        "target": np.asarray(o["target"], dtype=object).astype(str),
        "kind": np.asarray(o["kind"], dtype=object).astype(str),
        "start_s": start,
        "end_s": end,
        "duration_s": end - start,
        "clock": [format_clock(float(t), records.start_s) for t in start],
    }, columns=list(OUTAGE_TABLE_COLUMNS))


def during_outage(records: Records, times: np.ndarray) -> np.ndarray:
    """True where a time lies in ``[start, end)`` of some outage."""
    starts, ends = records.outage_windows()
    t = np.asarray(times, dtype=float)
    out = np.zeros(t.shape, dtype=bool)
    for a, b in zip(starts, ends, strict=False):
        out |= (t >= a) & (t < b)
    return out


def interval_outages(records: Records) -> np.ndarray:
    """Per reporting interval: the targets down at some time in it (``"billing,chat"``)."""
    n = records.n_intervals
    starts = records.interval_starts_s()
    ends = starts + records.interval_s
    flags = [[] for _ in range(n)]  # type: list[list[str]]
    o = records.outages or {}
    for target, a, b in zip(o.get("target", ()), o.get("start_s", ()), o.get("end_s", ()),
                            strict=False):
        for i in np.flatnonzero((starts < b) & (ends > a)):
            if str(target) not in flags[i]:
                flags[i].append(str(target))
    return np.asarray([",".join(f) for f in flags], dtype=object)
