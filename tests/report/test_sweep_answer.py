"""Sweeps: --target names the cheapest point; blocked customers shown; three settings
stay readable (small multiples); the points table scrolls with short headers."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sim.cli import app
from sim.report.sweep_plots import fig_sweep_kpi, short_names, sweep_panels

from .conftest import Page

TINY = """\
name: tiny
horizon: 1h
warmup: 15min
replications: 2
seed: 7
channels:
  phone: {kind: voice, service_level_target: 20s, queue_capacity: 5,
          patience: {dist: exponential, mean: 3min}}
demand:
  - {channel: phone, rate: 20/min}
intents:
  general: {handle_time: {dist: exponential, mean: 1min}}
pools:
  agents: {size: 20, channels: [phone]}
"""


def test_sweep_target_option_names_the_cheapest_point(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    out = tmp_path / "sw"
    result = CliRunner().invoke(app, [
        "sweep", str(path), "--set", "pools.agents.size=16,20,26", "-n", "2",
        "--executor", "serial", "--out", str(out), "-t", "service_level>=0.5",
        "--target", "blocked_rate<=50%"])
    assert result.exit_code == 0, result.output
    assert "cheapest point meeting service_level>=0.5, blocked_rate<=50%: " \
           "pools.agents.size=16" in result.stdout
    assert "blocked" in result.stdout  # console table has the blocked column
    html = (out / "report.html").read_text(encoding="utf-8")
    text = Page(html).text
    answer = html[html.index('id="answer"'):html.index("</section>")]
    assert "Cheapest point meeting all targets: pools.agents.size = 16." in answer
    assert "Blocked" in answer
    assert "Blocked" in text and "sweep_blocked_rate.png" in {
        p.name for p in (out / "plots").iterdir()}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["targets"] == ["service_level>=0.5", "blocked_rate<=50%"]


def test_sweep_rejects_a_malformed_target(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    result = CliRunner().invoke(app, ["sweep", str(path), "--set", "pools.agents.size=16,20",
                                      "-t", "service_level>>0.8", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "error: --target" in result.stderr
    assert not (tmp_path / "o" / "sweep.csv").exists()


def _table(params: dict[str, list]) -> pd.DataFrame:
    rows = []
    for i, combo in enumerate(itertools.product(*params.values())):
        point = dict(zip(params, combo, strict=True))
        for kpi, mean in (("service_level", 0.5 + 0.01 * i), ("blocked_rate", 0.02)):
            rows.append({**point, "point_id": f"p{i}", "kpi": kpi, "n": 2, "mean": mean,
                         "ci_low": mean - 0.01, "ci_high": mean + 0.01, "half_width": 0.01})
    return pd.DataFrame(rows)


def test_three_settings_make_small_multiples() -> None:
    params = {"pools.front.size": [10, 12, 14], "pools.back.size": [2, 3, 4],
              "channels.phone.service_level_target": ["20s", "30s", "60s"]}
    table = _table(params)
    panels = sweep_panels(table[table["kpi"] == "service_level"], list(params))
    assert len(panels) == 3  # one per value of the third setting
    assert [t for t, _ in panels] == [f"service_level_target = {v}" for v in ("20s", "30s",
                                                                               "60s")]
    assert all([name for name, _ in lines] == ["2", "3", "4"] for _, lines in panels)
    fig = fig_sweep_kpi(table, list(params), "service_level")
    assert fig is not None and "one panel per combination of" in fig.alt
    assert short_names(list(params)) == ["front.size", "back.size", "service_level_target"]


def test_points_table_scrolls_with_short_headers(sweep_dir: Path) -> None:
    html = (sweep_dir / "report.html").read_text(encoding="utf-8")
    assert '<div class="scroll" role="region" tabindex="0" aria-label="Every point' in html
    assert '<table class="wide">' in html and "overflow-wrap:anywhere" in html
    assert "<th scope=\"col\">service_level_target</th>" in html
    assert "<code>channels.phone.service_level_target</code>" in html
    assert "<th scope=\"col\">Blocked</th>" in html
