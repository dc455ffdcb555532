"""Agents with identity (issue 21 item 9) end to end through the CLI: tenure and sticky
recontacts reach validate's summary, summary.json, contacts.parquet and report.html."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sim.cli import app
from tests.scenario.test_identity_schema import TEXT


def test_identity_reaches_every_output(tmp_path: Path) -> None:
    src = tmp_path / "identity.yaml"
    src.write_text(TEXT.replace("horizon: 2d", "horizon: 1d\nrun_out: 1d"))
    runner = CliRunner()
    check = runner.invoke(app, ["validate", str(src)])
    assert check.exit_code == 0, check.output
    assert "tenure new_hires 20% at 1.3x, experts 10% at 0.8x" in check.output
    assert "sticky agent: 50% of recontacts" in check.output
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src), "--out", str(out), "--executor", "serial",
                                 "-n", "2"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["by_tenure"]) == ["care/new_hires", "care/experts", "care/standard"]
    new = summary["by_tenure"]["care/new_hires"]
    assert new["handle_multiplier"]["mean"] == 1.3 and new["handled"]["mean"] > 0
    assert 1.0 < summary["by_pool"]["care"]["handle_multiplier"]["mean"] < 1.3
    for kpi in ("same_agent_rate", "same_agent_resolution_rate",
                "other_agent_resolution_rate"):
        assert 0 < summary["kpis"][kpi]["mean"] <= 1, kpi
    contacts = pd.read_parquet(out / "contacts.parquet")
    answered = contacts["pool"].notna()
    assert (contacts.loc[answered, "agent"] >= 0).all()
    assert (contacts.loc[~answered, "agent"] == -1).all()
    assert set(contacts.loc[answered, "tenure"]) == {"care/new_hires", "care/experts",
                                                     "care/standard"}
    html = (out / "report.html").read_text()
    for text in ("By tenure group", "Handle-time multiplier", "Recontacts to the same agent",
                 "Tenure mixes: in care", "Sticky agents: 50% of customers",
                 "differ only by their tenure group"):
        assert text in html, text
