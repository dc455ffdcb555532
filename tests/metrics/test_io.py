"""Atomic, deterministic writers of sim.io."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.io as sio
from sim.io import (
    safe_output_path,
    write_bytes_atomic,
    write_json_atomic,
    write_parquet_atomic,
    write_text_atomic,
)
from sim.metrics import concat_tables, contacts_table

from .conftest import make_records


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_json_writer(tmp_path):
    path = write_json_atomic(tmp_path / "summary.json", {"b": 1, "a": [1.5, None], "é": "ü"})
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert list(json.loads(text)) == ["b", "a", "é"], "insertion order kept"
    assert text == json.dumps({"b": 1, "a": [1.5, None], "é": "ü"}, indent=2,
                              ensure_ascii=False) + "\n"
    assert leftovers(tmp_path) == []


def test_json_writer_refuses_nan_and_keeps_old_file(tmp_path):
    path = tmp_path / "summary.json"
    write_json_atomic(path, {"ok": 1})
    with pytest.raises(ValueError):
        write_json_atomic(path, {"bad": float("nan")})
    assert json.loads(path.read_text()) == {"ok": 1}
    assert leftovers(tmp_path) == []


def test_text_and_bytes_writers(tmp_path):
    write_text_atomic(tmp_path / "sub" / "r.html", "<p>ok</p>")
    assert (tmp_path / "sub" / "r.html").read_text() == "<p>ok</p>"
    write_bytes_atomic(tmp_path / "b.bin", b"\x00\x01")
    write_bytes_atomic(tmp_path / "b.bin", b"\x02")
    assert (tmp_path / "b.bin").read_bytes() == b"\x02"
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "sub") == []
    assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o644


def test_failure_mid_write_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "out.json"
    write_json_atomic(path, {"version": 1})

    def boom(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(sio.os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        write_json_atomic(path, {"version": 2})
    assert json.loads(path.read_text()) == {"version": 1}
    assert leftovers(tmp_path) == []


def test_failure_at_rename_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "out.txt"
    write_text_atomic(path, "old")

    def boom(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(sio.os, "replace", boom)
    with pytest.raises(OSError):
        write_text_atomic(path, "new")
    assert path.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_parquet_roundtrip_and_byte_identical(tmp_path):
    df = concat_tables([contacts_table(make_records(replication=r)) for r in range(2)])
    df.index = np.arange(len(df)) * 3  # a non-default index is not stored
    a = write_parquet_atomic(tmp_path / "a.parquet", df)
    b = write_parquet_atomic(tmp_path / "b.parquet", df.copy())
    assert a.read_bytes() == b.read_bytes()
    before = a.read_bytes()
    write_parquet_atomic(a, df)
    assert a.read_bytes() == before, "rewrite gives identical bytes"
    back = pd.read_parquet(a)
    assert list(back.columns) == list(df.columns)
    assert back.index.equals(pd.RangeIndex(len(df)))
    pd.testing.assert_frame_equal(back, df.reset_index(drop=True))
    assert leftovers(tmp_path) == []


def test_safe_output_path(tmp_path):
    assert safe_output_path(tmp_path, "summary.json") == tmp_path / "summary.json"
    assert safe_output_path(tmp_path, "plots/wait.png") == tmp_path / "plots" / "wait.png"
    for bad in ["../x.json", "a/../../x", "/etc/passwd", "", ".", "a/.."]:
        with pytest.raises(ValueError):
            safe_output_path(tmp_path, bad)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    os.symlink(outside, tmp_path / "link")
    with pytest.raises(ValueError):
        safe_output_path(tmp_path, "link/x.json")


def test_parquet_bytes_identical_across_processes(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from metrics.conftest import make_records;"
        "from sim.io import write_parquet_atomic;"
        "from sim.metrics import interval_table;"
        "write_parquet_atomic(sys.argv[1], interval_table(make_records()))"
    )
    tests_dir = str(Path(__file__).resolve().parents[1])
    paths = [tmp_path / f"{i}.parquet" for i in range(2)]
    for p in paths:
        subprocess.run([sys.executable, "-c", code, str(p), tests_dir], check=True)
    assert paths[0].read_bytes() == paths[1].read_bytes()
