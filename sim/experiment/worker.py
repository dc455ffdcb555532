"""The replication task: what one worker does for one replication.

A worker runs the engine for one ``(scenario, replication)`` pair and turns the raw
:class:`~sim.records.Records` into compact tidy frames *in the worker*: the
per-replication KPI table always, the reporting-interval table and the contact
table only when the caller will write them. Only those frames travel back to the
parent, which keeps pickling cheap (a replication's records can hold hundreds of
thousands of rows; its KPI table holds a few hundred).

Journeys: :func:`journeys_frame` is the single hook that makes the journeys
table. When the engine records journeys itself it puts them in
``records.extra["journeys"]`` (a mapping of column arrays or a DataFrame) and that
is used as is; otherwise the journeys are folded from the contacts by
:func:`sim.metrics.journeys_table`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class ReplicationTask:
    """One unit of work: a scenario, a replication index, and what to send back."""

    scenario: Scenario
    replication: int
    keep_intervals: bool = True
    keep_contacts: bool = False
    tag: int = 0
    """Caller's label (e.g. the variant index in a comparison); returned unchanged."""


@dataclass
class ReplicationOutput:
    """What a worker sends back for one replication."""

    replication: int
    tag: int
    kpis: pd.DataFrame
    intervals: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None
    journeys: pd.DataFrame | None = None
    outages: pd.DataFrame | None = None
    """One row per outage (scenarios with outages only; kept with the intervals)."""
    visits: pd.DataFrame | None = None
    """One row per technician visit (scenarios with field channels; kept with the contacts)."""


def _with_replication(frame: pd.DataFrame, replication: int) -> pd.DataFrame:
    if "replication" not in frame.columns:
        frame = frame.copy()
        frame.insert(0, "replication", replication)
    return frame


def journeys_frame(records: Any, ctx: Any = None) -> pd.DataFrame | None:
    """Return the journeys table of a replication (see module docstring).

    Accepts ``records.extra["journeys"]`` as a DataFrame or a mapping of equally
    long column arrays; without it, folds the contacts with
    ``sim.metrics.journeys_table``; returns ``None`` when neither is available.
    """
    raw = getattr(records, "extra", {}).get("journeys")
    if raw is None:
        from sim import metrics

        folder = getattr(metrics, "journeys_table", None)
        if folder is None:
            return None
        table = folder(records) if ctx is None else folder(records, ctx)
        return _with_replication(table, records.replication)
    if isinstance(raw, pd.DataFrame):
        frame = raw
    elif isinstance(raw, Mapping):
        frame = pd.DataFrame(dict(raw))
    else:
        return None
    return _with_replication(frame, int(records.replication))


def run_replication(task: ReplicationTask) -> ReplicationOutput:
    """Simulate one replication and reduce it to tidy frames (runs in a worker).

    Parameters
    ----------
    task
        The scenario, replication index and which tables to return.

    Returns
    -------
    ReplicationOutput
        KPI frame ``[replication, group, member, kpi, value]``; interval, contact and
        journey tables when asked for (each with a ``replication`` column).
    """
    # Module attributes are looked up at call time, so tests can substitute them.
    from sim import metrics, model

    records = model.simulate(task.scenario, task.replication)
    # one context for the KPIs and the journeys table: the journeys are folded once
    ctx = metrics.KpiContext(records) if task.keep_contacts else None
    kpis = _with_replication(metrics.replication_kpis(records, ctx), task.replication)
    out = ReplicationOutput(replication=task.replication, tag=task.tag, kpis=kpis)
    if task.keep_intervals:
        out.intervals = _with_replication(metrics.interval_table(records), task.replication)
        out.outages = metrics.outages_table(records)
    if task.keep_contacts:
        out.contacts = _with_replication(metrics.contacts_table(records), task.replication)
        out.journeys = journeys_frame(records, ctx)
        out.visits = metrics.visits_table(records)
    return out
