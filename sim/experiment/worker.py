"""The replication task: what one worker does for one replication.

A worker runs the engine for one ``(scenario, replication)`` pair and turns the raw
:class:`~sim.records.Records` into compact tidy frames *in the worker*: the
per-replication KPI table always, the reporting-interval table and the contact
table only when the caller will write them. Only those frames travel back to the
parent, which keeps pickling cheap (a replication's records can hold hundreds of
thousands of rows; its KPI table holds a few hundred).

The contact and journey tables travel as :class:`~sim.metrics.row_table.RowTable`
(the records' own column arrays and the journey facts, not decoded frames), and the
worker drops the records and the KPI context before it returns, so it never holds
the records and a second full copy of them at once.

Journeys: :func:`replication_journeys` is the single hook that makes the journeys
table. When the engine records journeys itself it puts them in
``records.extra["journeys"]`` (a mapping of column arrays or a DataFrame) and that
is used as is; otherwise the journeys are folded from the contacts by
:func:`sim.metrics.journey_columns`.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.metrics.row_table import RowTable


#: Replications with at least this many contacts collect the engine's garbage before
#: their KPIs (a full collection takes tens of milliseconds: a few % of such a run).
COLLECT_AFTER_CONTACTS = 50_000


@dataclass(frozen=True)
class ReplicationTask:
    """One unit of work: a scenario, a replication index, and what to send back."""

    scenario: Scenario
    replication: int
    keep_intervals: bool = True
    keep_contacts: bool = False
    tag: int = 0
    """Caller's label (e.g. the variant index in a comparison); returned unchanged."""
    spill_dir: str | None = None
    """A folder on this machine to hand the contact and journey tables back through
    (:mod:`sim.experiment.spill`; process pools), or None to return them as they are."""


@dataclass
class ReplicationOutput:
    """What a worker sends back for one replication."""

    replication: int
    tag: int
    kpis: pd.DataFrame
    intervals: pd.DataFrame | None = None
    contacts: RowTable | None = None
    """One row per contact (:func:`sim.metrics.contact_columns`), kept with the journeys
    (a :class:`~sim.experiment.spill.SpilledRows` on its way from a worker process)."""
    journeys: RowTable | pd.DataFrame | None = None
    """One row per journey (:func:`replication_journeys`)."""
    outages: pd.DataFrame | None = None
    """One row per outage (scenarios with outages only; kept with the intervals)."""
    visits: pd.DataFrame | None = None
    """One row per technician visit (scenarios with field channels; kept with the contacts)."""


def _with_replication(frame: pd.DataFrame, replication: int) -> pd.DataFrame:
    if "replication" not in frame.columns:
        frame = frame.copy()
        frame.insert(0, "replication", replication)
    return frame


def replication_journeys(records: Any, ctx: Any = None) -> RowTable | pd.DataFrame | None:
    """Return the journeys table of a replication (see module docstring).

    Accepts ``records.extra["journeys"]`` as a DataFrame or a mapping of equally
    long column arrays (returned as a frame); without it, folds the contacts with
    ``sim.metrics.journey_columns`` (a :class:`RowTable`); returns ``None`` when
    neither is available.
    """
    raw = getattr(records, "extra", {}).get("journeys")
    if raw is None:
        from sim import metrics

        folder = getattr(metrics, "journey_columns", None)
        if folder is None:
            return None
        return folder(records) if ctx is None else folder(records, ctx)
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
    if records.n_contacts >= COLLECT_AFTER_CONTACTS:
        # the engine's world is a reference cycle that only the cyclic collector frees;
        # free it (its queues and pending events) before the KPIs need the memory
        gc.collect()
    # one context for the KPIs and the journeys table: the journeys are folded once
    ctx = metrics.KpiContext(records)
    kpis = _with_replication(metrics.replication_kpis(records, ctx), task.replication)
    out = ReplicationOutput(replication=task.replication, tag=task.tag, kpis=kpis)
    if task.keep_intervals:
        out.intervals = _with_replication(metrics.interval_table(records), task.replication)
        out.outages = metrics.outages_table(records)
    if task.keep_contacts:
        out.contacts = metrics.contact_columns(records)
        out.journeys = replication_journeys(records, ctx)
        out.visits = metrics.visits_table(records)
    # what the tables need of the records and the journey facts, they hold; the rest goes
    del ctx, records
    if task.spill_dir is not None and task.keep_contacts:
        from sim.experiment.spill import spill

        sent = spill({"contacts": out.contacts, "journeys": out.journeys}, task.spill_dir)
        out.contacts, out.journeys = sent["contacts"], sent["journeys"]
    return out
