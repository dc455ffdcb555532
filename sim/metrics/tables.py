"""Row-level tables for export: contacts and journeys, decoded for humans.

The records hold small integer codes; these tables replace them by names (pandas
categoricals whose categories are the scenario's names in code order, so the
order is stable and the parquet files compact) and put a ``replication`` column
first, so tables of many replications can be stacked with :func:`concat_tables`
and written to ``contacts.parquet`` / ``journeys.parquet``.

Each table is made as a :class:`~sim.metrics.row_table.RowTable` first
(:func:`contact_columns`, :func:`journey_columns`): the records' and journey facts'
own arrays, decoded only when the frame is asked for. A run keeps its tables in that
form and writes them a row group at a time (:mod:`sim.metrics.row_table`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from sim.metrics._journey_rows import small_ints
from sim.metrics._journeys import fold_journeys
from sim.metrics.context import KpiContext
from sim.metrics.identity import tenure_rows
from sim.metrics.journeys import STAGES, STATUS_NAMES, journey_facts
from sim.metrics.row_table import Column, RowTable, constant
from sim.records import (
    AGENT_COLUMN,
    CALLBACK_NAMES,
    CONTACT_COLUMNS,
    JOURNEY_COLUMNS,
    OUTCOME_NAMES,
    Records,
)

__all__ = ["concat_tables", "contact_columns", "contacts_table", "journey_columns",
           "journeys_table"]


def _names(records: Records) -> dict[str, tuple[str, ...]]:
    return {
        "channel": records.channels,
        "intent": records.intents,
        "segment": records.segments,
        "pool": records.pools,
        "outcome": OUTCOME_NAMES,
    }


def contacts_table(records: Records) -> pd.DataFrame:
    """One row per contact, codes decoded to names.

    Parameters
    ----------
    records : Records
        One replication's facts.

    Returns
    -------
    pandas.DataFrame
        ``replication`` then the columns of :data:`sim.records.CONTACT_COLUMNS` in
        order, with ``channel``, ``intent``, ``segment``, ``pool`` (missing when
        never answered) and ``outcome`` (``"handled"``, ``"abandoned"``, ...) as
        categoricals; then the :data:`sim.records.JOURNEY_COLUMNS` the records
        carry (engine records carry all of them); with after-call work, ``acw_s``
        (the agent's wrap-up after the contact; ``handle_s`` excludes it); with
        call-backs, ``callback`` (:data:`sim.records.CALLBACK_NAMES`); with an email
        interrupt, ``interruptions`` (times an agent put the contact aside for a call);
        with agents that have identity, ``agent`` (the answering agent's number in its
        pool, -1: none) and, with tenure mixes, ``tenure`` (that agent's
        ``pool/group``; missing otherwise).
    """
    return contact_columns(records).frame()


def contact_columns(records: Records) -> RowTable:
    """The contacts table of :func:`contacts_table` as a :class:`RowTable`: the records'
    own columns (no copy), decoded when the frame is made."""
    c = records.contacts
    n = records.n_contacts
    names = _names(records)
    cols: dict[str, Column] = {"replication": Column(constant(records.replication, n, "int64"),
                                                      "int64")}
    for col, dtype in CONTACT_COLUMNS.items():
        values = np.asarray(c[col])
        cols[col] = Column(values, "category", names[col]) if col in names \
            else Column(values, dtype)
    for col, dtype in JOURNEY_COLUMNS.items():
        if col in c:
            cols[col] = Column(np.asarray(c[col]), dtype)
    if records.acw_s is not None:  # after-call work: the agent's wrap-up after the contact
        cols["acw_s"] = Column(np.asarray(records.acw_s), "float64")
    if records.callback is not None:  # call-backs: not_offered, declined, accepted, ...
        cols["callback"] = Column(np.asarray(records.callback), "category", CALLBACK_NAMES)
    times = (getattr(records, "extra", None) or {}).get("interruptions")
    if times is not None:  # email interrupt: times each contact was put aside for a call
        cols["interruptions"] = Column(np.asarray(times), "int16")
    if AGENT_COLUMN[0] in c:  # agents with identity: who answered, and their tenure group
        cols[AGENT_COLUMN[0]] = Column(np.asarray(c[AGENT_COLUMN[0]]), AGENT_COLUMN[1])
        members, code, _, _ = tenure_rows(records)
        if members:
            cols["tenure"] = Column(code, "category", members)  # pool/group
    return RowTable([cols])


def journeys_table(records: Records, ctx: KpiContext | None = None) -> pd.DataFrame:
    """One row per journey (customer need): its path, resolution, effort, cost and stages.

    Parameters
    ----------
    records : Records
        One replication's facts.
    ctx : KpiContext, optional
        The replication's KPI context, whose journeys (folded once) are reused.

    Returns
    -------
    pandas.DataFrame
        ``replication``, ``journey_id``; ``channel`` (the *first* channel),
        ``intent``, ``segment`` (of the first contact); ``n_contacts`` (rows,
        handoff pieces included), ``handoffs`` (highest step), ``first_arrival_s``
        (= ``start_s``), ``last_end_s`` (NaN if a row is open), ``sojourn_s``,
        ``outcome`` (of the last row), ``in_window`` (the journey started in the
        measured window), ``completed`` (counted in ``mean_sojourn_s``: in the
        window and resolved); then the journey facts of
        :mod:`sim.metrics.journeys`: ``start_s``, ``status`` (resolved / gave_up /
        open), ``resolved``, ``resolution_latency_s`` (NaN unless resolved),
        ``contacts`` (customer contacts), ``attempts``, ``transfers``,
        ``channel_switches``, ``repeated_info``, ``failed_self_service``,
        ``hold_s``, ``recontacted`` (came back within the recontact window after a
        served contact), ``retried`` (tried again after an abandoned or blocked
        contact), ``reached_agent``, ``fcr`` (resolved at the first agent contact,
        no repeat), ``effort_score`` (1..7), ``cost`` (loaded, see
        :mod:`sim.metrics.journeys`) and ``stage_<name>_s`` for the stages of
        :data:`sim.metrics.journeys.STAGES`, which sum to the latency.
    """
    return journey_columns(records, ctx).frame()


def journey_columns(records: Records, ctx: KpiContext | None = None) -> RowTable:
    """The journeys table of :func:`journeys_table` as a :class:`RowTable`: the journey
    facts' arrays (views of the records where a journey is one row), decoded when the
    frame is made."""
    if ctx is not None:
        j, f = ctx.journeys, ctx.journey_facts
    else:
        j = fold_journeys(records)
        f = journey_facts(records, j)
    c = records.contacts
    names = _names(records)
    n = j.journey_id.size
    step = np.asarray(c["step"])
    # the highest step of each journey (a journey of one row: its own)
    max_step = step if j.single else small_ints(np.maximum.reduceat(j.sorted_rows(step),
                                                                    j.starts))

    def first(name: str) -> Column:
        return Column(j.at_first(np.asarray(c[name])), "category", names[name])

    floats = "float64"
    cols: dict[str, Column] = {
        "replication": Column(constant(records.replication, n, "int64"), "int64"),
        "journey_id": Column(j.journey_id, "int64"),
        "channel": first("channel"),
        "intent": first("intent"),
        "segment": first("segment"),
        "n_contacts": Column(j.n_contacts, "int64"),
        "handoffs": Column(max_step, "int64"),
        "first_arrival_s": Column(j.first_arrival_s, floats),
        "last_end_s": Column(j.last_end_s, floats),
        "sojourn_s": Column(j.last_end_s, floats, minus=j.first_arrival_s),
        "outcome": Column(j.at_last(np.asarray(c["outcome"])), "category", names["outcome"]),
        "in_window": Column(f.in_window, "bool"),
        "completed": Column(j.completed, "bool"),
        "start_s": Column(f.start_s, floats),
        "status": Column(f.status, "category", STATUS_NAMES),
        "resolved": Column(f.resolved, "bool"),
        "resolution_latency_s": Column(f.resolution_latency_s, floats),
        "contacts": Column(f.contacts, "int64"),
        "attempts": Column(f.attempts, "int64"),
        "transfers": Column(f.transfers, "int64"),
        "channel_switches": Column(f.channel_switches, "int64"),
        "repeated_info": Column(f.repeated_info, "int64"),
        "failed_self_service": Column(f.failed_self_service, "int64"),
        "hold_s": Column(f.hold_s, floats),
        "recontacted": Column(f.recontacted, "bool"),
        "retried": Column(f.retried, "bool"),
        "reached_agent": Column(f.reached_agent, "bool"),
        "fcr": Column(f.fcr, "bool"),
        "effort_score": Column(f.effort_score, floats),
        "cost": Column(f.cost, floats),
    }
    if f.visits is not None:  # field channels: technician visits made
        cols["visits"] = Column(f.visits, "int64")
    for stage in (*STAGES, *(k for k in f.stages if k not in STAGES)):  # + "field"
        cols[f"stage_{stage}_s"] = Column(f.stages[stage], floats)
    return RowTable([cols])


def concat_tables(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack per-replication tables, keeping categorical columns categorical.

    Categories are unioned in order of first appearance, so replications of one
    scenario (same names) keep exactly their category order.

    Parameters
    ----------
    frames : sequence of pandas.DataFrame
        Tables with the same columns (e.g. from :func:`contacts_table`).

    Returns
    -------
    pandas.DataFrame
        The rows of all frames in order, with a fresh ``RangeIndex``.
    """
    frames = list(frames)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    for col in frames[0].columns:
        parts = [f[col] for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            out[col] = pd.Series(union_categoricals(parts), index=out.index, name=col)
    return out
