"""run(): replications, sequential stopping, the output contract and manifest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiment import PrecisionError, run
from sim.experiment.precision import (
    Target,
    TargetStatus,
    check_targets,
    next_total,
    parse_precision,
)
from sim.metrics import summarize

from .conftest import tiny

# --- precision parsing and the stopping rule (pure) ---------------------------------


def test_parse_precision_absolute_relative_and_grouped() -> None:
    got = parse_precision("asa_s=2, abandon_rate=0.005,service_level=5%,channel:phone:asa_s=3")
    assert got == [
        Target("asa_s", 2.0),
        Target("abandon_rate", 0.005),
        Target("service_level", 0.05, relative=True),
        Target("asa_s", 3.0, group="channel", member="phone"),
    ]
    assert parse_precision({"asa_s": "10%"}) == [Target("asa_s", 0.1, relative=True)]
    assert parse_precision(None) == []


@pytest.mark.parametrize("spec", ["asa_s", "asa_s=fast", "asa_s=0", "asa_s=-1", ",",
                                  "a:b=1", "asa_s=nan"])
def test_parse_precision_rejects(spec: str) -> None:
    with pytest.raises(PrecisionError):
        parse_precision(spec)


def _summary(hw: float, mean: float = 10.0, n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"group": ["all"], "member": [""], "kpi": ["asa_s"], "n": [n],
                         "mean": [mean], "half_width": [hw]})


def test_check_targets() -> None:
    assert check_targets(_summary(1.9), [Target("asa_s", 2.0)])[0].met
    assert not check_targets(_summary(2.1), [Target("asa_s", 2.0)])[0].met
    assert check_targets(_summary(0.4), [Target("asa_s", 0.05, relative=True)])[0].met
    assert not check_targets(_summary(0.6), [Target("asa_s", 0.05, relative=True)])[0].met
    assert not check_targets(_summary(np.nan), [Target("asa_s", 2.0)])[0].met
    with pytest.raises(PrecisionError, match="no KPI 'asa'"):
        check_targets(_summary(1.0), [Target("asa", 2.0)])


def test_next_total_grows_between_ten_percent_and_double() -> None:
    t = Target("asa_s", 1.0)
    # hw 2x too wide -> 4x replications wanted, capped at double
    assert next_total(10, [TargetStatus(t, 5.0, 2.0, False)], 1000) == 20
    # nearly there -> at least 10% more
    assert next_total(10, [TargetStatus(t, 5.0, 1.01, False)], 1000) == 11
    assert next_total(10, [TargetStatus(t, 5.0, 1.2, False)], 1000) == 15
    assert next_total(10, [TargetStatus(t, 5.0, 9.0, False)], 12) == 12


# --- sequential stopping on the real engine ------------------------------------------


def test_sequential_stopping_stops_when_half_width_target_met() -> None:
    s = tiny()
    target = 0.012  # offered: ~2700 calls/replication, sd ~52 -> needs ~8 replications
    res = run(s, replications=3, executor="serial", keep_contacts=False,
              precision={"offered": f"{100 * target}%"})
    stop = res.stopping
    assert stop is not None and stop.met
    assert stop.batches > 1
    assert res.replications == stop.replications > 3
    row = res.kpi("offered")
    assert row["half_width"] <= target * row["mean"]
    # the batch before the last one had not met the target yet
    prev = res.kpis[res.kpis["replication"] < _previous_total(res)]
    prow = summarize(prev).query("group == 'all' and kpi == 'offered'").iloc[0]
    assert prow["half_width"] > target * prow["mean"]
    # reported in summary.json
    assert res.summary_dict()["stopping"]["met"] is True


def _previous_total(res) -> int:
    # replay the (deterministic) schedule: 3, then next_total(...) until the final count
    targets = [t.target for t in res.stopping.targets]
    totals = [3]
    while totals[-1] < res.replications:
        sub = res.kpis[res.kpis["replication"] < totals[-1]]
        st = check_targets(summarize(sub), targets)
        totals.append(next_total(totals[-1], st, res.stopping.max_replications))
    assert totals[-1] == res.replications
    return totals[-2]


def test_sequential_stopping_respects_the_maximum() -> None:
    res = run(tiny(), replications=3, executor="serial", keep_contacts=False,
              keep_intervals=False, precision="offered=0.0001%", max_replications=5)
    assert res.replications == 5
    assert res.stopping is not None and not res.stopping.met
    assert "NOT reached" in res.stopping.describe()


def test_unknown_precision_kpi_is_a_clear_error() -> None:
    with pytest.raises(PrecisionError, match="no KPI 'asa'.*asa_s"):
        run(tiny(replications=3), executor="serial", precision="asa=2")


# --- results and the output contract --------------------------------------------------


@pytest.fixture(scope="module")
def results():
    return run(tiny(replications=3), executor="serial")


def test_results_shape(results) -> None:
    assert results.replications == 3
    assert list(results.kpis.columns) == ["replication", "group", "member", "kpi", "value"]
    assert {"group", "member", "kpi", "n", "mean", "ci_low", "ci_high", "half_width"} \
        <= set(results.summary.columns)
    for table in (results.contacts, results.intervals, results.journeys):
        assert table is not None and sorted(table["replication"].unique()) == [0, 1, 2]
    row = results.kpi("asa_s")
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    assert results.wall_s > 0


def test_write_output_contract_and_manifest(results, tmp_path: Path) -> None:
    out = results.write(tmp_path / "out", command="servicesim run tiny.yaml")
    names = {p.name for p in out.iterdir()}
    assert {"contacts.parquet", "intervals.parquet", "journeys.parquet", "manifest.json",
            "summary.json"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "tiny" and summary["replications"] == 3
    assert set(summary["kpis"]["asa_s"]) == {"mean", "ci95"}
    manifest = json.loads((out / "manifest.json").read_text())
    from sim.scenario import scenario_hash

    assert manifest["scenario_hash"] == scenario_hash(results.scenario)
    assert manifest["seed"] == 7 and manifest["replications"] == 3
    assert manifest["version"] == sim.__version__
    assert manifest["command"] == "servicesim run tiny.yaml"
    assert manifest["executor"] == "serial"
    assert {"python", "numpy", "simpy"} <= set(manifest["versions"])
    assert manifest["wall_s"] >= 0 and manifest["timestamp"]
    contacts = pd.read_parquet(out / "contacts.parquet")
    assert len(contacts) == len(results.contacts)
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporaries


def test_report_hook_is_called_when_available(results, tmp_path: Path, monkeypatch) -> None:
    import sim.report

    calls = []

    def fake_report(res, out_dir):
        calls.append(res)
        (Path(out_dir) / "report.html").write_text("<html></html>")

    monkeypatch.setattr(sim.report, "write_run_report", fake_report, raising=False)
    out = results.write(tmp_path)
    assert calls == [results] and (out / "report.html").exists()
    assert "report.html" in json.loads((out / "manifest.json").read_text())["files"]


def test_engine_journeys_are_used_when_recorded(monkeypatch) -> None:
    from sim import model

    real = model.simulate

    def with_journeys(scenario, replication):
        rec = real(scenario, replication)
        rec.extra["journeys"] = {"journey_id": np.arange(3), "resolved": np.ones(3, bool)}
        return rec

    monkeypatch.setattr(model, "simulate", with_journeys)
    res = run(tiny(replications=2), executor="serial")
    assert list(res.journeys.columns) == ["replication", "journey_id", "resolved"]
    assert len(res.journeys) == 6


def test_keep_contacts_false_skips_tables(tmp_path: Path) -> None:
    res = run(tiny(replications=2), executor="serial", keep_contacts=False)
    assert res.contacts is None and res.journeys is None and res.intervals is not None
    res.write(tmp_path)
    assert not (tmp_path / "contacts.parquet").exists()
    assert (tmp_path / "intervals.parquet").exists()
