"""Journeys: the contacts of one customer need, folded into one row.

A journey starts with a customer contact (``step == 0``); each handoff to another
pool adds a piece of work (``step`` 1, 2, ...) recorded as its own contact row. The
journey's time in the system runs from its first arrival to the end of its last
piece, across every pool it visited — the sojourn time of a Jackson network.

The fold is vectorised: rows are sorted by ``(journey_id, contact_id)`` (contact ids
are in arrival order) and reduced per journey with ``ufunc.reduceat``.

Memory: when every journey is a single row and the rows are already in journey
order (a plain line: no recontacts, retries, handoffs or escalations), the sort is
the identity and every per-journey reduction is the row's own value. The fold then
keeps no sort order and its per-journey arrays are the record's own columns (views,
not copies), so folding a plain line costs a few bytes per contact instead of a few
sorted copies of the columns.
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
    first_arrival_s, last_end_s : ndarray
        Earliest arrival and latest end (NaN when any piece is still open).
    any_open : ndarray
        True if any piece was still open when the replication ended.
    completed : ndarray
        The journey counts for sojourn statistics: its first contact is a step-0
        contact inside the measured window, no piece is open, and its need was
        resolved (records without journey facts: its last piece was handled, not
        abandoned, blocked, or transferred without a follow-up).
    order : ndarray or None
        Row indices sorted by ``(journey_id, contact_id)``; ``None`` when every
        journey is one row and the rows are already in that order (the identity).
    starts : ndarray
        Position in the sorted rows where each journey's rows begin.
    """

    journey_id: np.ndarray
    first_row: np.ndarray
    last_row: np.ndarray
    first_arrival_s: np.ndarray
    last_end_s: np.ndarray
    any_open: np.ndarray
    completed: np.ndarray
    order: np.ndarray | None
    starts: np.ndarray

    @property
    def single(self) -> bool:
        """Every journey is one row, already in journey order (no sort needed)."""
        return self.order is None

    @property
    def n_rows(self) -> int:
        """Contact rows folded."""
        return int(self.starts.size if self.order is None else self.order.size)

    @property
    def n_contacts(self) -> np.ndarray:
        """Number of contact rows in each journey."""
        if self.order is None:  # one each: a read-only view of a single 1
            return np.broadcast_to(np.ones(1, dtype=np.int64), (self.starts.size,))
        return np.diff(self.starts, append=self.order.size).astype(np.int64)

    @property
    def sojourn_s(self) -> np.ndarray:
        """Time in the system: last end minus first arrival."""
        return self.last_end_s - self.first_arrival_s

    def sorted_rows(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per contact row) in journey order: a view when no sort is needed."""
        return values if self.order is None else values[self.order]

    def at_first(self, values: np.ndarray) -> np.ndarray:
        """``values`` of each journey's first row (a view of ``values`` when single)."""
        return values if self.order is None else values[self.first_row]

    def at_last(self, values: np.ndarray) -> np.ndarray:
        """``values`` of each journey's last row (a view of ``values`` when single)."""
        return values if self.order is None else values[self.last_row]

    def journey_of_sorted_row(self) -> np.ndarray:
        """Journey index of every row in journey order (``0 .. n_journeys - 1``)."""
        n = self.starts.size
        return np.repeat(np.arange(n), np.diff(self.starts, append=self.n_rows))


def _is_single(jid: np.ndarray) -> bool:
    """Whether ``jid`` rises strictly: every journey one row, rows in journey order."""
    if jid.size < 2:
        return True
    return bool((jid[1:] > jid[:-1]).all())


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
    outcome = np.asarray(c["outcome"])
    arrival = np.asarray(c["arrival_s"], dtype=float)
    end = np.asarray(c["end_s"], dtype=float)
    in_window = np.asarray(c["in_window"], dtype=bool)
    step = np.asarray(c["step"])
    if _is_single(jid):  # the identity: each journey is its own row (views, no copies)
        rows = np.arange(jid.size)
        is_open = (outcome == OPEN) | np.isnan(end)
        last_end = np.where(is_open, np.nan, end)
        resolved = (np.asarray(c["resolved"], dtype=bool) if "resolved" in c
                    else outcome == HANDLED)
        completed = in_window & (step == 0) & ~is_open & resolved
        return JourneyFold(journey_id=jid, first_row=rows, last_row=rows,
                           first_arrival_s=arrival, last_end_s=last_end, any_open=is_open,
                           completed=completed, order=None, starts=rows)
    cid = np.asarray(c["contact_id"], dtype=np.int64)
    order = np.lexsort((cid, jid))
    js = jid[order]
    starts = np.flatnonzero(np.r_[True, js[1:] != js[:-1]])
    journey_id = js[starts]
    del js
    stops = np.r_[starts[1:], order.size]
    first = order[starts]
    last = order[stops - 1]
    del stops
    sorted_end = end[order]
    is_open = (outcome[order] == OPEN) | np.isnan(sorted_end)
    any_open = np.logical_or.reduceat(is_open, starts)
    del is_open
    first_arrival = np.minimum.reduceat(arrival[order], starts)
    # fmax ignores the NaN end of open pieces; such journeys are flagged by any_open.
    last_end = np.fmax.reduceat(sorted_end, starts)
    del sorted_end
    last_end[any_open] = np.nan
    if "resolved" in c:
        resolved = np.logical_or.reduceat(np.asarray(c["resolved"], dtype=bool)[order], starts)
    else:
        resolved = outcome[last] == HANDLED
    completed = in_window[first] & (step[first] == 0) & ~any_open & resolved
    return JourneyFold(
        journey_id=journey_id,
        first_row=first,
        last_row=last,
        first_arrival_s=first_arrival,
        last_end_s=last_end,
        any_open=any_open,
        completed=completed,
        order=order,
        starts=starts,
    )
