"""Shared helpers for engine tests: build scenarios in code, run replications."""

from __future__ import annotations

import copy
import math

import numpy as np

from sim.metrics import replication_kpis
from sim.model import simulate
from sim.scenario.schema import Scenario


def base(**over) -> dict:
    """The minimal scenario of DESIGN.md as a dict, with top-level overrides."""
    d = {
        "name": "test",
        "horizon": "50h",
        "warmup": "2h",
        "replications": 5,
        "seed": 11,
        "channels": {"phone": {"kind": "voice", "service_level_target": "20s"}},
        "demand": [{"channel": "phone", "rate": "45/min"}],
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "1min"}}},
        "pools": {"agents": {"size": 50, "channels": ["phone"]}},
    }
    d.update(copy.deepcopy(over))
    return d


def build(d: dict) -> Scenario:
    return Scenario.model_validate(d)


def kpi_samples(scenario: Scenario, kpi: str, group: str = "all", member: str = "",
                reps: int | None = None) -> np.ndarray:
    """One value of ``kpi`` per replication."""
    n = reps or scenario.replications
    out = []
    for r in range(n):
        k = replication_kpis(simulate(scenario, r))
        row = k[(k.group == group) & (k.member == member) & (k.kpi == kpi)]
        out.append(float(row.value.iloc[0]))
    return np.asarray(out)


def all_kpis(scenario: Scenario, reps: int | None = None):
    """Tidy KPI frames of every replication, concatenated."""
    import pandas as pd

    n = reps or scenario.replications
    return pd.concat([replication_kpis(simulate(scenario, r)) for r in range(n)])


def pick(frame, kpi: str, group: str = "all", member: str = "") -> np.ndarray:
    rows = frame[(frame.group == group) & (frame.member == member) & (frame.kpi == kpi)]
    return rows.value.to_numpy(dtype=float)


def assert_close_to_truth(samples: np.ndarray, truth: float, max_rel_se: float,
                          z: float = 3.5, rel_floor: float = 0.0) -> None:
    """The replications' mean is within ``z`` standard errors of the analytic value.

    ``max_rel_se`` guards the test's power: if the standard error is not small
    relative to the truth, the tolerance would be meaningless, so the test fails.
    """
    mean = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / math.sqrt(len(samples)))
    assert se <= max_rel_se * abs(truth), f"too noisy to test: se={se:.4g}, truth={truth:.4g}"
    tol = max(z * se, rel_floor * abs(truth))
    assert abs(mean - truth) <= tol, (
        f"simulated {mean:.5g} vs analytic {truth:.5g} (tolerance {tol:.3g}, se {se:.3g})"
    )
