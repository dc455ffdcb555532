"""Outage summary: how often things went down, for how long, and what it did to customers.

The KPI frame's ``outage`` group (see :mod:`sim.metrics.outages`) already splits the
customer contacts by whether they arrived while something was down (``during``) or
not (``outside``). This module adds what a council needs next to it:

* :func:`outage_log_frame` — per replication, the tidy rows of group ``"outage_log"``:
  member ``"all"`` with ``outages`` (outages overlapping the measured window),
  ``downtime_s`` (their summed time down inside the measured window; overlapping
  outages count twice) and ``any_down_s`` (time inside the measured window during
  which at least one target was down); and one member per outage of the scenario
  (``"0"``, ``"1"``, ... its index in ``outages``) with ``outages`` and
  ``downtime_s`` — for a random outage, the failures it caused in the replication.
  Replications without a failure give zeros, so the means and CIs count them.
* :func:`outage_summary` — the ``by_outage`` block of ``summary.json``::

    "by_outage": {
        "during": {KPI: {"mean": x, "ci95": [lo, hi]}}, "outside": {...},
        "per_replication": {"outages": {...}, "downtime_s": {...}, "any_down_s": {...}},
        "outages": [{"target": "billing", "target_kind": "backstage",
                     "kind": "scheduled", "from": "day 1 10:00 (Mon)",
                     "to": "day 1 11:30 (Mon)", "duration_s": 5400.0,
                     "per_replication": {"outages": {...}, "downtime_s": {...}}},
                    {"target": ..., "kind": "random", "mtbf_mean_s": ...,
                     "mttr_mean_s": ..., "per_replication": {...}}],
        "failover": [{"from": "chat", "to": "phone", "share": 0.6,
                      "detection_s": 300.0, "context_loss": 0.3}]}

Which outage a recorded window belongs to comes from the outages table's ``outage``
column (written by :mod:`sim.model.outages`); the number of outages of the scenario
from ``records.outage_specs``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics.outages import OUTAGE_MEMBERS
from sim.metrics.shocks import EVENT_KPIS
from sim.metrics.summary import json_number, kpi_block
from sim.records import Records
from sim.scenario.events import clock_text

__all__ = ["OUTAGE_LOG_GROUP", "OUTAGE_SIDE_KPIS", "outage_log_frame", "outage_summary",
           "target_kind"]

OUTAGE_LOG_GROUP = "outage_log"

#: KPIs kept for each side (during / outside), in display order (those computed are kept).
OUTAGE_SIDE_KPIS: tuple[str, ...] = tuple(k for k in EVENT_KPIS if k != "offered_per_hour")
_ALL_KPIS = ("outages", "downtime_s", "any_down_s")
_SPEC_KPIS = ("outages", "downtime_s")


def _union_s(starts: np.ndarray, ends: np.ndarray) -> float:
    """Length of the union of the intervals ``[starts[i], ends[i])``."""
    total, reach = 0.0, -math.inf
    for a, b in sorted(zip(starts.tolist(), ends.tolist(), strict=True)):
        if b <= reach:
            continue
        total += b - max(a, reach)
        reach = b
    return total


def outage_log_frame(records: Records) -> pd.DataFrame:
    """Tidy rows (``group == "outage_log"``) of one replication (see the module docstring)."""
    o = records.outages or {}
    start = np.asarray(o.get("start_s", ()), dtype=float)
    end = np.asarray(o.get("end_s", ()), dtype=float)
    index = np.asarray(o.get("outage", np.full(start.size, -1)), dtype=np.int64)
    lo = np.clip(start, records.warmup_s, records.end_s)
    hi = np.clip(end, records.warmup_s, records.end_s)
    seen = (start < records.end_s) & (end > records.warmup_s)
    down = np.where(seen, hi - lo, 0.0)
    members = ["all"] * len(_ALL_KPIS)
    values = [float(seen.sum()), float(down.sum()), _union_s(lo[seen], hi[seen])]
    for i in range(len(records.outage_specs)):
        mine = index == i
        members += [str(i)] * len(_SPEC_KPIS)
        values += [float((seen & mine).sum()), float(down[mine].sum())]
    kpis = list(_ALL_KPIS) + list(_SPEC_KPIS) * len(records.outage_specs)
    return pd.DataFrame({
        "group": OUTAGE_LOG_GROUP,
        "member": np.asarray(members, dtype=object),
        "kpi": np.asarray(kpis, dtype=object),
        "value": np.asarray(values, dtype=float),
    })


def _block(rows: pd.DataFrame, member: str, kpis: tuple[str, ...],
           ci_key: str) -> dict[str, dict[str, Any]]:
    return kpi_block(rows[rows["member"].astype(str) == member], ci_key, kpis)


def target_kind(scenario: Any, target: str) -> str:
    """``backstage``, ``channel`` or ``pool``: what an outage's target is."""
    if target in (getattr(scenario, "backstage", None) or {}):
        return "backstage"
    return "channel" if target in scenario.channels else "pool"


def describe_spec(scenario: Any, outage: Any) -> dict[str, Any]:
    """The scenario facts of one outage (target, kind, window or mtbf/mttr)."""
    entry: dict[str, Any] = {"target": outage.target,
                             "target_kind": target_kind(scenario, outage.target)}
    if outage.scheduled:
        t0 = float(outage.at) - scenario.start
        entry.update(kind="scheduled", **{"from": clock_text(t0, scenario.start)},
                     to=clock_text(t0 + float(outage.for_), scenario.start),
                     duration_s=json_number(outage.for_))
    else:
        entry.update(kind="random", mtbf_mean_s=json_number(outage.mtbf.mean_s),
                     mttr_mean_s=json_number(outage.mttr.mean_s))
    if entry["target_kind"] == "pool":
        entry["share"] = json_number(outage.share)
    if outage.description:
        entry["description"] = outage.description
    return entry


def outage_summary(summary_df: pd.DataFrame, scenario: Any) -> dict[str, Any]:
    """The ``by_outage`` block of ``summary.json`` (see the module docstring).

    Parameters
    ----------
    summary_df : pandas.DataFrame
        Output of :func:`sim.metrics.summarize` over the run's KPI frames.
    scenario : Scenario
        The scenario run (for the outages' targets, windows and the failover rules).
    """
    confidence = float(summary_df.attrs.get("confidence", 0.95))
    ci_key = f"ci{round(confidence * 100):d}"
    sides = summary_df[summary_df["group"] == "outage"]
    log = summary_df[summary_df["group"] == OUTAGE_LOG_GROUP]
    out: dict[str, Any] = {m: _block(sides, m, OUTAGE_SIDE_KPIS, ci_key)
                           for m in OUTAGE_MEMBERS}
    out["per_replication"] = _block(log, "all", _ALL_KPIS, ci_key)
    out["outages"] = [
        {**describe_spec(scenario, outage),
         "per_replication": _block(log, str(i), _SPEC_KPIS, ci_key)}
        for i, outage in enumerate(scenario.outages)]
    out["failover"] = [
        {"from": fo.from_, "to": fo.to, "share": json_number(fo.share),
         "detection_s": json_number(fo.detection), "context_loss": json_number(fo.context_loss)}
        for fo in scenario.failover]
    return out
