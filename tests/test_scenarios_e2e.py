"""End to end: every bundled scenario validates and runs through the CLI, with sane outputs.

Compare pairs are declared where a planner reads them: a scenario's header comment
that shows ``servicesim compare scenarios/A.yaml scenarios/B.yaml`` declares the
pair (A, B), and every such command is run here, so the commands the files
advertise keep working. A file named ``*_baseline.yaml`` must be the baseline of
at least one declared pair.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SHARES = ("abandon_rate", "service_level", "utilization", "recontact_rate", "fcr",
          "containment_rate")
VERDICTS = {"better", "worse", "higher", "lower", "no significant difference", "n/a"}
_COMPARE = re.compile(r"^#.*?\bservicesim compare\s+(.+?)\s*$")
_SCENARIO_ARG = re.compile(r"^scenarios/[\w.-]+\.yaml$")


def _declared_pairs() -> list[tuple[str, ...]]:
    """Every ``servicesim compare`` command of bundled scenario files in a header comment.

    Only commands whose arguments are all bundled files (``scenarios/X.yaml``) count;
    placeholders such as ``my_variant.yaml`` are examples, not pairs.
    """
    found: dict[tuple[str, ...], None] = {}
    for path in SCENARIOS:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = _COMPARE.match(line)
            if m is None:
                continue
            args = m.group(1).split()
            if len(args) >= 2 and all(_SCENARIO_ARG.match(a) for a in args):
                found[tuple(args)] = None
    return list(found)


PAIRS = _declared_pairs()


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
    for share in SHARES:
        value = kpis.get(share, {}).get("mean")
        assert value is None or 0.0 <= value <= 1.0, (share, value)
    contacts = pq.read_table(out / "contacts.parquet")
    assert contacts.num_rows > 0 and "replication" in contacts.column_names
    assert pq.read_table(out / "intervals.parquet").num_rows > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] is not None and manifest["scenario_hash"]
    html = (out / "report.html").read_text()
    assert html.rstrip().endswith("</html>")


def test_compare_pairs_are_declared():
    assert PAIRS, "no scenario header declares a 'servicesim compare scenarios/A.yaml ...' pair"
    baselines = {Path(args[0]).name for args in PAIRS}
    for path in SCENARIOS:
        if path.stem.endswith("_baseline"):
            assert path.name in baselines, (
                f"{path.name} is named as a baseline but no header declares "
                f"'servicesim compare scenarios/{path.name} scenarios/<redesign>.yaml'")
    for args in PAIRS:
        for arg in args:
            assert (ROOT / arg).is_file(), f"a declared compare names a missing file: {arg}"


def _demand(arg: str) -> object:
    return load(ROOT / arg).raw["demand"]


@pytest.mark.parametrize("args", PAIRS, ids=["-vs-".join(Path(a).stem for a in p) for p in PAIRS])
def test_declared_compare_runs(args: tuple[str, ...], tmp_path: Path):
    out = tmp_path / "cmp"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "compare", *args, "--out", str(out),
         "--replications", "2", "--executor", "serial", "--quiet"],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("compare.csv", "compare.parquet", "manifest.json"):
        assert (out / name).is_file(), name
    assert (out / "report.html").read_text().rstrip().endswith("</html>")
    result = json.loads((out / "compare.json").read_text())
    assert result["replications"] == 2 and result["common_random_numbers"] is True
    assert len(result["variants"]) == len(args) - 1
    rows = [r for r in result["rows"] if r["group"] == "all"]
    by = {(r["kpi"], r["variant"]): r for r in rows}
    for variant in range(len(args)):
        assert by[("offered", variant)]["mean"] > 0
        for share in SHARES:
            value = by.get((share, variant), {}).get("mean")
            assert value is None or 0.0 <= value <= 1.0, (share, variant, value)
    for r in rows:
        if r["variant"] == 0:
            assert r["verdict"] == "baseline"
            continue
        assert r["verdict"] in VERDICTS, r
        base = by[(r["kpi"], 0)]["mean"]
        if r["diff"] is None or base is None or r["mean"] is None:
            continue
        assert math.isclose(r["diff"], r["mean"] - base, rel_tol=1e-6, abs_tol=1e-9), r
        assert r["diff_ci_low"] <= r["diff"] + 1e-9 and r["diff"] <= r["diff_ci_high"] + 1e-9, r
    # Same demand lines and seed: common random numbers give every variant the very
    # same customer needs, replication by replication.
    for variant, arg in enumerate(args[1:], start=1):
        if _demand(arg) == _demand(args[0]):
            assert by[("journeys", variant)]["diff"] == 0, (arg, by[("journeys", variant)])
