"""Handing a replication's row tables from a worker process to the parent through a file.

A process pool returns a worker's result by pickling it: the whole result is
copied into one bytes buffer in the worker (beside the result itself), sent down a
pipe, read into a second buffer in the parent and unpickled into a third copy. For
the KPI table that is nothing; for a replication's contact and journey tables
(:class:`~sim.metrics.row_table.RowTable`, most of its memory) it would double the
worker's peak and briefly the parent's.

So a worker of a local process pool writes its row tables to a file in a folder
the run owns (:func:`spill`: one array after another, straight from the arrays'
memory; an array the contact and journey tables share once, a constant column as
its one value) and returns a small :class:`SpilledRows` for each in its place.
Unpickling those in the parent reads the arrays back once (each straight into its
own new array) and deletes the file, so the parent gets the row tables themselves,
in one copy, sharing the arrays they shared in the worker. Serial runs and Dask clusters (whose
workers may be on other machines) never spill.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from sim.metrics.row_table import Column, RowTable

__all__ = ["SpillFile", "SpilledRows", "read_arrays", "rows_from", "spill", "unspill"]

#: How a column refers to its arrays: ("array", index into the file's arrays) or
#: ("constant", value, rows) for a zero-stride column; None for no array.
Ref = tuple[Any, ...] | None


def _is_constant(values: np.ndarray) -> bool:
    return values.ndim == 1 and values.size > 1 and values.strides[0] == 0


class SpillFile:
    """The file a worker wrote its row tables to; unpickles as their arrays (read once)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._arrays: list[np.ndarray] | None = None

    def arrays(self) -> list[np.ndarray]:
        """The arrays, read at the first call (which deletes the file)."""
        if self._arrays is None:
            self._arrays = read_arrays(self.path)
        return self._arrays

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled once however many tables share it: the parent reads it once
        return (read_arrays, (self.path,))


Layout = list[list[tuple[str, str, tuple[str, ...], Ref, Ref]]]


class SpilledRows:
    """A row table written to a :class:`SpillFile`; unpickles as the :class:`RowTable`."""

    def __init__(self, file: SpillFile, layout: Layout) -> None:
        self.file = file
        self.layout = layout

    def load(self) -> RowTable:
        """The row table (its file is read, and deleted, once for all its tables)."""
        return rows_from(self.file.arrays(), self.layout)

    def __reduce__(self) -> tuple[Any, ...]:
        return (rows_from, (self.file, self.layout))


def spill(tables: dict[str, Any], directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the row tables among ``tables`` to one new file in ``directory``, each array
    once however many tables share it; return ``tables`` with each row table replaced by
    the :class:`SpilledRows` that stands for it (anything else unchanged)."""
    rows = {name: t for name, t in tables.items() if isinstance(t, RowTable)}
    if not rows:
        return dict(tables)
    path = Path(directory) / f"tables-{os.getpid()}-{id(tables):x}.npy"
    arrays: list[np.ndarray] = []
    index: dict[int, int] = {}

    def ref(values: np.ndarray | None) -> Ref:
        if values is None:
            return None
        if _is_constant(values):
            return ("constant", values[:1].copy(), int(values.shape[0]))
        key = id(values)
        if key not in index:
            index[key] = len(arrays)
            arrays.append(values)
        return ("array", index[key])

    layouts = {name: [[(col, c.dtype, c.names, ref(c.values), ref(c.minus))
                       for col, c in part.items()] for part in table.parts]
               for name, table in rows.items()}
    with open(path, "wb") as f:
        for values in arrays:  # straight from each array's memory (no pickled copy)
            np.lib.format.write_array(f, np.ascontiguousarray(values), allow_pickle=False)
    file = SpillFile(str(path))
    return {name: SpilledRows(file, layouts[name]) if name in layouts else t
            for name, t in tables.items()}


def read_arrays(path: str) -> list[np.ndarray]:
    """The arrays of a file written by :func:`spill` (each read into its own new array);
    the file is deleted."""
    arrays: list[np.ndarray] = []
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        while f.tell() < size:
            arrays.append(np.lib.format.read_array(f, allow_pickle=False))
    os.unlink(path)
    return arrays


def rows_from(arrays: Any, layout: Layout) -> RowTable:
    """The row table ``layout`` describes over ``arrays`` (a list, or a :class:`SpillFile`)."""
    if isinstance(arrays, SpillFile):
        arrays = arrays.arrays()

    def get(r: Ref) -> np.ndarray | None:
        if r is None:
            return None
        if r[0] == "constant":
            return np.broadcast_to(r[1], (r[2],))
        return arrays[r[1]]

    parts = []
    for part in layout:
        cols: dict[str, Column] = {}
        for col, dtype, names, values, minus in part:
            got = get(values)
            assert got is not None
            cols[col] = Column(got, dtype, names, get(minus))
        parts.append(cols)
    return RowTable(parts)


def unspill(table: Any) -> Any:
    """The row table a :class:`SpilledRows` stands for (anything else unchanged)."""
    return table.load() if isinstance(table, SpilledRows) else table
