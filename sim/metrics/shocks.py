"""Demand-shock metrics: the operation's KPIs inside each shock's window versus outside.

A service level missed during a billing error that tripled billing calls says
something else than one missed on an ordinary Tuesday. For every demand shock of
the scenario (``events``, see :mod:`sim.scenario.events`) this module splits the
customer contacts of the measured window by their arrival time: *inside* the
shock's window ``[start, end)`` or *outside* it (the rest of the measured window,
which may hold other shocks). Each side gets the customer KPIs of
:mod:`sim.metrics.kpis` — journey KPIs by the journey's first contact, as for the
``outage`` group — plus ``offered_per_hour`` (offered contacts per measured hour of
that side, since the two sides last different times).

In the tidy KPI frame the rows have ``group == "event"`` and ``member ==
"<shock>/inside"`` or ``"<shock>/outside"`` (shock names cannot hold a ``/``);
:func:`event_summary` reshapes their summary into the ``by_event`` block of
``summary.json``::

    "by_event": {"billing_error": {
        "window": [start_s, end_s], "from": "day 2 09:00 (Tue)", "to": ...,
        "selection": {"intent": ["billing"]}, "shape": "decay", "peak": 2.5,
        "arrivals_multiplier": 1.51,
        "inside": {KPI: {"mean": x, "ci95": [lo, hi]}}, "outside": {...}}}

``arrivals_multiplier`` is the shock's multiplier averaged over its window: the
factor on the expected arrivals of the demand it selects.

The shock windows come from the records (``records.extra["events"]``: ``name``,
``start_s``, ``end_s`` on the simulation clock), written by the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.metrics.context import Family, KpiContext
from sim.metrics.summary import json_number, kpi_block
from sim.records import Records
from sim.scenario.events import SELECTORS, clock_text
from sim.scenario.schema import Scenario

__all__ = ["EVENT_KPIS", "EVENT_MEMBERS", "event_frames", "event_summary", "event_windows"]

EVENT_MEMBERS: tuple[str, ...] = ("inside", "outside")

#: KPIs kept for each side of a shock, in display order (those computed are kept).
EVENT_KPIS: tuple[str, ...] = (
    "offered",
    "offered_per_hour",
    "handled",
    "journeys",
    "abandon_rate",
    "blocked_rate",
    "p_wait",
    "asa_s",
    "mean_wait_s",
    "service_level",
    "aht_s",
    "resolution_latency_s",
    "resolution_latency_s_p90",
    "recontact_rate",
    "fcr",
    "effort_score",
)


def event_windows(records: Records) -> list[tuple[str, float, float]]:
    """``(name, start_s, end_s)`` of every shock recorded (empty without shocks)."""
    facts = getattr(records, "extra", {}).get("events")
    if not facts:
        return []
    return [(str(n), float(a), float(b)) for n, a, b in
            zip(facts["name"], facts["start_s"], facts["end_s"], strict=True)]


class _EventContext(KpiContext):
    """A :class:`KpiContext` whose ``event`` group splits contacts by one shock window.

    It shares the masks and the (cached) journey fold of the context it is made
    from, so the journeys are folded once however many shocks there are.
    """

    def __init__(self, base: KpiContext) -> None:  # no super(): share base's state
        self.__dict__.update(base.__dict__)
        self.inside = np.zeros(base.records.n_contacts, dtype=bool)

    def set_window(self, start_s: float, end_s: float) -> None:
        arrival = np.asarray(self.records.contacts["arrival_s"], dtype=float)
        self.inside = (arrival >= start_s) & (arrival < end_s)

    def names(self, group: str) -> tuple[str, ...]:
        return EVENT_MEMBERS if group == "event" else super().names(group)

    def codes(self, group: str) -> np.ndarray:
        if group == "event":  # 0: arrived inside the window, 1: outside
            return (~self.inside).astype(np.int64)
        return super().codes(group)


def _hours(records: Records, start_s: float, end_s: float) -> tuple[float, float]:
    """Measured hours inside and outside ``[start_s, end_s)``."""
    measured = max(records.end_s - records.warmup_s, 0.0)
    inside = max(min(end_s, records.end_s) - max(start_s, records.warmup_s), 0.0)
    return inside / 3600.0, (measured - inside) / 3600.0


def event_frames(ctx: KpiContext, families: list[Family]) -> list[pd.DataFrame]:
    """Tidy KPI rows (``group == "event"``) of every shock of ``ctx.records``, by the
    KPI ``families`` (:data:`sim.metrics.kpis.FAMILIES`)."""
    ectx = _EventContext(ctx)
    frames = []
    for name, start_s, end_s in event_windows(ctx.records):
        ectx.set_window(start_s, end_s)
        values: dict[str, np.ndarray] = {}
        for family in families:
            values.update(family(ectx, "event"))
        if "offered" in values:
            hours = np.asarray(_hours(ctx.records, start_s, end_s))
            with np.errstate(invalid="ignore", divide="ignore"):
                values["offered_per_hour"] = np.where(hours > 0, values["offered"] / hours,
                                                      np.nan)
        kpis = [k for k in EVENT_KPIS if k in values]
        stacked = np.stack([np.asarray(values[k], dtype=float) for k in kpis], axis=1)
        frames.append(pd.DataFrame({
            "group": "event",
            "member": np.repeat(np.asarray([f"{name}/{m}" for m in EVENT_MEMBERS],
                                           dtype=object), len(kpis)),
            "kpi": np.tile(np.asarray(kpis, dtype=object), len(EVENT_MEMBERS)),
            "value": stacked.ravel(),
        }))
    return frames


def event_summary(summary_df: pd.DataFrame, scenario: Scenario) -> dict[str, Any]:
    """The ``by_event`` block of ``summary.json`` (see the module docstring).

    Parameters
    ----------
    summary_df : pandas.DataFrame
        Output of :func:`sim.metrics.summarize` over the run's KPI frames.
    scenario : Scenario
        The scenario run (for the shocks' windows, selections and shapes).
    """
    confidence = float(summary_df.attrs.get("confidence", 0.95))
    ci_key = f"ci{round(confidence * 100):d}"
    rows = summary_df[summary_df["group"] == "event"]
    out: dict[str, Any] = {}
    for shock in scenario.events:
        name = shock.label
        start_s, end_s = shock.window_s(scenario.start)
        out[name] = {
            "window": [json_number(start_s), json_number(end_s)],
            "from": clock_text(start_s, scenario.start),
            "to": clock_text(end_s, scenario.start),
            "selection": {key: list(getattr(shock, key)) for key in SELECTORS
                          if getattr(shock, key) is not None},
            "shape": shock.shape,
            "peak": json_number(shock.peak),
            "arrivals_multiplier": json_number(shock.mean_multiplier),
            "inside": kpi_block(rows[rows["member"] == f"{name}/inside"], ci_key, EVENT_KPIS),
            "outside": kpi_block(rows[rows["member"] == f"{name}/outside"], ci_key, EVENT_KPIS),
        }
    return out
