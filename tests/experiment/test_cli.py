"""``servicesim run | compare | sweep`` end to end, and the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.api
from sim.cli import app

from .conftest import TINY_YAML

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_run_writes_outputs_and_prints_tables(tiny_file: Path, tmp_path: Path,
                                              monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", tiny_file, "--executor", "serial", "-n", "2", "--seed", "3")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "tiny"  # default: out/<file stem>
    assert "2 replications of 'tiny' in" in result.stdout and "→ out/tiny" in result.stdout
    assert "asa_s" in result.stdout and "95% CI" in result.stdout
    assert "By channel" in result.stdout and "phone" in result.stdout
    for name in ("summary.json", "contacts.parquet", "intervals.parquet", "manifest.json"):
        assert (out / name).exists(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["replications"] == 2


def test_run_quiet_with_precision(tiny_file: Path, tmp_path: Path) -> None:
    result = invoke("run", tiny_file, "--out", tmp_path / "o", "--executor", "serial",
                    "--precision", "offered=5%", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 and "replications of 'tiny'" in result.stdout
    doc = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert doc["stopping"]["met"] is True


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--precision", "asa=2"], "no KPI 'asa'"),
        (["--precision", "asa_s"], "expected KPI=HALF_WIDTH"),
        (["--executor", "threads"], "unknown executor"),
    ],
)
def test_run_option_mistakes_are_one_line_errors(tiny_file: Path, tmp_path: Path,
                                                 args: list[str], fragment: str) -> None:
    result = invoke("run", tiny_file, "--out", tmp_path, "--executor", "serial", "-n", "2",
                    *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and fragment in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_run_scenario_error_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_YAML.replace("size: 50", "size: lots"))
    result = invoke("run", bad, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "bad.yaml" in result.stderr
    missing = invoke("run", tmp_path / "nope.yaml")
    assert missing.exit_code == 2 and "not found" in missing.stderr


def test_compare_command(tiny_file: Path, tmp_path: Path) -> None:
    variant = tmp_path / "bigger.yaml"
    variant.write_text(TINY_YAML.replace("name: tiny", "name: bigger")
                       .replace("size: 50", "size: 52"))
    out = tmp_path / "cmp"
    result = invoke("compare", tiny_file, variant, "--out", out, "-n", "8",
                    "--executor", "serial")
    assert result.exit_code == 0, result.output
    assert "'bigger' vs baseline 'tiny'" in result.stdout
    assert "better" in result.stdout and "compared 2 scenarios" in result.stdout
    assert "after Holm's correction" in result.stdout
    for name in ("compare.csv", "compare.parquet", "compare.json", "manifest.json"):
        assert (out / name).exists(), name
    one = invoke("compare", tiny_file)
    assert one.exit_code == 2 and "at least one variant" in one.stderr


def test_sweep_command_resume_and_errors(tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    args = ["sweep", tiny_file, "--set", "pools.agents.size=48:50:2", "--out", out,
            "-n", "2", "--executor", "serial"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "swept 2 points of 'tiny'" in result.stdout
    assert "size = pools.agents.size" in result.stdout and "ASA" in result.stdout
    assert len(list((out / "points").glob("*.json"))) == 2
    # a different replication count on the same folder: refused, then --fresh
    refused = invoke(*args[:-4], "-n", "3", "--executor", "serial")
    assert refused.exit_code == 2 and "--fresh" in refused.stderr
    fresh = invoke(*args[:-4], "-n", "3", "--executor", "serial", "--fresh")
    assert fresh.exit_code == 0, fresh.output
    bad = invoke("sweep", tiny_file, "--set", "pools.agents.size=50:40", "--out", out)
    assert bad.exit_code == 2 and "backwards" in bad.stderr
    badpath = invoke("sweep", tiny_file, "--set", "pools.nobody.size=1,2", "--out",
                     tmp_path / "x", "--executor", "serial")
    assert badpath.exit_code == 2 and badpath.stderr.startswith("error: ")


def test_help_texts_speak_planner(tiny_file: Path) -> None:
    for cmd in ("run", "compare", "sweep"):
        result = invoke(cmd, "--help")
        assert result.exit_code == 0
        assert "replications" in result.stdout.lower() or "scenario" in result.stdout.lower()


def test_python_api_accepts_paths(tiny_file: Path, tmp_path: Path) -> None:
    res = sim.api.run(tiny_file, replications=2, executor="serial", keep_contacts=False)
    assert res.scenario.name == "tiny" and res.replications == 2
    cmp = sim.api.compare([tiny_file, sim.api.load(tiny_file)], replications=2,
                          executor="serial")
    assert len(cmp.labels) == 2
    table = sim.api.sweep(tiny_file, {"pools.agents.size": [49, 50]}, tmp_path, replications=2,
                          executor="serial")
    assert table["pools.agents.size"].nunique() == 2
