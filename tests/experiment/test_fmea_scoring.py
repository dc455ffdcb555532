"""FMEA ratings: severity counts lost customers first, occurrence follows frequency, RPN."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment import fmea_scoring as scoring


def test_no_effect_scores_the_minimum() -> None:
    assert scoring.severity(0.0, 500.0) == 1
    assert scoring.severity(0.0, 0.0) == 1
    assert scoring.rpn(scoring.severity(0.0, 500.0), 1, 1) == 1


def test_a_difference_counts_only_when_significant_and_harmful() -> None:
    assert scoring.harm(12.0, 3.0) == 12.0
    assert scoring.harm(12.0, -1.0) == 0.0       # CI includes zero: noise
    assert scoring.harm(-12.0, -20.0) == 0.0     # fewer lost: never a benefit
    assert scoring.harm(0.0, 0.0) == 0.0         # identical runs
    assert scoring.harm(math.nan, math.nan) == 0.0


def test_severity_is_monotone_in_lost_customers() -> None:
    exposed = 1000.0
    lost = np.concatenate([[0.0], np.geomspace(0.01, 5000, 400)])
    for turned, degraded in ((0.0, False), (50.0, False), (500.0, True)):
        ratings = [scoring.severity(x, exposed, turned, degraded) for x in lost]
        assert all(a <= b for a, b in zip(ratings, ratings[1:], strict=False))
        assert ratings[-1] == 10
    assert [scoring.severity(x, exposed) for x in (0.5, 10, 50, 100, 250, 500)] == \
        [5, 6, 7, 8, 9, 10]


def test_losing_customers_always_rates_above_delaying_them() -> None:
    worst_without_loss = max(scoring.severity(0.0, 100.0, turned, degraded)
                             for turned in (0.0, 1.0, 1e6) for degraded in (False, True))
    assert worst_without_loss < scoring.severity(1.0, 1e9) == 5
    assert scoring.severity(0.0, 100.0, degraded=True) == 2
    assert scoring.severity(0.0, 100.0, 5.0) == 3 and scoring.severity(0.0, 100.0, 10.0) == 4


def test_occurrence_follows_frequency() -> None:
    per_year = [0.05, 0.2, 1.0, 365 / 75, 365 / 30, 365 / 7, 365.0, 3650.0, 1e5]
    ratings = [scoring.occurrence(p) for p in per_year]
    assert ratings == [1, 2, 3, 5, 6, 7, 8, 9, 10]


def test_rpn_and_detection_ratings() -> None:
    assert scoring.rpn(10, 10, 10) == 1000 and scoring.rpn(9, 3, 1) == 27
    assert scoring.check_detection(7) == 7
    for bad in (0, 11, 2.5, True):
        with pytest.raises(ValueError):
            scoring.check_detection(bad)  # type: ignore[arg-type]


def test_scoring_doc_states_every_scale() -> None:
    doc = scoring.scoring_doc()
    assert set(doc["severity"]) == {str(r) for r in range(1, 11)}
    assert doc["occurrence"][-1]["rating"] == 10 and "x" in doc["rpn"]
