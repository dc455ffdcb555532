"""Contact rows in journey order, and compact per-journey arrays.

The journey facts (:mod:`sim.metrics.journeys`) read the replication's contact
columns in ``(journey_id, contact_id)`` order and sum them over each journey. A
:class:`JourneyRows` hands out one column at a time in that order: a view of the
records when the fold needs no sort (a plain line, :mod:`sim.metrics._journeys`),
a sorted copy otherwise; and sums exactly as ``np.bincount`` with weights does, so
the figures do not depend on which path was taken.

Per-journey counts are kept in the smallest integer type that holds them
(:func:`small_ints`) and all-zero columns as a read-only view of one zero
(:func:`zeros_view`): a replication's journeys then cost a few bytes per journey
for every count or unused stage instead of eight.
"""

from __future__ import annotations

import numpy as np

from sim.metrics._journeys import JourneyFold
from sim.records import HANDLED, Records

__all__ = ["JourneyRows", "column", "small_ints", "zero_stage", "zeros_view"]


def zeros_view(n: int, dtype: str | type = float) -> np.ndarray:
    """``n`` zeros that take no memory: a read-only view of one zero."""
    return np.broadcast_to(np.zeros(1, dtype=dtype), (n,))


def small_ints(values: np.ndarray) -> np.ndarray:
    """Integer ``values`` in the smallest signed integer type that holds them."""
    if values.size == 0:
        return values
    lo, hi = int(values.min()), int(values.max())
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if info.min <= lo and hi <= info.max:
            return values.astype(kind, copy=False)
    return values


def zero_stage(values: np.ndarray) -> np.ndarray:
    """``values``, or a zero view when every value is +0.0 (a stage no journey used)."""
    if values.any() or np.signbit(values).any():
        return values
    return zeros_view(values.size)


def column(records: Records, name: str, dtype: str) -> np.ndarray:
    c = records.contacts
    if name in c:
        return np.asarray(c[name]).astype(dtype, copy=False)
    if name == "resolved":
        return np.asarray(c["outcome"]) == HANDLED
    return np.zeros(records.n_contacts, dtype=dtype)


class JourneyRows:
    """The replication's contact rows in journey order, and sums over each journey.

    Columns are taken one at a time (:meth:`take`): views of the records when the
    fold needs no sort, sorted copies otherwise.
    """

    def __init__(self, records: Records, fold: JourneyFold) -> None:
        self.c = records.contacts
        self.fold = fold
        self.n = fold.journey_id.size
        self.single = fold.single
        self.starts = fold.starts
        #: journey index of every sorted row (empty when single: not needed)
        self.jpos = np.zeros(0, np.int64) if self.single else fold.journey_of_sorted_row()

    def take(self, name: str, dtype: str | type | None = None) -> np.ndarray:
        values = np.asarray(self.c[name]) if dtype is None else np.asarray(self.c[name], dtype)
        return self.fold.sorted_rows(values)

    def zeroed(self, name: str) -> np.ndarray:
        """A float column in journey order with NaN as 0 (always a fresh array)."""
        values = self.take(name, float)
        return np.nan_to_num(values, copy=self.single)

    def per_journey(self, values: np.ndarray) -> np.ndarray:
        """Sum over each journey's rows, exactly as ``np.bincount`` with weights adds them."""
        if self.n == 0:
            return np.zeros(0)
        if self.single:  # bincount adds each journey's one row to 0.0
            return np.add(values, 0.0, dtype=float)
        return np.bincount(self.jpos, weights=values, minlength=self.n)

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Rows per journey where ``mask`` (a bool array in journey order) holds."""
        if self.single:
            return np.ascontiguousarray(mask, dtype=bool).view(np.int8)
        return small_ints(np.bincount(self.jpos[mask], minlength=self.n)) if self.n \
            else np.zeros(0, np.int8)

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Journeys with at least one row where ``mask`` holds."""
        if self.single or self.n == 0:
            return mask
        return np.logical_or.reduceat(mask, self.starts)

    def reduce(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        """``ufunc.reduceat`` over each journey's rows (the row itself when single)."""
        if self.single or self.n == 0:
            return values
        return ufunc.reduceat(values, self.starts)
