"""Staffing by simulation: ``sim.experiment.staffing.staff`` and ``servicesim staff``.

Oracles: Erlang C's head count where its assumptions hold (no abandonment, one
pool); independent runs with more replications for "n meets, n - 1 does not";
monotone staffing over a demand profile; the written scenario loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sim.analytic import required_agents
from sim.cli import app
from sim.experiment import run
from sim.experiment.staffing import StaffingError, parse_goal, staff
from sim.scenario import load

from .conftest import tiny

runner = CliRunner()

#: Hourly weights: a late-morning peak (10:00-11:00 four times the base).
PEAK = [1.0] * 24
PEAK[9], PEAK[10], PEAK[11] = 2.0, 4.0, 2.0

PROFILED_YAML = f"""\
# morning shift, peak at ten
name: morning
start: Mon 08:00
horizon: 4h
warmup: 30min    # let the queue settle
replications: 4
seed: 7
interval: 1h
channels:
  phone:
    kind: voice
    service_level_target: 20s
    patience: {{dist: exponential, mean: 3min}}
demand:
  - channel: phone
    rate: 5/min
    profile: {{interval: 1h, weights: {PEAK}}}
intents:
  general: {{handle_time: {{dist: exponential, mean: 1min}}}}
pools:
  agents:
    size: 10     # today's team
    channels: [phone]
"""


def _flat_erlang_c() -> Any:
    """One pool, flat demand, nobody hangs up: 20 Erlangs offered."""
    return tiny(horizon="2h", replications=8,
                channels={"phone": {"kind": "voice", "service_level_target": "20s"}},
                demand=[{"channel": "phone", "rate": "20/min"}])


def test_flat_search_returns_n_that_meets_while_n_minus_1_fails() -> None:
    s = _flat_erlang_c()
    # Erlang C: SL(22) = 0.71, SL(23) = 0.85; a target between them is resolvable.
    target = "service_level>=0.78 @20s"
    plan = staff(s, [target], executor="serial")
    n = int(plan.agents["agents"][0])
    assert plan.flat and plan.converged
    assert n == required_agents(20 / 60, 60.0, target) == 23  # analytic oracle
    assert plan.to_scenario().pools["agents"].size == n
    tried = plan.history.set_index("agents")["meets"]
    assert bool(tried[n]) and not bool(tried[n - 1])
    row = plan.table.iloc[0]
    assert row["service_level_ci_low"] < row["service_level"] < row["service_level_ci_high"]
    # independent check with more replications: the CIs fall either side of the target
    at = {k: run(s.with_changes({"pools.agents.size": k}), replications=24, executor="serial",
                 keep_contacts=False, keep_intervals=False).kpi("service_level")
          for k in (n - 1, n)}
    assert at[n]["ci_low"] > 0.78 > at[n - 1]["ci_high"]


def test_abandonment_and_handoffs_make_erlang_c_overstaff() -> None:
    s = tiny(horizon="2h", replications=6,
             channels={"phone": {"kind": "voice", "service_level_target": "20s",
                                 "patience": {"dist": "exponential", "mean": "1min"}}},
             demand=[{"channel": "phone", "rate": "20/min"}],
             pools={"tier1": {"size": 20, "channels": ["phone"],
                              "handoffs": [{"to": "tier2", "probability": 0.3,
                                            "handle_time": {"dist": "exponential",
                                                            "mean": "2min"}}]},
                    "tier2": {"size": 10, "channels": ["phone"]}})
    target = "service_level>=0.8 @20s"
    plan = staff(s, [target], executor="serial", erlang="c")
    # the Erlang start: tier1 takes the calls, tier2 30% of them at 2 min each
    assert plan.erlang_agents["tier1"][0] == required_agents(20 / 60, 60.0, target)
    assert plan.erlang_agents["tier2"][0] == required_agents(0.3 * 20 / 60, 120.0, target)
    both = plan.side_by_side().set_index("pool")
    assert {"erlang_agents", "sim_agents", "erlang_service_level",
            "sim_service_level"} <= set(both.columns)
    assert plan.converged and both["sim_meets"].all()
    # callers who hang up shorten the queue: fewer agents than Erlang C says
    assert both.loc["tier1", "sim_agents"] < both.loc["tier1", "erlang_agents"]
    assert both.loc["tier1", "erlang_service_level"] > 0.9  # Erlang C's staffing overshoots
    assert plan.agent_hours < plan.erlang_agent_hours


def test_profiled_demand_gets_more_agents_at_peak_and_meets_every_interval(
        tmp_path: Path) -> None:
    path = tmp_path / "morning.yaml"
    path.write_text(PROFILED_YAML)
    goals = ["service_level>=0.8", "abandon_rate<=0.05"]
    plan = staff(load(path), goals, executor="serial")
    assert not plan.flat and plan.converged
    t = plan.table.set_index("clock")
    measured = t[t["judged"]]
    assert list(measured.index) == ["Mon 08:00", "Mon 09:00", "Mon 10:00", "Mon 11:00",
                                    "Mon 12:00"]
    assert measured["meets"].all()
    assert t.loc["Mon 10:00", "agents"] > t.loc["Mon 09:00", "agents"] > t.loc["Mon 12:00",
                                                                               "agents"]
    # night intervals are outside the run: they keep the Erlang count
    assert t.loc["Mon 03:00", "agents"] == plan.erlang_table.set_index("clock").loc[
        "Mon 03:00", "agents"]
    sched = plan.to_schedule("agents")
    assert sched["interval"] == "1h" and len(sched["headcount"]) == 24
    assert plan.agent_hours == pytest.approx(sum(sched["headcount"]))
    out = plan.write(tmp_path / "out")
    doc = json.loads((out / "staffing.json").read_text())
    assert doc["agent_hours_per_day"]["simulation"]["agents"] == plan.agent_hours
    assert "sim_agents" in (out / "staffing.csv").read_text().splitlines()[0]


def test_cli_prints_table_and_writes_a_valid_scenario(tmp_path: Path) -> None:
    src = tmp_path / "morning.yaml"
    src.write_text(PROFILED_YAML)
    dest = tmp_path / "staffed.yaml"
    result = runner.invoke(app, ["staff", str(src), "-t", "service_level>=0.8 @20s",
                                 "-t", "abandon_rate<=5%", "--executor", "serial",
                                 "-o", str(tmp_path / "out"), "--write", str(dest)])
    assert result.exit_code == 0, result.output
    assert "Mon 10:00" in result.stdout and "agent-hours per day" in result.stdout
    assert (tmp_path / "out" / "staffing.csv").exists()
    written = load(dest)
    pool = written.pools["agents"]
    assert pool.size is None and pool.schedule is not None
    assert pool.schedule.interval == 3600 and len(pool.schedule.headcount) == 24
    text = dest.read_text()
    assert "# let the queue settle" in text and "# morning shift" in text  # comments kept
    assert written.demand == load(src).demand


@pytest.mark.parametrize(("args", "fragment"), [
    (["-t", "service_level>=lots"], "must be a share"),
    (["-t", "speed>=3"], "unknown KPI"),
    (["-t", "service_level>=0.8", "--pool", "tier9"], "no pool 'tier9'"),
])
def test_cli_mistakes_are_one_line_errors(tmp_path: Path, args: list[str],
                                          fragment: str) -> None:
    src = tmp_path / "morning.yaml"
    src.write_text(PROFILED_YAML)
    result = runner.invoke(app, ["staff", str(src), *args, "--executor", "serial",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and fragment in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_scenario_error_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(PROFILED_YAML.replace("horizon: 4h", "horizon: soon"))
    result = runner.invoke(app, ["staff", str(bad), "-t", "service_level>=0.8"])
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


def test_goal_without_time_uses_channel_target() -> None:
    goal = parse_goal("service_level>=0.8")
    assert goal.channel_default and str(goal) == "service_level>=0.8 @channel target"
    explicit = parse_goal("service_level>=0.8 @15s")
    assert not explicit.channel_default and explicit.target.within_s == 15.0
    with pytest.raises(StaffingError, match="a share"):
        parse_goal("abandon_rate<=2")
