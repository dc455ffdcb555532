"""Row-level tables for export: contacts and journeys, decoded for humans.

The records hold small integer codes; these tables replace them by names (pandas
categoricals whose categories are the scenario's names in code order, so the
order is stable and the parquet files compact) and put a ``replication`` column
first, so tables of many replications can be stacked with :func:`concat_tables`
and written to ``contacts.parquet`` / ``journeys.parquet``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from sim.metrics._journeys import fold_journeys
from sim.metrics.context import KpiContext
from sim.metrics.journeys import STAGES, STATUS_NAMES, journey_facts
from sim.records import CALLBACK_NAMES, CONTACT_COLUMNS, JOURNEY_COLUMNS, OUTCOME_NAMES, Records

__all__ = ["concat_tables", "contacts_table", "journeys_table"]


def _decode(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    """Codes -> categorical of ``names``; negative codes become missing."""
    codes = np.asarray(codes, dtype=np.int64)
    codes = np.where((codes >= 0) & (codes < len(names)), codes, -1)
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(names), dtype=object))


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
        interrupt, ``interruptions`` (times an agent put the contact aside for a call).
    """
    c = records.contacts
    n = records.n_contacts
    names = _names(records)
    data: dict[str, object] = {"replication": np.full(n, records.replication, dtype=np.int64)}
    for col, dtype in CONTACT_COLUMNS.items():
        if col in names:
            data[col] = _decode(c[col], names[col])
        else:
            data[col] = np.asarray(c[col]).astype(dtype, copy=False)
    for col, dtype in JOURNEY_COLUMNS.items():
        if col in c:
            data[col] = np.asarray(c[col]).astype(dtype, copy=False)
    if records.acw_s is not None:  # after-call work: the agent's wrap-up after the contact
        data["acw_s"] = np.asarray(records.acw_s, dtype=float)
    if records.callback is not None:  # call-backs: not_offered, declined, accepted, ...
        data["callback"] = _decode(records.callback, CALLBACK_NAMES)
    times = (getattr(records, "extra", None) or {}).get("interruptions")
    if times is not None:  # email interrupt: times each contact was put aside for a call
        data["interruptions"] = np.asarray(times, dtype=np.int16)
    return pd.DataFrame(data)


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
    if ctx is not None:
        j, f = ctx.journeys, ctx.journey_facts
    else:
        j = fold_journeys(records)
        f = journey_facts(records, j)
    c = records.contacts
    names = _names(records)
    n = j.journey_id.size
    step = np.asarray(c["step"], dtype=np.int64)
    max_step = np.zeros(n, dtype=np.int64)
    if n:
        max_step = np.maximum.reduceat(j.sorted_rows(step), j.starts)
    data: dict[str, object] = {
        "replication": np.full(n, records.replication, dtype=np.int64),
        "journey_id": j.journey_id.astype(np.int64),
        "channel": _decode(j.at_first(np.asarray(c["channel"])), names["channel"]),
        "intent": _decode(j.at_first(np.asarray(c["intent"])), names["intent"]),
        "segment": _decode(j.at_first(np.asarray(c["segment"])), names["segment"]),
        "n_contacts": j.n_contacts,
        "handoffs": max_step,
        "first_arrival_s": j.first_arrival_s,
        "last_end_s": j.last_end_s,
        "sojourn_s": j.sojourn_s,
        "outcome": _decode(j.at_last(np.asarray(c["outcome"])), names["outcome"]),
        "in_window": f.in_window,
        "completed": j.completed,
        "start_s": f.start_s,
        "status": _decode(f.status, STATUS_NAMES),
        "resolved": f.resolved,
        "resolution_latency_s": f.resolution_latency_s,
        "contacts": f.contacts.astype(np.int64),
        "attempts": f.attempts.astype(np.int64),
        "transfers": f.transfers.astype(np.int64),
        "channel_switches": f.channel_switches.astype(np.int64),
        "repeated_info": f.repeated_info.astype(np.int64),
        "failed_self_service": f.failed_self_service.astype(np.int64),
        "hold_s": f.hold_s,
        "recontacted": f.recontacted,
        "retried": f.retried,
        "reached_agent": f.reached_agent,
        "fcr": f.fcr,
        "effort_score": f.effort_score,
        "cost": f.cost,
    }
    if f.visits is not None:  # field channels: technician visits made
        data["visits"] = f.visits.astype(np.int64)
    for stage in (*STAGES, *(k for k in f.stages if k not in STAGES)):  # + "field"
        data[f"stage_{stage}_s"] = f.stages[stage]
    return pd.DataFrame(data)


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
