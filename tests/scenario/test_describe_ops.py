"""The scenario summary (validate, report) covers every part of the operation, and
valid-but-suspicious settings are warned about without failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import describe, load
from sim.scenario.describe_ops import scenario_warnings

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_backstage_outages_failover_recontacts_are_described() -> None:
    text = describe(load(SCENARIOS / "billing_outage.yaml"))
    for part in ("Backstage systems", "billing  latency", "when down: defer", "Outages",
                 "scheduled day 1 10:00 (Mon) for 90.0min", "random: every",
                 "Failover", "while chat is down: 60%", "Recontacts",
                 "try again with probability 50%", "open around the clock"):
        assert part in text, part


def test_bot_settings_and_escalation_are_described() -> None:
    text = describe(load(SCENARIOS / "chatbot_rollout.yaml"))
    assert "bot    bot          session lognormal mean 2.5min" in text
    assert "contains billing 55%, tech 25%, cancel 5%" in text
    assert "escalates to phone 60%, chat 40%" in text
    assert "context reaches the agent 70%" in text


def _tiny(**extra: object) -> dict:
    d = {"name": "t", "horizon": "1h", "channels": {
        "phone": {"kind": "voice"}, "chat": {"kind": "chat"}},
        "demand": [{"channel": "phone", "rate": "1/min"}, {"channel": "chat", "rate": "1/min"}],
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "1min"}}},
        "pools": {"agents": {"size": 5, "channels": ["phone", "chat"]}}}
    d.update(extra)
    return d


def test_opening_hours_are_described() -> None:
    from sim.scenario import Scenario

    d = _tiny()
    d["channels"]["phone"]["hours"] = {"start": "08:00", "end": "20:00",
                                       "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]}
    text = describe(Scenario.from_dict(d))
    assert "open Mon-Sat 08:00-20:00" in text
    assert "Recontacts: none" in text


def test_failover_for_a_channel_that_never_goes_down_warns(tmp_path: Path) -> None:
    import yaml

    from sim.scenario import Scenario

    d = _tiny(failover=[{"from": "chat", "to": "phone"}])
    sc = Scenario.from_dict(d)
    warnings = scenario_warnings(sc)
    assert len(warnings) == 1 and "'chat'" in warnings[0] and "never applies" in warnings[0]
    assert "Warnings" in describe(sc)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(d))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "warning: failover from channel 'chat'" in result.stderr
    assert "ok: the scenario is valid (1 warning(s) above)" in result.stdout
    # with an outage on chat the rule applies: no warning
    d["outages"] = [{"target": "chat", "at": "Mon 01:00", "for": "10min"}]
    assert scenario_warnings(Scenario.from_dict(d)) == []


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_bundled_scenario_describes_without_warnings(name: str) -> None:
    sc = load(SCENARIOS / name)
    assert describe(sc)
    assert scenario_warnings(sc) == []
