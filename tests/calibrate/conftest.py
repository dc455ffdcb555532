"""A known scenario, simulated once per session, and the logs exported from it.

The truth: two channels (phone with weekday factors, chat without), two intents
with lognormal and gamma handle times and resolution below one, exponential
patience (5 and 10 minutes) against short waits, an hourly profile, recontacts
with a channel switch and retries. One week per replication (~1 s each).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.calibrate import contact_log, event_log
from sim.calibrate.eventlog import event_log_csv
from sim.experiment import Results, run
from sim.scenario import Scenario
from sim.scenario.loader import validate

WEIGHTS = [0.4] * 6 + [0.6, 0.9, 1.3, 1.6, 1.6, 1.5, 1.4, 1.4, 1.5, 1.5, 1.4, 1.3, 1.1, 0.9,
                       0.7, 0.6, 0.5, 0.4]
PHONE_DAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.3)

#: (channel, intent) -> rate per hour of the truth's demand lines.
RATES = {("phone", "billing"): 24.0, ("phone", "tech"): 16.0,
         ("chat", "billing"): 12.0, ("chat", "tech"): 8.0}
HANDLE_MEAN_S = {"billing": 240.0, "tech": 420.0}
RESOLUTION = {"billing": 0.8, "tech": 0.6}
PATIENCE_MEAN_S = {"phone": 300.0, "chat": 600.0}
POOL_SIZE = 9


def truth_dict() -> dict[str, Any]:
    """The known scenario as a planner would write it."""
    demand = []
    for (ch, intent), per_h in RATES.items():
        line: dict[str, Any] = {"channel": ch, "intent": intent, "rate": f"{per_h}/h",
                                "profile": "day"}
        if ch == "phone":
            line["day_factors"] = {"Sat": 0.5, "Sun": 0.3}
        demand.append(line)
    return copy.deepcopy({
        "name": "truth", "horizon": "7d", "warmup": 0, "replications": 4, "seed": 5,
        "interval": "1h",
        "channels": {
            "phone": {"kind": "voice", "patience": {"dist": "exponential", "mean": "5min"}},
            "chat": {"kind": "chat", "patience": {"dist": "exponential", "mean": "10min"}}},
        "intents": {
            "billing": {"handle_time": {"dist": "lognormal", "mean": "4min", "cv": 0.8},
                        "resolution": RESOLUTION["billing"]},
            "tech": {"handle_time": {"dist": "gamma", "mean": "7min", "cv": 0.6},
                     "resolution": RESOLUTION["tech"]}},
        "profiles": {"day": {"interval": "1h", "weights": WEIGHTS}},
        "demand": demand,
        "pools": {"agents": {"size": POOL_SIZE, "channels": ["phone", "chat"]}},
        "recontact": {
            "probability": 0.7, "delay": {"dist": "exponential", "mean": "2h"},
            "channel_switch": {"phone": {"phone": 0.8, "chat": 0.2}},
            "max_attempts": 4, "window": "7d",
            "retry": {"probability": 0.5, "delay": {"dist": "exponential", "mean": "10min"}}},
    })


def hourly_truth(channel: str, intent: str) -> np.ndarray:
    """True week-average arrivals per hour of the day of a line."""
    w = np.asarray(WEIGHTS) / np.mean(WEIGHTS)
    days = np.mean(PHONE_DAYS) if channel == "phone" else 1.0
    return RATES[(channel, intent)] * days * w


@dataclass
class Simulated:
    """The truth, its run (4 replications) and logs of replication 0."""

    scenario: Scenario
    results: Results
    event_log: Path
    contact_log: Path
    short_log: Path


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    """Simulate the truth once; export replication 0 as an event log and a contact log."""
    scenario = validate(truth_dict())
    results = run(scenario, executor="serial", keep_intervals=False)
    assert results.contacts is not None
    rep0 = results.contacts[results.contacts["replication"] == 0]
    folder = tmp_path_factory.mktemp("logs")
    ev = folder / "event_log.csv"
    ev.write_text(event_log_csv(event_log(rep0, scenario)))
    contacts = contact_log(rep0, scenario)
    cl = folder / "contacts.csv"
    contacts.to_csv(cl, index=False)
    short = folder / "short.csv"  # the first two days, for the command-line tests
    contacts[contacts["arrival"] < "2024-01-03"].to_csv(short, index=False)
    return Simulated(scenario, results, ev, cl, short)
