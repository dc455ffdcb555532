"""Atomic, deterministic output files.

Every output of a run is written atomically: the bytes go to a temporary file in
the destination directory, are flushed and fsynced, and the temporary file is then
renamed over the destination with :func:`os.replace` (atomic on POSIX and
Windows within one filesystem). A reader therefore sees either the old file or the
complete new one, never half of it; a failure mid-write leaves the old file intact
and no temporary file behind.

Writers are deterministic: the same object gives the same bytes (JSON keeps the
insertion order of keys; parquet stores no index and no timestamps), so reruns of
a seeded scenario can be compared byte for byte.

Text a user wrote reaches every output, so every output can hold it: text is
encoded with escapes for what UTF-8 cannot store (lone surrogates, refused at load
but possible in a command line), and CSV cells that a spreadsheet would run as a
formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return,
such as a scenario named ``=HYPERLINK(...)``) are written with a leading ``'``,
the usual defence against formula injection (:func:`csv_text`;
:func:`csv_value` undoes it when such a file is read back).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

__all__ = [
    "csv_text",
    "csv_value",
    "safe_output_path",
    "write_bytes_atomic",
    "write_file_atomic",
    "write_json_atomic",
    "write_parquet_atomic",
    "write_text_atomic",
]

PathLike = str | os.PathLike[str]

#: Mode of newly created output files (an existing file keeps its mode).
DEFAULT_FILE_MODE = 0o644


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself (best effort; not possible on every platform)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_atomic(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; missing parent directories are created.
    data : bytes
        The complete content.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    return write_file_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_file_atomic(path: PathLike, fill: Callable[[Path], Any]) -> Path:
    """Write ``path`` atomically by letting ``fill`` write the content to a temporary file.

    ``fill(tmp)`` writes the whole content to the temporary path ``tmp`` (in the
    destination directory), in as many pieces as it likes, so large content never
    needs to be in memory at once; the file is then flushed to disk and renamed over
    ``path``. If ``fill`` raises, nothing is left behind and ``path`` is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; missing parent directories are created.
    fill : callable
        Writes the content to the path it is given.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    dest = Path(path)
    parent = dest.parent
    parent.mkdir(parents=True, exist_ok=True)
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        mode = DEFAULT_FILE_MODE
    else:
        # keep an existing file's permission bits, but never special bits (setuid,
        # setgid, sticky) nor a mode seen through a symlink planted at the name,
        # which os.replace swaps for the new file without touching its target
        mode = DEFAULT_FILE_MODE if stat.S_ISLNK(st.st_mode) else st.st_mode & 0o777
    tmp = tempfile.NamedTemporaryFile(
        mode="wb", dir=parent, prefix=f".{dest.name}.", suffix=".tmp", delete=False
    )
    tmp.close()
    tmp_path = Path(tmp.name)
    try:
        fill(tmp_path)
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise
    _fsync_dir(parent)
    return dest


def write_text_atomic(path: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (no newline translation).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    text : str
        The complete content.
    encoding : str, default "utf-8"
        Text encoding.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    return write_bytes_atomic(path, text.encode(encoding, "backslashreplace"))


def write_json_atomic(path: PathLike, obj: Any) -> Path:
    """Write ``obj`` as strict JSON (indent 2, key order kept, trailing newline).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    obj : Any
        JSON-serialisable object; NaN or infinity raise ``ValueError`` (and nothing
        is written).

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    text = json.dumps(obj, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    return write_text_atomic(path, text)


#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defused(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, with a ``'`` in front."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def csv_text(df: pd.DataFrame, **kwargs: Any) -> str:
    """``df.to_csv(index=False, **kwargs)`` with formula-like text cells (and column
    names) defused by a leading ``'`` (numbers such as ``-3.5`` are left alone).

    Parameters
    ----------
    df : pandas.DataFrame
        The table; its index is not written.
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv`.

    Returns
    -------
    str
        The CSV text.
    """
    out = df.copy(deep=False)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(_defused)
    out.columns = [_defused(c) for c in out.columns]
    return out.to_csv(index=False, **kwargs)


def csv_value(text: str) -> str:
    """Undo :func:`csv_text`'s defence on one cell read back from a CSV file."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def parquet_bytes(df: pd.DataFrame, compression: str = "zstd") -> bytes:
    """Serialise ``df`` to parquet bytes, deterministically and without its index.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame; its index is dropped.
    compression : str, default "zstd"
        Parquet codec.

    Returns
    -------
    bytes
        The parquet file. Identical frames give identical bytes (no timestamps are
        stored; only the pyarrow version appears in the metadata).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=compression)
    return buf.getvalue()


#: Rows per parquet row group: pyarrow's default, so that a table written a row group
#: at a time is byte for byte the file one ``pyarrow.parquet.write_table`` call gives.
ROW_GROUP_ROWS = 1024 * 1024


class RowGroups(Protocol):
    """A table that can hand out its rows as frames, a number of rows at a time
    (:class:`sim.metrics.row_table.RowTable`)."""

    def frames(self, rows: int) -> Iterator[pd.DataFrame]: ...


def write_parquet_atomic(path: PathLike, df: pd.DataFrame | RowGroups,
                         compression: str = "zstd") -> Path:
    """Write ``df`` as a parquet file atomically (see :func:`parquet_bytes`).

    The file is written straight to disk, one row group (:data:`ROW_GROUP_ROWS`
    rows) at a time when ``df`` is a table that decodes its rows on demand, so
    neither the whole file nor, for such a table, the whole decoded frame is ever in
    memory. The bytes are those of :func:`parquet_bytes` of the whole frame.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    df : pandas.DataFrame or RowGroups
        The frame (its index is not stored), or a table with ``frames(rows)``.
    compression : str, default "zstd"
        Parquet codec.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    frames: Iterable[pd.DataFrame] = [df] if isinstance(df, pd.DataFrame) \
        else df.frames(ROW_GROUP_ROWS)

    def fill(tmp: Path) -> None:
        writer = None
        try:
            for frame in frames:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                del frame
                if writer is None:
                    writer = pq.ParquetWriter(str(tmp), table.schema, compression=compression)
                writer.write_table(table)
                del table
        finally:
            if writer is not None:
                writer.close()

    return write_file_atomic(path, fill)


def safe_output_path(out_dir: PathLike, name: PathLike) -> Path:
    """Join ``name`` to ``out_dir``, refusing names that would escape it.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The output directory.
    name : str or os.PathLike
        A relative file name, possibly with subdirectories (``"plots/wait.png"``).

    Returns
    -------
    pathlib.Path
        ``out_dir / name``.

    Raises
    ------
    ValueError
        If ``name`` is empty, absolute, contains a ``..`` component, or resolves
        (through symlinks) outside ``out_dir``.
    """
    raw = os.fspath(name)
    rel = Path(raw)
    if not raw or rel == Path(".") or rel.is_absolute() or rel.anchor:
        raise ValueError(f"output name must be a relative file name, got {raw!r}")
    if any(part == ".." for part in rel.parts) or "\\.." in raw or "..\\" in raw:
        raise ValueError(f"output name must not contain '..', got {raw!r}")
    base = Path(out_dir)
    dest = base / rel
    base_resolved = base.resolve()
    dest_resolved = dest.resolve()
    if dest_resolved == base_resolved or not dest_resolved.is_relative_to(base_resolved):
        raise ValueError(f"output name {raw!r} escapes the output directory {os.fspath(base)!r}")
    return dest
