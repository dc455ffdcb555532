"""Scenario texts shared by the scenario tests."""

from __future__ import annotations

import pytest

from sim.scenario import ScenarioError, load_text

#: The minimal scenario of DESIGN.md, verbatim (line numbers matter to the tests).
MINIMAL = """\
name: Erlang C check
horizon: 200h            # simulated time per replication, after warm-up
warmup: 5h
replications: 10
seed: 7
channels:
  phone:
    kind: voice                      # voice | chat | email | self_service | bot | field
    patience: {dist: exponential, mean: 2min}   # omitted: customers never abandon
    service_level_target: 20s
    # queue_capacity: 0              # contacts beyond it are blocked (busy signal)
demand:
  - {channel: phone, rate: 45/min}   # optional: intent, segment, profile (intraday shape)
intents:
  general: {handle_time: {dist: exponential, mean: 1min}}
pools:
  agents: {size: 50, channels: [phone]}
"""

#: A richer scenario using most sections.
RICH = """\
name: Retail bank
description: Two live channels and a website, two intents, two segments
start: Mon 06:00
horizon: 7d
warmup: 1d
replications: 5
seed: 42
interval: 30min
channels:
  phone:
    kind: voice
    patience: {dist: lognormal, mean: 3min, cv: 0.9}
    service_level_target: 20s
    queue_capacity: 100
  chat:
    kind: chat
    max_concurrency: 2
    concurrency_inflation: 0.25
  web:
    kind: self_service
segments:
  retail: {share: 0.8}
  premium: {share: 0.2, priority: 5, patience: {dist: exponential, mean: 5min}}
intents:
  billing: {share: 0.6, handle_time: {dist: gamma, mean: 4min, cv: 0.7}}
  fraud: {share: 0.4, handle_time: {dist: triangular, low: 2min, mode: 5min, high: 15min}}
profiles:
  office:
    interval: 1h
    weights: [0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3,
              3, 3, 3, 3, 3, 2, 1, 1, 0, 0, 0, 0]
demand:
  - {channel: phone, rate: 1200/h, profile: office, day_factors: {Sat: 0.5, Sun: 0}}
  - {channel: chat, rate: 300/h, intent: billing, segment: premium}
  - {channel: web, rate: 2000/d}
pools:
  tier1:
    channels: [phone, chat]
    skills: {billing: 1, fraud: 0.8}
    shifts:
      - {start: "06:00", end: "14:00", agents: 40, days: [Mon, Tue, Wed, Thu, Fri]}
      - {start: "14:00", end: "22:00", agents: 30}
    overflow: {to: tier2, after: 60s}
    handoffs:
      - {to: tier2, probability: 0.1, intents: [fraud]}
  tier2:
    channels: [phone]
    skills: {fraud: 1}
    schedule:
      interval: 1h
      headcount: [2, 2, 2, 2, 2, 2, 5, 8, 10, 10, 10, 10,
                  10, 10, 10, 10, 10, 8, 6, 4, 2, 2, 2, 2]
    cost_per_hour: 45
"""


def replace(text: str, old: str, new: str) -> str:
    """Replace ``old`` (which must occur exactly once) by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def error_of(text: str | bytes, file: str = "s.yaml") -> ScenarioError:
    """The ScenarioError that loading ``text`` raises."""
    with pytest.raises(ScenarioError) as info:
        load_text(text, file=file)
    return info.value


def assert_one_located_line(err: ScenarioError, path: str, line: int, fragment: str,
                            file: str = "s.yaml") -> None:
    """``err`` names ``path`` at ``line``, says ``fragment``, in one plain line."""
    assert err.path == path, str(err)
    assert err.line == line, str(err)
    assert fragment in err.message, str(err)
    text = str(err)
    assert "\n" not in text and text.startswith(f"{file}:{line}: {path}: ")
    for jargon in ("pydantic", "Value error", "validation error", "Traceback"):
        assert jargon not in text
