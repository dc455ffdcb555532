"""Time-weighted counts: agents staffed and busy per pool, contacts queued per channel.

A :class:`TimeArea` integrates step functions, one per row (a pool, a channel), over
the reporting intervals of the measured window: the area under agents busy is the
busy agent-seconds of each interval. The model changes a count by a whole number at
a time (an agent becomes busy, a contact joins a queue), several times per contact,
so a change costs as little as it can: ``add((row, t, delta))`` is the ``extend`` of
a flat list (no Python frame runs; a list takes Python numbers far faster than an
``array.array``), and :meth:`TimeArea.integrate` folds the
log into the areas with numpy now and then (the recorder calls it every few thousand
contacts, so the log stays small) and at :meth:`TimeArea.close`.

The fold does, change by change, the very float operations of integrating each change
as it comes (area of the interval += count before the change x time since the row's
last change, split at interval edges), in the same order, so the areas are the same to
the last bit. Counts stay whole numbers, so their running sums are exact.
"""

from __future__ import annotations

import math

import numpy as np


class TimeArea:
    """Integrates step functions (one per row) over the intervals of the measured window.

    Args:
        rows: how many step functions (pools, channels).
        t0, t1: the measured window (warm-up end, horizon end), seconds.
        dt: the reporting interval, seconds.
    """

    __slots__ = ("value", "last_t", "area", "t0", "t1", "dt", "n", "log", "add")

    def __init__(self, rows: int, t0: float, t1: float, dt: float) -> None:
        self.n = max(1, int(math.ceil((t1 - t0) / dt - 1e-9)))
        self.value = np.zeros(rows)   # each row's count after the changes folded in
        self.last_t = np.zeros(rows)  # and the time of its last change
        self.area = np.zeros((rows, self.n + 1))  # a spare interval past the window
        self.t0, self.t1, self.dt = t0, t1, dt
        # changes not yet folded in: row, time, delta, ... (whole-number deltas)
        self.log: list[float] = []
        self.add = self.log.extend  # add((row, t, delta)): the hot path's change

    def change(self, row: int, t: float, delta: float) -> None:
        """The count of ``row`` changes by ``delta`` (a whole number) at time ``t``."""
        self.add((row, t, delta))
        if len(self.log) > 3 << 16:  # the recorder folds the log in; a cold caller may not
            self.integrate()

    def integrate(self) -> None:
        """Fold the logged changes into the areas (and empty the log)."""
        if not self.log:
            return
        x = np.fromiter(self.log, dtype=float, count=len(self.log)).reshape(-1, 3)
        self.log.clear()
        order = np.argsort(x[:, 0], kind="stable")  # by row, each in time order
        x = x[order]
        rows = x[:, 0].astype(np.intp)
        t, delta = x[:, 1], x[:, 2]
        first = np.ones(rows.shape[0], dtype=bool)  # the first change of its row
        first[1:] = rows[1:] != rows[:-1]
        # the count before each change: the row's count, plus the deltas before it in
        # the row (whole numbers: the sums are exact, whatever their order)
        before_all = np.cumsum(delta) - delta
        start = np.maximum.accumulate(np.where(first, np.arange(rows.shape[0]), 0))
        value = self.value[rows] + (before_all - before_all[start])
        last = np.empty_like(t)
        last[1:] = t[:-1]
        last[first] = self.last_t[rows[first]]
        ends = np.flatnonzero(np.append(first[1:], True))  # the last change of each row
        self.last_t[rows[ends]] = t[ends]
        self.value[rows[ends]] = value[ends] + delta[ends]
        t0, t1, dt = self.t0, self.t1, self.dt
        keep = (value != 0) & (t > t0) & (last < t1)
        if not keep.any():
            return
        rows, value, last, t = rows[keep], value[keep], last[keep], t[keep]
        a = np.where(last > t0, last, t0)
        b = np.where(t < t1, t, t1)
        i = ((a - t0) // dt).astype(np.intp)
        cross = np.flatnonzero(b > t0 + (i + 1) * dt)  # an interval edge lies between
        stride = self.area.shape[1]
        cell = rows * stride + i
        part = value * (b - a)
        if cross.size:  # split those at the edges, in order, as change by change
            cell, part = _with_pieces(cell, part, cross, a[cross], b[cross], i[cross],
                                      value[cross], t0, dt)
        np.add.at(self.area.reshape(-1), cell, part)  # in order, one by one

    def close(self, t: float) -> np.ndarray:
        """Integrate every row up to ``t`` and return the areas, shape (rows, intervals)."""
        for row in range(self.value.shape[0]):
            self.add((row, t, 0.0))
        self.integrate()
        return self.area[:, : self.n].copy()


def _with_pieces(cell: np.ndarray, part: np.ndarray, cross: np.ndarray, a: np.ndarray,
                 b: np.ndarray, i: np.ndarray, value: np.ndarray, t0: float,
                 dt: float) -> tuple[np.ndarray, np.ndarray]:
    """``cell`` and ``part`` with each change ``cross`` (spanning ``[a, b)`` from interval
    ``i`` over interval edges) replaced by its pieces, one per interval, in order.

    The pieces are those of integrating change by change: edge ``e_j = t0 + (i + j + 1)
    dt``; piece ``j`` runs from ``a`` (``j = 0``) or ``e_{j-1}`` to ``b`` if ``b < e_j``,
    else to ``e_j``; the last piece is the first ``j`` with ``b <= e_j``.
    """
    last = ((b - t0) // dt).astype(np.intp) - i - 1  # about the last piece; then exactly
    while True:
        short = b > t0 + (i + last + 1) * dt
        if not short.any():
            break
        last[short] += 1
    while True:
        long = (last > 0) & (b <= t0 + (i + last) * dt)
        if not long.any():
            break
        last[long] -= 1
    pieces = last + 1
    count = np.ones(cell.shape[0], dtype=np.intp)
    count[cross] = pieces
    at = np.cumsum(count) - count  # where each change's first piece goes
    out_cell = np.empty(int(count.sum()), dtype=np.intp)
    out_part = np.empty(out_cell.shape[0])
    plain = np.ones(cell.shape[0], dtype=bool)
    plain[cross] = False
    out_cell[at[plain]] = cell[plain]
    out_part[at[plain]] = part[plain]
    owner = np.repeat(np.arange(cross.shape[0]), pieces)
    j = np.arange(owner.shape[0]) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = i[owner] + j  # the interval of each piece
    lo = np.where(j == 0, a[owner], t0 + k * dt)
    edge = t0 + (k + 1) * dt
    hi = np.where(b[owner] < edge, b[owner], edge)
    where = at[cross][owner] + j
    out_cell[where] = cell[cross][owner] + j
    out_part[where] = value[owner] * (hi - lo)
    return out_cell, out_part
