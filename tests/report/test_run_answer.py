"""The run report opens with the verdict: targets met or not, else each channel's
service level against its own target; whole-operation waits say 'live channels';
time in the system is left out of the headline, and the page says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from sim.cli import app
from sim.report.run_report import build_run_html, run_verdicts

from .conftest import Page


def _sections(html: str) -> list[str]:
    return [a.get("id", "") for a in Page(html).all("section")]


def test_without_targets_each_channel_against_its_own_target(results: Any) -> None:
    html = build_run_html(results, plots=[])
    assert _sections(html)[0] == "answer"
    answer = html[html.index('id="answer"'):html.index('id="headline"')]
    assert "<strong>phone</strong>" in answer and "answered within 20 s" in answer
    assert "<strong>chat</strong>" in answer and "answered within 60 s" in answer
    assert "servicesim run FILE -t" in answer


def test_targets_met_or_not(results: Any) -> None:
    easy = build_run_html(results, plots=[], targets=["service_level>=0", "abandon_rate<=1"])
    assert "Every target is met" in easy
    hard = build_run_html(results, plots=[], targets=["service_level>=0.9999",
                                                      "abandon_rate<=1"])
    assert "1 of 2 targets not met." in hard and "not met" in hard
    v = run_verdicts(results.summary, ["asa_s<=1h", "effort_score<=0"])
    assert v[0]["met"] and not v[1]["met"]


def test_headline_labels_live_channels_and_leaves_out_sojourn(results: Any) -> None:
    html = build_run_html(results, plots=[])
    headline = html[html.index('id="headline"'):]
    assert "Service level (live channels)" in headline
    assert "Average speed of answer (live channels)" in headline
    assert 'data-kpi="mean_sojourn_s"' not in html
    assert "mean_sojourn_s" in html and "resolution latency" in html  # the stated choice
    assert "Time in the system" not in Page(html[html.index('id="breakdown"'):
                                                 html.index('id="method"')]).text


def test_run_command_takes_targets(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("""\
name: t
horizon: 1h
warmup: 10min
replications: 2
channels: {phone: {kind: voice}}
demand: [{channel: phone, rate: 10/min}]
intents: {general: {handle_time: {dist: exponential, mean: 1min}}}
pools: {agents: {size: 15, channels: [phone]}}
""")
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--executor",
                                      "serial", "-q", "-t", "service_level>=0.5",
                                      "-t", "abandon_rate<=0.0000001"])
    assert result.exit_code == 0, result.output
    assert "target service_level>=0.5: met" in result.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert _sections(html)[0] == "answer" and "Service level (live channels) \u2265 50.0%" \
        in Page(html).text
    bad = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "b"),
                                   "-t", "nonsense"])
    assert bad.exit_code == 2 and "error: --target" in bad.stderr
