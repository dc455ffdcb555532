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
from sim.records import CONTACT_COLUMNS, OUTCOME_NAMES, Records

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
        categoricals.
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
    return pd.DataFrame(data)


def journeys_table(records: Records) -> pd.DataFrame:
    """One row per journey (customer need), with its path through the pools folded.

    Parameters
    ----------
    records : Records
        One replication's facts.

    Returns
    -------
    pandas.DataFrame
        Columns ``replication``, ``journey_id``, ``channel``, ``intent``,
        ``segment`` (of the first contact), ``n_contacts``, ``handoffs`` (highest
        step), ``first_arrival_s``, ``last_end_s`` (NaN if a piece is open),
        ``sojourn_s``, ``outcome`` (of the last piece), ``in_window`` (of the first
        contact) and ``completed`` (counted in ``mean_sojourn_s``).
    """
    j = fold_journeys(records)
    c = records.contacts
    names = _names(records)
    n = j.journey_id.size
    step = np.asarray(c["step"], dtype=np.int64)
    max_step = np.zeros(n, dtype=np.int64)
    if n:
        jid = np.asarray(c["journey_id"], dtype=np.int64)
        pos = np.searchsorted(j.journey_id, jid)
        np.maximum.at(max_step, pos, step)
    return pd.DataFrame(
        {
            "replication": np.full(n, records.replication, dtype=np.int64),
            "journey_id": j.journey_id.astype(np.int64),
            "channel": _decode(np.asarray(c["channel"])[j.first_row], names["channel"]),
            "intent": _decode(np.asarray(c["intent"])[j.first_row], names["intent"]),
            "segment": _decode(np.asarray(c["segment"])[j.first_row], names["segment"]),
            "n_contacts": j.n_contacts,
            "handoffs": max_step,
            "first_arrival_s": j.first_arrival_s,
            "last_end_s": j.last_end_s,
            "sojourn_s": j.sojourn_s,
            "outcome": _decode(np.asarray(c["outcome"])[j.last_row], names["outcome"]),
            "in_window": np.asarray(c["in_window"], dtype=bool)[j.first_row],
            "completed": j.completed,
        }
    )


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
