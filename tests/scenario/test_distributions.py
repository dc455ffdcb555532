"""Distributions draw samples whose mean and CV match their parameters.

Tolerances come from the sample itself: the standard error of the mean is
sd/sqrt(n) and that of the standard deviation about sqrt((m4 - var^2) / n) / (2 sd),
and every comparison allows five standard errors (seeds are fixed, so the test
is deterministic; five SEs makes a false alarm under a new seed very unlikely).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from sim.scenario.distributions import (
    DIST_NAMES,
    Deterministic,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)

ADAPTER: TypeAdapter[object] = TypeAdapter(Distribution)
N = 200_000
Z = 5.0

SPECS = [
    ({"dist": "exponential", "mean": "2min"}, 120.0, 1.0),
    ({"dist": "lognormal", "mean": "5min", "cv": 0.8}, 300.0, 0.8),
    ({"dist": "lognormal", "mean": "30s", "cv": 0.3}, 30.0, 0.3),
    ({"dist": "gamma", "mean": "4min", "cv": 0.7}, 240.0, 0.7),
    ({"dist": "gamma", "mean": "1h", "cv": 1.5}, 3600.0, 1.5),
    ({"dist": "uniform", "low": "1min", "high": "4min"}, 150.0, 180 / math.sqrt(12) / 150),
    (
        {"dist": "triangular", "low": "2min", "mode": "5min", "high": "15min"},
        440.0,
        math.sqrt((120**2 + 900**2 + 300**2 - 120 * 900 - 120 * 300 - 900 * 300) / 18) / 440,
    ),
    ({"dist": "empirical", "values": ["1min", "2min", "6min"]}, 180.0, math.sqrt(14 / 3) / 3),
]


def _check_moments(x: np.ndarray, mean: float, cv: float) -> None:
    n = len(x)
    m, sd = float(np.mean(x)), float(np.std(x))
    assert abs(m - mean) <= Z * sd / math.sqrt(n) + 1e-12, (m, mean)
    m4 = float(np.mean((x - m) ** 4))
    se_sd = math.sqrt(max(m4 - sd**4, 0.0) / n) / (2 * sd) if sd > 0 else 0.0
    assert abs(sd - cv * mean) <= Z * se_sd + 1e-12, (sd, cv * mean)


@pytest.mark.parametrize(("spec", "mean", "cv"), SPECS, ids=[s[0]["dist"] for s in SPECS])
def test_sample_moments_match_parameters(spec: dict[str, object], mean: float, cv: float) -> None:
    d = ADAPTER.validate_python(spec)
    assert d.mean_s == pytest.approx(mean)  # type: ignore[attr-defined]
    assert d.cv == pytest.approx(cv)  # type: ignore[attr-defined]
    x = d.sample(np.random.default_rng(20240601), N)  # type: ignore[attr-defined]
    assert x.shape == (N,) and np.all(x >= 0)
    _check_moments(x, mean, cv)


@pytest.mark.parametrize(("spec", "mean", "cv"), SPECS, ids=[s[0]["dist"] for s in SPECS])
def test_scaled_keeps_shape_and_scales_mean(
    spec: dict[str, object], mean: float, cv: float
) -> None:
    d = ADAPTER.validate_python(spec)
    s = d.scaled(2.0)  # type: ignore[attr-defined]
    assert type(s) is type(d)
    assert s.mean_s == pytest.approx(2 * mean)
    assert s.cv == pytest.approx(cv)


def test_deterministic_is_exact() -> None:
    d = Deterministic(dist="deterministic", value="3min")
    x = d.sample(np.random.default_rng(1), 10)
    assert np.all(x == 180.0) and d.cv == 0.0 and d.mean_s == 180.0


def test_same_seed_same_draws() -> None:
    d = Lognormal(dist="lognormal", mean="5min", cv=0.8)
    a = d.sample(np.random.default_rng(7), 1000)
    b = d.sample(np.random.default_rng(7), 1000)
    assert np.array_equal(a, b)


def test_empirical_draws_only_given_values() -> None:
    d = Empirical(dist="empirical", values=("1min", "2min", "6min"))
    x = d.sample(np.random.default_rng(3), 10_000)
    assert set(np.unique(x)) == {60.0, 120.0, 360.0}


def test_all_names_are_known_to_the_union() -> None:
    examples = {
        "exponential": Exponential, "lognormal": Lognormal, "gamma": Gamma,
        "deterministic": Deterministic, "uniform": Uniform, "triangular": Triangular,
        "empirical": Empirical,
    }
    assert set(DIST_NAMES) == set(examples)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "exponential", "mean": "0s"},
        {"dist": "exponential", "mean": 120},
        {"dist": "lognormal", "mean": "5min"},
        {"dist": "lognormal", "mean": "5min", "cv": 0},
        {"dist": "gamma", "mean": "5min", "cv": -1},
        {"dist": "uniform", "low": "5min", "high": "1min"},
        {"dist": "triangular", "low": "1min", "mode": "9min", "high": "5min"},
        {"dist": "triangular", "low": "1min", "mode": "1min", "high": "1min"},
        {"dist": "empirical", "values": []},
        {"dist": "normal", "mean": "1min"},
        {"dist": "exponential", "mean": "1min", "sd": "1min"},
    ],
)
def test_invalid_parameters_are_rejected(spec: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(spec)


def test_distributions_are_frozen() -> None:
    d = Exponential(dist="exponential", mean="1min")
    with pytest.raises(ValidationError):
        d.mean = 5.0  # type: ignore[misc]
