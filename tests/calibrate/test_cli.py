"""``servicesim calibrate``, ``check`` and ``run --event-log`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.calibrate.eventlog import EVENT_COLUMNS
from sim.cli import app

from .conftest import Simulated

runner = CliRunner()


def invoke(*args: object):  # noqa: ANN201
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def calibrated(simulated: Simulated, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "scenario.yaml"
    result = invoke("calibrate", simulated.short_log, "--out", out, "--interval", "1h")
    assert result.exit_code == 0, result.output
    return out


def test_calibrate_writes_a_commented_file_that_validate_accepts(calibrated: Path) -> None:
    text = calibrated.read_text()
    assert "# from " in text and "AIC" in text and "Kaplan-Meier" in text
    assert "patience: {dist: exponential" in text and "recontact:" in text
    result = invoke("validate", calibrated)
    assert result.exit_code == 0, result.output
    assert "ok: the scenario is valid" in result.stdout


def test_calibrate_prints_the_fit(simulated: Simulated, tmp_path: Path) -> None:
    result = invoke("calibrate", simulated.short_log, "--out", tmp_path / "s.yaml",
                    "--staffing", "size")
    assert result.exit_code == 0, result.output
    for fragment in ("contacts used", "Handle time by intent", "lognormal", "Patience",
                     "naive", "valid scenario"):
        assert fragment in result.stdout, fragment
    assert "size:" in (tmp_path / "s.yaml").read_text()


def test_calibrate_reports_bad_rows_and_missing_columns(simulated: Simulated,
                                                        tmp_path: Path) -> None:
    frame = pd.read_csv(simulated.short_log, dtype=str, keep_default_na=False)
    frame.loc[3, "arrival"] = "31/31/2024 25:00"
    frame.loc[5, "wait"] = "-12"
    frame.loc[7, "outcome"] = "vanished"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    result = invoke("calibrate", bad, "--out", tmp_path / "s.yaml")
    assert result.exit_code == 0, result.output
    for fragment in ("1 unparsable arrival timestamp (e.g. '31/31/2024 25:00'; line 5)",
                     "1 negative wait (line 7)", "1 unknown outcome (e.g. 'vanished'; line 9)"):
        assert fragment in result.stdout, fragment
    frame.drop(columns=["arrival"]).to_csv(bad, index=False)
    result = invoke("calibrate", bad, "--out", tmp_path / "s.yaml")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "missing column 'arrival'" in result.stderr


@pytest.mark.parametrize(("args", "fragment"), [
    (["--interval", "20min"], "interval must be 15min, 30min or 1h"),
    (["--occupancy", "1.5"], "occupancy must be in (0, 1]"),
    (["--pool-size", "agents=many"], "--pool-size: expected N or POOL=N"),
    (["--format", "xes"], "unknown log format 'xes'"),
    (["--columns", "arrival"], "expected FIELD=COLUMN"),
])
def test_calibrate_option_mistakes_are_one_line_errors(simulated: Simulated, tmp_path: Path,
                                                       args: list[str], fragment: str) -> None:
    result = invoke("calibrate", simulated.short_log, "--out", tmp_path / "s.yaml", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and fragment in result.stderr


def test_check_prints_the_side_by_side_table_and_writes_files(simulated: Simulated,
                                                              calibrated: Path,
                                                              tmp_path: Path) -> None:
    result = invoke("check", simulated.short_log, calibrated, "-n", "3", "--executor",
                    "serial", "--out", tmp_path / "chk", "--quiet")
    assert result.exit_code == 0, result.output
    for fragment in ("observed", "simulated", "95% CI", "status", "asa_s", "abandon_rate",
                     "talk_s", "fcr", "recontact_rate", "Offered per hour of day",
                     "mean absolute percentage error"):
        assert fragment in result.stdout, fragment
    table = pd.read_csv(tmp_path / "chk" / "check.csv")
    assert {"kpi", "observed", "sim_mean", "ci_low", "ci_high", "status"} <= set(table.columns)
    offered = table[(table["group"] == "all") & (table["kpi"] == "offered")].iloc[0]
    assert offered["range_low"] <= offered["observed"] <= offered["range_high"]
    doc = json.loads((tmp_path / "chk" / "check.json").read_text())
    assert doc["replications"] == 3 and len(doc["offered_by_hour"]) == 24
    assert 0 <= doc["offered_per_hour_mape"] < 0.5


def test_run_writes_the_event_log(calibrated: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.experiment.results

    monkeypatch.setattr(sim.experiment.results, "report_writer", lambda name: None)  # fast
    out = tmp_path / "run"
    result = invoke("run", calibrated, "--out", out, "--executor", "serial", "-n", "2",
                    "--event-log", "--quiet")
    assert result.exit_code == 0, result.output
    events = pd.read_parquet(out / "event_log.parquet")
    assert tuple(events.columns) == EVENT_COLUMNS
    parts = events["concept:name"].str.split(": ", n=1, regex=False)
    channel, stage = parts.str[0], parts.str[1]
    assert (channel == events["channel"]).all()  # "phone: answer": the channel, then the stage
    assert set(stage) >= {"arrive", "answer", "end", "abandon", "resolve"}
    assert events["time:timestamp"].min() >= pd.Timestamp("2024-01-01")  # Monday 00:00
    assert events["case:concept:name"].str.match(r"^r[01]-j\d+$").all()
    first = events.groupby("case:concept:name", sort=False)["concept:name"].first()
    assert first.str.endswith(": arrive").all()
    csv = pd.read_csv(out / "event_log.csv")
    assert len(csv) == len(events) and csv["time:timestamp"].iloc[0].count("T") == 1
    # without --event-log the next run leaves no stale event log behind
    result = invoke("run", calibrated, "--out", out, "--executor", "serial", "-n", "2", "-q")
    assert result.exit_code == 0 and not (out / "event_log.csv").exists()


def test_pm4py_reads_the_exported_event_log(simulated: Simulated) -> None:
    pm4py = pytest.importorskip("pm4py")
    frame = pd.read_csv(simulated.event_log)
    frame = pm4py.format_dataframe(frame, case_id="case:concept:name",
                                   activity_key="concept:name", timestamp_key="time:timestamp")
    log = pm4py.convert_to_event_log(frame)
    assert len(log) == frame["case:concept:name"].nunique()
    assert set(pm4py.get_start_activities(frame)) == {"arrive"}
    assert {"end", "resolve", "abandon"} <= set(pm4py.get_end_activities(frame))
