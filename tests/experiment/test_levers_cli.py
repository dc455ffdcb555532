"""Issue 21 levers end to end through the CLI: after-call work, closed-hours demand
and segment targets reach summary.json, contacts.parquet and report.html."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from tests.scenario.test_levers_schema import TEXT


def test_run_reports_the_levers(tmp_path: Path) -> None:
    src = tmp_path / "levers.yaml"
    src.write_text(TEXT.replace("horizon: 5d", "horizon: 2d\nrun_out: 1d"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out), "--executor",
                                      "serial", "-n", "2"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    kpis = summary["kpis"]
    for name in ("talk_s", "acw_s", "aht_s", "out_of_hours", "out_of_hours_lost",
                 "out_of_hours_deflected"):
        assert name in kpis, name
    assert kpis["aht_s"]["mean"] > kpis["talk_s"]["mean"] > 0
    assert kpis["out_of_hours"]["mean"] > kpis["out_of_hours_lost"]["mean"] > 0
    assert "service_level" in summary["by_segment"]["premium"]
    assert summary["by_channel"]["phone"]["out_of_hours"]["mean"] > 0
    contacts = pd.read_parquet(out / "contacts.parquet")
    assert (contacts["acw_s"] > 0).any()
    html = (out / "report.html").read_text()
    for text in ("After-call work", "Tried while closed", "SL goal 90% within 15s",
                 "tried while closed: 20% give up",
                 "Service level per segment, against each segment's own target",
                 "goal 90% "):
        assert text in html, text


def test_erlang_load_counts_after_call_work() -> None:
    from sim.experiment.staffing_erlang import pool_loads
    from sim.scenario import load_text

    sc = load_text(TEXT, file="s.yaml")
    work = pool_loads(sc, 3600.0, 24)["care"]["work"]
    # phone 20/h x (4min talk + 1min ACW) + chat 10/h x (4min + 30s), as Erlangs
    expected = 20 / 3600 * 300 + 10 / 3600 * 270
    assert work[0, 0] == pytest.approx(expected, rel=1e-9)
    result = CliRunner().invoke(app, ["erlang", "--rate", "45/min", "--aht", "3min",
                                      "--acw", "30s", "--agents", "170"])
    assert result.exit_code == 0, result.output
    assert "157.50" in result.output and "after-call work 30.0s" in result.output
