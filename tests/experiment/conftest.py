"""Shared fixtures for experiment tests: tiny one-pool voice scenarios (fast)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sim.scenario import Scenario
from sim.scenario.loader import validate


def tiny_dict(**over: Any) -> dict[str, Any]:
    """A one-channel, one-pool voice scenario with a short horizon (~0.1 s/replication)."""
    d: dict[str, Any] = {
        "name": "tiny",
        "horizon": "1h",
        "warmup": "15min",
        "replications": 4,
        "seed": 7,
        "channels": {"phone": {"kind": "voice", "service_level_target": "20s",
                               "patience": {"dist": "exponential", "mean": "3min"}}},
        "demand": [{"channel": "phone", "rate": "45/min"}],
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "1min"}}},
        "pools": {"agents": {"size": 50, "channels": ["phone"]}},
    }
    d.update(copy.deepcopy(over))
    return d


def tiny(**over: Any) -> Scenario:
    """The tiny scenario, validated (with cross-checks) like a loaded file."""
    return validate(tiny_dict(**over))


TINY_YAML = """\
name: tiny
horizon: 1h
warmup: 15min
replications: 3
seed: 7
channels:
  phone:
    kind: voice
    service_level_target: 20s
    patience: {dist: exponential, mean: 3min}
demand:
  - {channel: phone, rate: 45/min}
intents:
  general: {handle_time: {dist: exponential, mean: 1min}}
pools:
  agents: {size: 50, channels: [phone]}
"""


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    """The tiny scenario written as a YAML file."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_YAML)
    return path
