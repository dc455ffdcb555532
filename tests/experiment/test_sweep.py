"""sweep(): grid runs saved point by point, resumable after Ctrl-C."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment import SweepError, SweepInterrupted, sweep
from sim.experiment.grid import point_id
from sim.scenario import ScenarioError

from .conftest import tiny

# the package re-exports the function ``sweep``, which shadows the submodule's name
sweep_mod = importlib.import_module("sim.experiment.sweep")

GRID = {"pools.agents.size": [48, 50, 52], "channels.phone.service_level_target": ["20s", "30s"]}
REPS = 2


@pytest.fixture
def base():
    return tiny(replications=REPS, horizon="30min", warmup="10min")


@pytest.fixture
def counted(monkeypatch):
    """Count replication runs (in-process executors); optionally Ctrl-C at call ``stop``.

    ``state["real"]`` is the unpatched (picklable) task function, for process pools.
    """
    real = sweep_mod.run_replication
    state = {"runs": [], "stop": None, "real": real}

    def run_replication(task):
        if state["stop"] is not None and len(state["runs"]) + 1 >= state["stop"]:
            raise KeyboardInterrupt
        s = task.scenario
        state["runs"].append((s.pools["agents"].size,
                              s.channels["phone"].service_level_target, task.replication))
        return real(task)

    monkeypatch.setattr(sweep_mod, "run_replication", run_replication)
    return state


def _stamps(out: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (out / "points").glob("*.json")}


def test_interrupted_then_resumed_equals_uninterrupted(base, counted, tmp_path: Path) -> None:
    full = sweep(base, GRID, tmp_path / "full", executor="serial")
    assert len(counted["runs"]) == 6 * REPS
    counted["runs"].clear()

    # Ctrl-C in the middle of the 5th point: 4 points finished, the 5th half run
    out = tmp_path / "resumed"
    counted["stop"] = 4 * REPS + 2
    with pytest.raises(SweepInterrupted) as info:
        sweep(base, GRID, out, executor="serial")
    assert isinstance(info.value, KeyboardInterrupt)
    assert (info.value.done, info.value.total) == (4, 6)
    assert "4 of 6 points done" in str(info.value)
    before = _stamps(out)
    assert len(before) == 4
    partial = pd.read_csv(out / "sweep.csv")  # the finished points are readable
    assert partial["point_id"].nunique() == 4
    finished = {run[:2] for run in counted["runs"][: 4 * REPS]}

    # resume on another executor: only the 2 missing points run, finished files untouched
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep_mod, "run_replication", counted["real"])  # picklable for the pool
        resumed = sweep(base, GRID, out, executor="processes", workers=2)
    after = _stamps(out)
    assert len(after) == 6
    assert {k: after[k] for k in before} == before
    pd.testing.assert_frame_equal(resumed, full)
    assert (out / "sweep.csv").read_bytes() == (tmp_path / "full" / "sweep.csv").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["points_run"] == 2 and manifest["points_resumed"] == 4

    counted["stop"] = None
    counted["runs"].clear()
    again = sweep(base, GRID, out, executor="serial")  # everything done: nothing runs
    assert counted["runs"] == []
    pd.testing.assert_frame_equal(again, full)
    assert len(finished) == 4


def test_interrupt_between_points_via_callback(base, counted, tmp_path: Path) -> None:
    seen = []

    def on_point(point, summary):
        seen.append(point)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted, match="2 of 6 points"):
        sweep(base, GRID, tmp_path, executor="serial", on_point=on_point)
    counted["runs"].clear()
    sweep(base, GRID, tmp_path, executor="serial")
    rerun = {run[:2] for run in counted["runs"]}
    assert len(rerun) == 4
    assert not rerun & {(p["pools.agents.size"], float(p["channels.phone.service_level_target"]
                                                       .rstrip("s"))) for p in seen}


def test_table_layout_and_outputs(base, tmp_path: Path) -> None:
    table = sweep(base, {"pools.agents.size": "48:52:2"}, tmp_path, executor="serial")
    assert list(table.columns) == ["pools.agents.size", "point_id", "kpi", "n", "mean",
                                   "ci_low", "ci_high", "half_width"]
    assert table["pools.agents.size"].drop_duplicates().tolist() == [48, 50, 52]
    asa = table[table["kpi"] == "asa_s"].set_index("pools.agents.size")["mean"]
    assert asa[48] > asa[52]  # more agents, shorter waits (common random numbers)
    assert (table.loc[table["kpi"] == "asa_s", "n"] == 2).all()
    csv = pd.read_csv(tmp_path / "sweep.csv")
    parquet = pd.read_parquet(tmp_path / "sweep.parquet")
    doc = json.loads((tmp_path / "sweep.json").read_text())
    assert len(csv) == len(parquet) == len(doc["rows"]) == len(table)
    pd.testing.assert_frame_equal(parquet, table)
    assert doc["grid"] == {"pools.agents.size": [48, 50, 52]} and doc["done"] == 3
    point = json.loads((tmp_path / "points" / f"{point_id({'pools.agents.size': 50})}.json")
                       .read_text())
    assert point["params"] == {"pools.agents.size": 50} and point["replications"] == 2


def test_resume_refuses_points_of_another_scenario(base, counted, tmp_path: Path) -> None:
    grid = {"pools.agents.size": [48, 50]}
    sweep(base, grid, tmp_path, executor="serial")
    other = tiny(replications=2, horizon="30min", warmup="10min", seed=8)
    with pytest.raises(SweepError, match="different base scenario.*--fresh"):
        sweep(other, grid, tmp_path, executor="serial")
    with pytest.raises(SweepError, match="replication"):
        sweep(base, grid, tmp_path, replications=3, executor="serial")
    counted["runs"].clear()
    sweep(other, grid, tmp_path, executor="serial", resume=False)  # --fresh
    assert len(counted["runs"]) == 2 * REPS
    seeds = {json.loads(p.read_text())["seed"] for p in (tmp_path / "points").glob("*.json")}
    assert seeds == {8}


def test_bad_grid_value_fails_before_running(base, counted, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        sweep(base, {"pools.agents.size": [50, -1]}, tmp_path, executor="serial")
    assert counted["runs"] == []
