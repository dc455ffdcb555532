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


@pytest.fixture
def base():
    return tiny(replications=2, horizon="30min", warmup="10min")


@pytest.fixture
def counted(monkeypatch):
    """Count point runs; optionally raise KeyboardInterrupt after ``limit`` of them."""
    state = {"runs": [], "limit": None}
    real = sweep_mod.run_point

    def run_point(scenario, replications, session, progress=False):
        if state["limit"] is not None and len(state["runs"]) >= state["limit"]:
            raise KeyboardInterrupt
        state["runs"].append((scenario.pools["agents"].size,
                              scenario.channels["phone"].service_level_target))
        return real(scenario, replications, session, progress)

    monkeypatch.setattr(sweep_mod, "run_point", run_point)
    return state


def test_interrupted_then_resumed_equals_uninterrupted(base, counted, tmp_path: Path) -> None:
    full = sweep(base, GRID, tmp_path / "full", executor="serial")
    assert len(counted["runs"]) == 6
    counted["runs"].clear()

    out = tmp_path / "resumed"
    counted["limit"] = 4
    with pytest.raises(SweepInterrupted) as info:
        sweep(base, GRID, out, executor="serial")
    assert isinstance(info.value, KeyboardInterrupt)
    assert (info.value.done, info.value.total) == (4, 6)
    assert "4 of 6 points done" in str(info.value)
    assert len(list((out / "points").glob("*.json"))) == 4
    partial = pd.read_csv(out / "sweep.csv")  # the finished points are readable
    assert partial["point_id"].nunique() == 4
    finished = list(counted["runs"])

    counted["limit"] = None
    counted["runs"].clear()
    resumed = sweep(base, GRID, out, executor="processes", workers=2)
    assert len(counted["runs"]) == 2
    assert not set(counted["runs"]) & set(finished)  # no finished point rerun
    pd.testing.assert_frame_equal(resumed, full)
    assert (out / "sweep.csv").read_bytes() == (tmp_path / "full" / "sweep.csv").read_bytes()

    counted["runs"].clear()
    again = sweep(base, GRID, out, executor="serial")  # everything done: nothing runs
    assert counted["runs"] == []
    pd.testing.assert_frame_equal(again, full)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["points_resumed"] == 6 and manifest["kind"] == "sweep"


def test_table_layout_and_outputs(base, tmp_path: Path) -> None:
    table = sweep(base, {"pools.agents.size": "48:52:2"}, tmp_path, executor="serial")
    assert list(table.columns) == ["pools.agents.size", "point_id", "kpi", "n", "mean",
                                   "ci_low", "ci_high", "half_width"]
    assert table["pools.agents.size"].drop_duplicates().tolist() == [48, 50, 52]
    asa = table[table["kpi"] == "asa_s"].set_index("pools.agents.size")["mean"]
    assert asa[48] > asa[52]  # more agents, shorter waits (common random numbers)
    assert (table["n"] == 2).all()
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
    assert len(counted["runs"]) == 2
    seeds = {json.loads(p.read_text())["seed"] for p in (tmp_path / "points").glob("*.json")}
    assert seeds == {8}


def test_bad_grid_value_fails_before_running(base, counted, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        sweep(base, {"pools.agents.size": [50, -1]}, tmp_path, executor="serial")
    assert counted["runs"] == []
