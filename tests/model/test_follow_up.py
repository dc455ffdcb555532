"""Journey KPIs measured with the run-out agree with a follow-up-to-completion
reference: the same customers in a run whose horizon goes on ten more days (new
arrivals continuing), measured on the journeys that started in the original window.
Without the run-out the same KPIs are biased low (the issue-17 censoring)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.metrics import journeys_table
from sim.model.world import simulate
from sim.scenario import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
REPS = 3


def _cohort(scenario, replication: int, window: tuple[float, float]):
    j = journeys_table(simulate(scenario, replication))
    return j[(j.start_s >= window[0]) & (j.start_s < window[1])]


def _figures(j) -> tuple[float, float]:
    """Share of journeys with a recontact, mean latency of resolved journeys."""
    return float(j.recontacted.mean()), float(j.resolution_latency_s[j.resolved].mean())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["billing_outage", "chatbot_rollout"])
def test_run_out_agrees_with_a_follow_up_to_completion(name: str):
    sc = load(SCENARIOS / f"{name}.yaml")
    window = (sc.warmup, sc.warmup + sc.horizon)
    reference = sc.model_copy(update={"horizon": sc.horizon + 10 * 86400.0, "run_out": 0.0})
    cut = sc.model_copy(update={"run_out": 0.0})
    got = np.array([_figures(_cohort(sc, r, window)) for r in range(REPS)])
    ref = np.array([_figures(_cohort(reference, r, window)) for r in range(REPS)])
    censored = np.array([_figures(_cohort(cut, r, window)) for r in range(REPS)])
    t = stats.t.ppf(0.975, REPS - 1)
    half = t * got.std(axis=0, ddof=1) / np.sqrt(REPS)
    # the run-out estimate is within its own 95% CI of the reference ...
    assert (np.abs(got.mean(axis=0) - ref.mean(axis=0)) < np.maximum(half, 1e-9)).all(), (
        got.mean(axis=0), ref.mean(axis=0), half)
    # ... while cutting at the horizon understates recontacts and latency
    assert (censored.mean(axis=0) < ref.mean(axis=0) - half).all(), (censored, ref, half)
