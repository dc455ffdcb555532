"""Journeys: the contacts of one customer need, folded into one row.

A journey starts with a customer contact (``step == 0``); each handoff to another
pool adds a piece of work (``step`` 1, 2, ...) recorded as its own contact row. The
journey's time in the system runs from its first arrival to the end of its last
piece, across every pool it visited — the sojourn time of a Jackson network.

The fold is vectorised: rows are sorted by ``(journey_id, contact_id)`` (contact ids
are in arrival order) and reduced per journey with ``ufunc.reduceat``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.records import HANDLED, OPEN, Records


@dataclass(frozen=True)
class JourneyFold:
    """Per-journey arrays, one entry per distinct ``journey_id`` (ascending).

    Attributes
    ----------
    journey_id : ndarray
        The journey ids, ascending.
    first_row, last_row : ndarray
        Row index (into the contacts arrays) of the journey's first and last
        contact in arrival order.
    n_contacts : ndarray
        Number of contact rows in the journey.
    first_arrival_s, last_end_s : ndarray
        Earliest arrival and latest end (NaN when any piece is still open).
    any_open : ndarray
        True if any piece was still open when the replication ended.
    completed : ndarray
        The journey counts for sojourn statistics: its first contact is a step-0
        contact inside the measured window, no piece is open, and its need was
        resolved (records without journey facts: its last piece was handled, not
        abandoned, blocked, or transferred without a follow-up).
    order : ndarray
        Row indices sorted by ``(journey_id, contact_id)``.
    starts : ndarray
        Position in ``order`` where each journey's rows begin.
    """

    journey_id: np.ndarray
    first_row: np.ndarray
    last_row: np.ndarray
    n_contacts: np.ndarray
    first_arrival_s: np.ndarray
    last_end_s: np.ndarray
    any_open: np.ndarray
    completed: np.ndarray
    order: np.ndarray
    starts: np.ndarray

    @property
    def sojourn_s(self) -> np.ndarray:
        """Time in the system: last end minus first arrival."""
        return self.last_end_s - self.first_arrival_s


def fold_journeys(records: Records) -> JourneyFold:
    """Fold the contacts of ``records`` into per-journey arrays.

    Parameters
    ----------
    records : Records
        One replication's facts.

    Returns
    -------
    JourneyFold
        Arrays indexed by journey (ascending ``journey_id``).
    """
    c = records.contacts
    jid = np.asarray(c["journey_id"], dtype=np.int64)
    if jid.size == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0, dtype=float)
        empty_b = np.zeros(0, dtype=bool)
        return JourneyFold(jid, empty_i, empty_i, empty_i, empty_f, empty_f, empty_b, empty_b,
                           empty_i, empty_i)
    cid = np.asarray(c["contact_id"], dtype=np.int64)
    order = np.lexsort((cid, jid))
    js = jid[order]
    starts = np.flatnonzero(np.r_[True, js[1:] != js[:-1]])
    stops = np.r_[starts[1:], js.size]
    first = order[starts]
    last = order[stops - 1]
    outcome = np.asarray(c["outcome"])
    arrival = np.asarray(c["arrival_s"], dtype=float)[order]
    end = np.asarray(c["end_s"], dtype=float)[order]
    is_open = (outcome[order] == OPEN) | np.isnan(end)
    any_open = np.logical_or.reduceat(is_open, starts)
    first_arrival = np.minimum.reduceat(arrival, starts)
    # fmax ignores the NaN end of open pieces; such journeys are flagged by any_open.
    last_end = np.fmax.reduceat(end, starts)
    last_end = np.where(any_open, np.nan, last_end)
    if "resolved" in c:
        resolved = np.logical_or.reduceat(np.asarray(c["resolved"], dtype=bool)[order], starts)
    else:
        resolved = outcome[last] == HANDLED
    completed = (
        np.asarray(c["in_window"], dtype=bool)[first]
        & (np.asarray(c["step"])[first] == 0)
        & ~any_open
        & resolved
    )
    return JourneyFold(
        journey_id=js[starts],
        first_row=first,
        last_row=last,
        n_contacts=(stops - starts).astype(np.int64),
        first_arrival_s=first_arrival,
        last_end_s=last_end,
        any_open=any_open,
        completed=completed,
        order=order,
        starts=starts,
    )
