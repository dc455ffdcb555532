"""Parsing helpers for logs: tables, column lookup, timestamps, durations, flags, and
the count of skipped rows by reason (:class:`Issues`).

Used by the contact-log reader (:mod:`sim.calibrate.read`) and the event-log reader
(:mod:`sim.calibrate.events`). Nothing here drops a row silently: parsers return
NaN / NaT / ``inf`` markers and :class:`RowFilter` counts every skipped row under
its first reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import csv_value
from sim.scenario.units import SECONDS_PER

__all__ = ["Issues", "LogError", "LogField", "RowFilter", "clean_name", "detect_format",
           "load_table",
           "names", "parse_column_map", "parse_flags", "parse_seconds", "parse_timestamps",
           "resolve_columns", "text"]

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0", "resolved"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0", "unresolved"})
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
_MSS = re.compile(r"^\s*(\d+):(\d{1,2}(?:\.\d*)?)\s*$")
_UNIT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([a-zA-Z]+)\s*$")


class LogError(Exception):
    """A log that cannot be read at all (missing file or column); ``str()`` is one line."""


@dataclass(frozen=True)
class LogField:
    """A field of a log: its canonical name, whether required, column aliases."""

    name: str
    required: bool
    aliases: tuple[str, ...]
    help: str


@dataclass
class Issues:
    """Rows (or events) skipped, counted by reason, with their first line numbers."""

    counts: dict[str, int] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, lines: np.ndarray, examples: list[str] | None = None) -> None:
        """Count ``lines`` (file line numbers) under ``reason``."""
        n = int(np.size(lines))
        if n == 0:
            return
        self.counts[reason] = self.counts.get(reason, 0) + n
        have = self.lines.setdefault(reason, [])
        have.extend(int(x) for x in np.asarray(lines)[: max(0, 5 - len(have))])
        if examples:
            ex = self.examples.setdefault(reason, [])
            ex.extend(e for e in examples if e not in ex)
            del ex[5:]

    @property
    def total(self) -> int:
        """Rows skipped over all reasons."""
        return sum(self.counts.values())

    def describe(self) -> list[str]:
        """One line per reason: ``"3 unparsable arrival timestamp (e.g. 'x'; lines 5, 9, 12)"``."""
        out = []
        for reason, n in self.counts.items():
            shown = self.lines.get(reason, [])
            where = ", ".join(str(x) for x in shown) + (", ..." if n > len(shown) else "")
            ex = self.examples.get(reason)
            what = f"e.g. {', '.join(repr(e) for e in ex)}; " if ex else ""
            out.append(f"{n:,} {reason} ({what}line{'s' if n > 1 else ''} {where})")
        return out


def clean_name(raw: str) -> str:
    """A scenario-safe name (letters, digits, ``_ . -``) for a value of the log."""
    name = _NAME_BAD.sub("_", str(raw).strip()).strip("_")[:80]
    return name or "unnamed"


def _key(column: str) -> str:
    return re.sub(r"[\s\-_]+", "_", column.strip().lower())


def parse_column_map(spec: str | None, fields: dict[str, LogField]) -> dict[str, str]:
    """Parse ``'case=CustomerID,arrival=Start'`` into ``{field: column}``.

    Raises
    ------
    LogError
        On a malformed item or an unknown field.
    """
    out: dict[str, str] = {}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise LogError(f"--columns: expected FIELD=COLUMN, got {item.strip()!r}")
        key, _, col = item.partition("=")
        key = key.strip().lower()
        if key not in fields:
            raise LogError(f"--columns: unknown field {key!r}; fields are "
                           + ", ".join(fields))
        out[key] = col.strip()
    return out


def resolve_columns(columns: list[str], fields: dict[str, LogField], given: dict[str, str],
                    source: str) -> dict[str, str]:
    """Field -> column of the file, from ``given`` or the aliases.

    Raises
    ------
    LogError
        If a required field has no column, or ``given`` names a column that is missing.
    """
    by_key = {_key(c): c for c in columns}
    out: dict[str, str] = {}
    for name, f in fields.items():
        if name in given:
            col = given[name]
            if col not in columns and _key(col) not in by_key:
                raise LogError(f"{source}: --columns maps {name} to {col!r}, but the file has "
                               f"no such column (columns: {', '.join(columns)})")
            out[name] = col if col in columns else by_key[_key(col)]
            continue
        hit = next((by_key[_key(a)] for a in f.aliases if _key(a) in by_key), None)
        if hit is not None and hit not in out.values():
            out[name] = hit
        elif f.required:
            raise LogError(
                f"{source}: missing column '{name}' ({f.help}); looked for "
                f"{', '.join(f.aliases[:4])}, ...; the file has {', '.join(columns)}; "
                f"map it with --columns {name}=<column>")
    return out


def column_names(path: str | Path) -> list[str]:
    """The column names of a CSV or parquet file (empty if it cannot be read)."""
    p = Path(path)
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return [str(n) for n in pq.read_schema(p).names]
        return [str(c) for c in pd.read_csv(p, dtype=str, nrows=0).columns]
    except Exception:  # noqa: BLE001 - load_table reports the real problem
        return []


def detect_format(path: str | Path) -> str:
    """``"eventlog"`` when the file has an activity column (pm4py ``concept:name``,
    ``activity``, ``event``) and a case column, otherwise ``"contacts"``."""
    keys = {_key(c) for c in column_names(path)}
    activity = {_key(a) for a in ("concept:name", "activity", "event", "action")}
    case = {_key(a) for a in ("case:concept:name", "case", "case_id", "caseid")}
    return "eventlog" if keys & activity and keys & case else "contacts"


def load_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (all columns as text) or parquet file.

    Raises
    ------
    LogError
        If the file is missing, empty or not a table.
    """
    p = Path(path)
    if not p.is_file():
        raise LogError(f"{p}: file not found")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(p)
        return pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise LogError(f"{p}: the file is empty") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LogError(f"{p}: cannot read it as a table ({first})") from None


def text(series: pd.Series) -> pd.Series:
    """Values as stripped strings, missing as ``''``."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").fillna("")
    values = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    return values.map(csv_value)  # a cell our CSV writer defused against formulas


#: Longest duration read (ten years); longer ones count as unparsable.
MAX_DURATION_S = 10 * 365.25 * 86400.0
#: Numbers as timestamps: seconds from this Monday (servicesim's simulation clock) ...
CLOCK_ZERO = pd.Timestamp("2024-01-01 00:00:00")
#: ... or, from this many seconds on, Unix time (seconds since 1970).
EPOCH_FROM_S = 1e8
#: Timestamps outside these years are unparsable (and would overflow date arithmetic).
YEARS = (1900, 2200)


def _numeric_timestamps(values: pd.Series) -> pd.Series:
    """Numbers as datetimes: Unix seconds when large, else seconds from :data:`CLOCK_ZERO`."""
    v = values.astype(float)
    span = (YEARS[1] - 1970) * 365.25 * 86400.0
    ok = np.isfinite(v) & (v.abs() < span)
    epoch = v >= EPOCH_FROM_S
    base = np.where(epoch, pd.Timestamp("1970-01-01").value, CLOCK_ZERO.value)
    ns = np.where(ok, np.round(v.where(ok, 0.0) * 1e9), 0).astype(np.int64) + base
    out = pd.Series(pd.to_datetime(ns), index=values.index)
    return out.where(ok)


def parse_timestamps(series: pd.Series) -> pd.Series:
    """Naive datetimes (NaT where unparsable); time zones become local wall time.

    Numbers (a numeric column, or text that is all numbers) are seconds: Unix time
    from 1e8 on, otherwise seconds from Monday 2024-01-01 00:00 (servicesim's clock,
    e.g. the ``arrival_s`` of its ``contacts.parquet``). Dates outside the years
    1900..2200 count as unparsable.
    """
    numbers = None
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series
    elif not pd.api.types.is_datetime64_any_dtype(series):
        raw = text(series)
        as_num = pd.to_numeric(raw, errors="coerce")
        if bool((raw != "").any()) and bool(as_num[raw != ""].notna().all()):
            numbers = as_num
    if numbers is not None:
        return _numeric_timestamps(numbers).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series
    else:
        raw = text(series)
        try:
            out = pd.to_datetime(raw, errors="coerce", format="ISO8601")
        except (ValueError, TypeError):  # mixed time-zone offsets
            out = pd.to_datetime(raw, errors="coerce", format="ISO8601", utc=True)
        retry = out.isna() & (raw != "")
        if retry.any():
            try:
                alt = pd.to_datetime(raw[retry], errors="coerce", format="mixed")
            except (ValueError, TypeError):
                alt = pd.Series(pd.NaT, index=raw[retry].index)
            if getattr(alt.dt, "tz", None) is not None:
                alt = alt.dt.tz_localize(None)
            if getattr(out.dt, "tz", None) is not None:
                out = out.dt.tz_localize(None)
            out = out.astype("datetime64[ns]")
            out[retry] = alt.astype("datetime64[ns]")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    out = out.astype("datetime64[ns]")
    years = out.dt.year
    return out.where(years.isna() | ((years >= YEARS[0]) & (years <= YEARS[1])))


def parse_seconds(series: pd.Series) -> pd.Series:
    """Durations in seconds from numbers, ``'90s'``, ``'1.5min'``, ``'00:01:30'``, ``'1:30'``.

    Missing values are NaN; unparsable ones are ``inf`` (so callers can tell them apart).
    Vectorised: each format is tried on the values no earlier format could read.
    """
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    raw = text(series)
    out = pd.to_numeric(raw, errors="coerce").astype(float)
    rest = out.isna() & (raw != "")
    if rest.any():
        mss = raw[rest].str.extract(_MSS)
        hit = mss[0].notna()
        out[hit[hit].index] = 60.0 * mss.loc[hit, 0].astype(float) + mss.loc[hit, 1].astype(float)
        rest &= out.isna()
    if rest.any():
        unit = raw[rest].str.extract(_UNIT)
        factor = unit[1].str.lower().map(SECONDS_PER)
        hit = unit[0].notna() & factor.notna()
        out[hit[hit].index] = unit.loc[hit, 0].astype(float) * factor[hit]
        rest &= out.isna()
    if rest.any():
        td = pd.to_timedelta(raw[rest], errors="coerce").dt.total_seconds()
        out[rest[rest].index] = td.fillna(np.inf)
    # a duration beyond MAX_DURATION_S is no queue wait or handle time (and would
    # overflow date arithmetic): unparsable
    return out.where(~(out.abs() > MAX_DURATION_S), np.inf)


def parse_flags(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(values, bad)``: 1.0 / 0.0 / NaN (blank) and a mask of unreadable flags."""
    raw = text(series).str.lower()
    values = pd.Series(np.nan, index=raw.index)
    values[raw.isin(TRUE_WORDS)] = 1.0
    values[raw.isin(FALSE_WORDS)] = 0.0
    return values, values.isna() & (raw != "")


class RowFilter:
    """Collects skip reasons row by row; each row is counted under its first reason."""

    def __init__(self, lines: np.ndarray, issues: Issues) -> None:
        self.lines = lines
        self.ok = np.ones(lines.shape[0], dtype=bool)
        self.issues = issues

    def skip(self, reason: str, mask: pd.Series | np.ndarray,
             values: pd.Series | None = None) -> None:
        """Skip the rows in ``mask`` not skipped yet, under ``reason``."""
        m = np.asarray(mask, dtype=bool) & self.ok
        examples = None
        if values is not None and m.any():
            examples = list(dict.fromkeys(np.asarray(values)[m].tolist()))[:5]
        self.issues.add(reason, self.lines[m], examples)
        self.ok &= ~m


def names(series: pd.Series | None, n: int, default: str | None, what: str,
          notes: list[str]) -> pd.Series:
    """Scenario-safe names of a column (``default`` when the column is absent)."""
    if series is None:
        return pd.Series([default] * n, dtype=object)
    raw = text(series)
    uniq = pd.unique(raw[raw != ""])
    mapping = {r: clean_name(r) for r in uniq}
    merged: dict[str, list[str]] = {}
    for r, c in mapping.items():
        merged.setdefault(c, []).append(r)
    for c, rs in merged.items():
        if len(rs) > 1:
            notes.append(f"note: {what} values {', '.join(map(repr, rs))} all become '{c}'")
    changed = [f"{r!r} -> {c}" for r, c in mapping.items() if r != c][:5]
    if changed:
        notes.append(f"note: {what} names made scenario-safe: {', '.join(changed)}")
    return raw.map(lambda v: mapping.get(v, None) if v else None).astype(object)


def other_replications(table: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Rows of a simulated log that belong to other replications than the first.

    Logs exported by ``servicesim run --event-log`` hold every replication, each its
    own period from the same reference Monday; calibration reads one period, so rows
    of replications after the first are skipped (and counted under the returned reason).
    """
    col = next((c for c in table.columns if _key(str(c)) == "replication"), None)
    if col is None:
        return np.zeros(len(table), dtype=bool), ""
    values = pd.to_numeric(text(table[col]), errors="coerce").to_numpy()
    uniq = np.unique(values[np.isfinite(values)])
    if uniq.size <= 1:
        return np.zeros(len(table), dtype=bool), ""
    return values != uniq[0], (f"rows of other replications (using replication "
                               f"{uniq[0]:g} of {uniq.size})")
