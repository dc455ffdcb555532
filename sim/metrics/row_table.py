"""Row tables kept as compact columns: the contacts and journeys of a run, lazily decoded.

A replication's contact and journey tables hold a row per contact and per journey,
which for a long run is most of its memory. A :class:`RowTable` keeps them as the
arrays the metrics already have — the records' own columns (small integer codes,
no copy), per-journey counts in the smallest integer type, a constant column as a
view of one value — and turns them into the decoded table (categorical names,
``int64`` counts, the ``replication`` column) only when asked, a slice of rows at
a time:

* :meth:`RowTable.frame` — the rows as a :class:`pandas.DataFrame`, exactly as the
  table functions of :mod:`sim.metrics.tables` give them (stacked over
  replications as :func:`~sim.metrics.tables.concat_tables` does);
* :meth:`RowTable.frames` — consecutive slices of a given number of rows, so a
  parquet file is written one row group at a time
  (:func:`sim.io.write_parquet_atomic`) without the whole decoded table in memory.

Tables of several replications are concatenated without copying
(:meth:`RowTable.concat`: a list of parts). Pickling stores a constant column as
its one value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

__all__ = ["Column", "RowTable", "constant", "decode"]


def decode(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    """Codes -> categorical of ``names``; codes outside ``0 .. len(names) - 1`` become
    missing."""
    codes = np.asarray(codes)
    n = len(names)
    # straight into the code type pandas keeps for this many categories (no int64 copy)
    kind = np.int8 if n < 127 else np.int16 if n < 32767 else np.int32
    out = codes.astype(kind)
    out[(codes < 0) | (codes >= n)] = -1
    return pd.Categorical.from_codes(out, categories=pd.Index(list(names), dtype=object))


def constant(value: Any, n: int, dtype: str | np.dtype) -> np.ndarray:
    """``n`` copies of ``value`` that take no memory (a read-only view of one value)."""
    return np.broadcast_to(np.asarray([value], dtype=dtype), (n,))


def _is_constant(values: np.ndarray) -> bool:
    return values.ndim == 1 and values.size > 1 and values.strides[0] == 0


@dataclass(frozen=True)
class Column:
    """One column of a row table.

    Attributes
    ----------
    values
        One value per row, in any numeric type that holds them (a constant column
        may be a zero-stride view, :func:`constant`).
    dtype
        The column's type in the decoded table (``"int64"``, ``"float64"``,
        ``"bool"``, ...); ``"category"``: ``values`` are codes into ``names``.
    names
        The categories of a ``"category"`` column, in code order.
    minus
        If given, the column is ``values - minus`` (computed when decoded, never
        stored: e.g. a journey's sojourn, its last end minus its first arrival).
    """

    values: np.ndarray
    dtype: str
    names: tuple[str, ...] = ()
    minus: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start .. stop - 1`` in the decoded type (codes, for a category)."""
        values = self.values[start:stop]
        if self.minus is not None:
            values = values - self.minus[start:stop]
        if self.dtype == "category":
            return np.asarray(values)  # codes as kept: decode() narrows them
        return np.array(values, dtype=self.dtype)

    def __reduce__(self) -> tuple[Any, ...]:
        # a constant column pickles as its one value, not as a full array
        values: Any = self.values
        if _is_constant(self.values):
            values = ("constant", self.values[:1].copy(), len(self))
        return (_column, (values, self.dtype, self.names, self.minus))


def _column(values: Any, dtype: str, names: tuple[str, ...],
            minus: np.ndarray | None) -> Column:
    if isinstance(values, tuple):
        _, one, n = values
        values = np.broadcast_to(one, (n,))
    return Column(values, dtype, names, minus)


class RowTable:
    """A row table (contacts, journeys) of one or more replications, as compact columns.

    Parameters
    ----------
    parts
        One mapping ``{column name: Column}`` per replication, in row order, all with
        the same columns in the same order.
    """

    def __init__(self, parts: Sequence[Mapping[str, Column]]) -> None:
        self.parts = [dict(p) for p in parts]
        self.columns: tuple[str, ...] = tuple(self.parts[0]) if self.parts else ()
        for part in self.parts[1:]:
            if tuple(part) != self.columns:
                raise ValueError(f"row table parts with different columns: {tuple(part)} "
                                 f"and {self.columns}")
        self._lengths = [len(next(iter(p.values()))) if p else 0 for p in self.parts]

    def __len__(self) -> int:
        return sum(self._lengths)

    def __repr__(self) -> str:
        return f"RowTable({len(self):,} rows x {len(self.columns)} columns, " \
               f"{len(self.parts)} part(s))"

    @classmethod
    def concat(cls, tables: Sequence[RowTable]) -> RowTable:
        """The rows of ``tables`` one after the other (their arrays are shared, not copied)."""
        return cls([part for table in tables for part in table.parts])

    @property
    def nbytes(self) -> int:
        """Memory held by the columns' arrays (a constant counts its one value)."""
        seen: set[int] = set()
        total = 0
        for part in self.parts:
            for col in part.values():
                for arr in (col.values, col.minus):
                    if arr is None or id(arr) in seen:
                        continue
                    seen.add(id(arr))
                    total += arr.itemsize if _is_constant(arr) else arr.nbytes
        return total

    def frame(self, start: int = 0, stop: int | None = None,
              columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows ``start .. stop - 1`` decoded, as a frame with a fresh ``RangeIndex``.

        ``columns``: only these (in table order); default all.
        """
        total = len(self)
        stop = total if stop is None else min(stop, total)
        start = min(max(start, 0), stop)
        wanted = self.columns if columns is None else tuple(c for c in self.columns
                                                            if c in set(columns))
        spans = []  # (part, first row, last row + 1) of every part the slice touches
        offset = 0
        for part, n in zip(self.parts, self._lengths, strict=True):
            a, b = max(start - offset, 0), min(stop - offset, n)
            if a < b:
                spans.append((part, a, b))
            offset += n
        if not spans:  # no rows: the columns, empty, in their types
            if not self.parts:
                return pd.DataFrame(columns=list(wanted))
            spans = [(self.parts[0], 0, 0)]
        # each decoded column is a fresh array: the frame takes it as it is (no second copy)
        return pd.DataFrame({name: self._decoded(name, spans) for name in wanted}, copy=False)

    def _decoded(self, name: str, spans: list[tuple[dict[str, Column], int, int]]) -> Any:
        cols = [part[name] for part, _, _ in spans]
        pieces = [col.rows(a, b) for col, (_, a, b) in zip(cols, spans, strict=True)]
        values = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
        head = cols[0]
        if head.dtype != "category":
            return values
        if all(col.names == head.names for col in cols):
            return decode(values, head.names)
        # parts with different categories (never within one run): as concat_tables unions them
        cats = [decode(p, col.names) for p, col in zip(pieces, cols, strict=True)]
        return union_categoricals(cats)

    def frames(self, rows: int) -> Iterator[pd.DataFrame]:
        """The table decoded ``rows`` rows at a time (one empty frame for an empty table)."""
        total = len(self)
        if total == 0:
            yield self.frame()
            return
        for start in range(0, total, rows):
            yield self.frame(start, start + rows)
