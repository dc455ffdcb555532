"""The effort score: 1 when effortless, within [1, 7], rising with every driver."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.metrics.effort import DRIVERS, default_weights, effort_score, effort_x


def one(**drivers: float) -> float:
    return float(effort_score({k: np.array([v]) for k, v in drivers.items()})[0])


def test_drivers_match_the_scenario_weights():
    assert set(DRIVERS) == set(default_weights())
    assert set(DRIVERS) == {"contacts", "transfers", "channel_switches", "repeated_info",
                            "waiting_per_min", "failed_self_service", "unresolved", "visits"}
    assert all(w > 0 for w in default_weights().values())


def test_effortless_journey_scores_one_and_small_x_reads_as_points():
    assert one(contacts=0, unresolved=0) == 1.0
    assert one(transfers=1) == pytest.approx(1 + 6 * (1 - math.exp(-0.4 / 6)))
    assert one(transfers=1) == pytest.approx(1.4, abs=0.02)   # ~ 1 + weight
    # the module docstring's worked examples
    assert one(contacts=1, transfers=1, waiting_per_min=5) == pytest.approx(2.33, abs=0.01)
    assert one(contacts=1, channel_switches=1, failed_self_service=1, waiting_per_min=10,
               repeated_info=1) == pytest.approx(3.48, abs=0.01)


@pytest.mark.parametrize("driver", DRIVERS)
def test_score_rises_strictly_with_each_driver_and_stays_in_range(driver):
    values = np.linspace(0, 60, 121)
    scores = effort_score({driver: values})
    assert scores[0] == 1.0
    assert (np.diff(scores) > 0).all()
    assert ((scores >= 1) & (scores < 7)).all()


def test_monotone_in_every_driver_from_any_starting_point():
    rng = np.random.default_rng(7)
    n = 2000
    base = {k: rng.exponential(1.5, n) * (rng.random(n) < 0.6) for k in DRIVERS}
    s0 = effort_score(base)
    assert ((s0 >= 1) & (s0 <= 7)).all()
    for k in DRIVERS:
        more = dict(base)
        more[k] = base[k] + rng.uniform(0.01, 3, n)
        assert (effort_score(more) > s0).all(), k
    huge = effort_score({k: np.full(3, 1e6) for k in DRIVERS})
    assert (huge <= 7).all() and (huge > 6.999).all()


def test_weights_change_the_score_and_zero_weights_switch_a_driver_off():
    d = {"repeated_info": np.array([1.0, 2.0])}
    assert (effort_score(d, {"repeated_info": 2.0}) > effort_score(d)).all()
    assert (effort_score(d, {"repeated_info": 0.0}) == 1.0).all()
    x = effort_x({"contacts": np.array([2.0]), "unresolved": np.array([1.0])})
    w = default_weights()
    assert x[0] == pytest.approx(2 * w["contacts"] + w["unresolved"])
