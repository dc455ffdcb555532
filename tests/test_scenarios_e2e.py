"""End to end: every bundled scenario validates and runs through the CLI, with sane outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          timeout=600)


def test_there_are_bundled_scenarios():
    assert any(p.name == "quickstart.yaml" for p in SCENARIOS)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_validates_and_runs(path: Path, tmp_path: Path):
    check = _cli("validate", str(path))
    assert check.returncode == 0, check.stderr
    out = tmp_path / "out"
    proc = _cli("run", str(path), "--out", str(out), "--replications", "2",
                "--executor", "serial", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 2
    kpis = summary["kpis"]
    assert kpis["offered"]["mean"] > 0
    for share in ("abandon_rate", "service_level", "utilization"):
        value = kpis[share]["mean"]
        assert value is None or 0.0 <= value <= 1.0, (share, value)
    contacts = pq.read_table(out / "contacts.parquet")
    assert contacts.num_rows > 0 and "replication" in contacts.column_names
    assert pq.read_table(out / "intervals.parquet").num_rows > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] is not None and manifest["scenario_hash"]
    html = (out / "report.html").read_text()
    assert html.rstrip().endswith("</html>")
