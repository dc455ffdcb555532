"""Handing a replication's row tables from a worker process to the parent through a file.

A process pool returns a worker's result by pickling it: the whole result is
copied into one bytes buffer in the worker (beside the result itself), sent down a
pipe, read into a second buffer in the parent and unpickled into a third copy. For
the KPI table that is nothing; for a replication's contact and journey tables
(:class:`~sim.metrics.row_table.RowTable`, most of its memory) it would double the
worker's peak and briefly the parent's.

So a worker of a local process pool writes each row table to a file in a folder
the run owns (:func:`spill`: one array after another, straight from the arrays'
memory, each shared array once and a constant column as its one value) and returns
a small :class:`SpilledRows` in its place. Unpickling that in the parent reads the
arrays back (each straight into its own new array) and deletes the file, so the
parent gets the row table itself, in one copy. Serial runs and Dask clusters (whose
workers may be on other machines) never spill.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from sim.metrics.row_table import Column, RowTable

__all__ = ["SpilledRows", "load_rows", "spill", "unspill"]

#: How a column refers to its arrays: ("array", index into the file's arrays) or
#: ("constant", value, rows) for a zero-stride column; None for no array.
Ref = tuple[Any, ...] | None


def _is_constant(values: np.ndarray) -> bool:
    return values.ndim == 1 and values.size > 1 and values.strides[0] == 0


class SpilledRows:
    """A row table written to a file by a worker; unpickles as the :class:`RowTable`."""

    def __init__(self, path: str, layout: list[list[tuple[str, str, tuple[str, ...], Ref, Ref]]]
                 ) -> None:
        self.path = path
        self.layout = layout

    def load(self) -> RowTable:
        """Read the table back and delete the file."""
        return load_rows(self.path, self.layout)

    def __reduce__(self) -> tuple[Any, ...]:
        return (load_rows, (self.path, self.layout))


def spill(table: Any, directory: str | os.PathLike[str], name: str) -> Any:
    """Write ``table`` (a :class:`RowTable`) to a new file in ``directory``; return the
    :class:`SpilledRows` that stands for it. Anything else is returned unchanged."""
    if not isinstance(table, RowTable):
        return table
    path = Path(directory) / f"{name}-{os.getpid()}-{id(table):x}.npy"
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

    layout = [[(col, c.dtype, c.names, ref(c.values), ref(c.minus)) for col, c in part.items()]
              for part in table.parts]
    with open(path, "wb") as f:
        for values in arrays:  # straight from each array's memory (no pickled copy)
            np.lib.format.write_array(f, np.ascontiguousarray(values), allow_pickle=False)
    return SpilledRows(str(path), layout)


def load_rows(path: str, layout: list[list[tuple[str, str, tuple[str, ...], Ref, Ref]]]
              ) -> RowTable:
    """Read a row table written by :func:`spill` and delete its file."""
    arrays: list[np.ndarray] = []
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        while f.tell() < size:
            arrays.append(np.lib.format.read_array(f, allow_pickle=False))
    os.unlink(path)

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
