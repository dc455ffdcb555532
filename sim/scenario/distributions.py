"""Distributions of durations, as a planner writes them.

``{dist: exponential, mean: 2min}``, ``{dist: lognormal, mean: 5min, cv: 0.8}``,
``{dist: gamma, mean: .., cv: ..}``, ``{dist: deterministic, value: 3min}``,
``{dist: uniform, low: .., high: ..}``, ``{dist: triangular, low, mode, high}``,
``{dist: empirical, values: [...]}``.

Each model is frozen and knows its mean and coefficient of variation in seconds,
and draws vectorised samples from a numpy ``Generator`` (the model draws in blocks,
so no per-contact scipy call is ever made).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.units import parse_duration

Seconds = Annotated[float, BeforeValidator(parse_duration)]

#: Smallest coefficient of variation of a lognormal or gamma (a fixed duration is
#: ``deterministic``); below it the shape parameters overflow to infinity.
MIN_CV = 0.001


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @property
    def mean_s(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def scaled(self, factor: float) -> _Dist:
        """Return the same shape with every duration multiplied by ``factor``."""
        raise NotImplementedError  # pragma: no cover


class Exponential(_Dist):
    """Memoryless durations with the given mean."""

    dist: Literal["exponential"]
    mean: Seconds = Field(gt=0)

    @property
    def mean_s(self) -> float:
        return self.mean

    @property
    def cv(self) -> float:
        return 1.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)

    def scaled(self, factor: float) -> Exponential:
        return self.model_copy(update={"mean": self.mean * factor})


class Lognormal(_Dist):
    """Right-skewed durations given by mean and coefficient of variation."""

    dist: Literal["lognormal"]
    mean: Seconds = Field(gt=0)
    cv: float = Field(ge=MIN_CV, le=20)  # type: ignore[assignment]

    @property
    def mean_s(self) -> float:
        return self.mean

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    def scaled(self, factor: float) -> Lognormal:
        return self.model_copy(update={"mean": self.mean * factor})


class Gamma(_Dist):
    """Durations with a gamma shape given by mean and coefficient of variation."""

    dist: Literal["gamma"]
    mean: Seconds = Field(gt=0)
    cv: float = Field(ge=MIN_CV, le=20)  # type: ignore[assignment]

    @property
    def mean_s(self) -> float:
        return self.mean

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, size)

    def scaled(self, factor: float) -> Gamma:
        return self.model_copy(update={"mean": self.mean * factor})


class Deterministic(_Dist):
    """A fixed duration."""

    dist: Literal["deterministic"]
    value: Seconds = Field(ge=0)

    @property
    def mean_s(self) -> float:
        return self.value

    @property
    def cv(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)

    def scaled(self, factor: float) -> Deterministic:
        return self.model_copy(update={"value": self.value * factor})


class Uniform(_Dist):
    """Durations equally likely between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: Seconds = Field(ge=0)
    high: Seconds = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("uniform needs low <= high")
        return self

    @property
    def mean_s(self) -> float:
        return (self.low + self.high) / 2

    @property
    def cv(self) -> float:
        m = self.mean_s
        return 0.0 if m == 0 else (self.high - self.low) / math.sqrt(12) / m

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    def scaled(self, factor: float) -> Uniform:
        return self.model_copy(update={"low": self.low * factor, "high": self.high * factor})


class Triangular(_Dist):
    """Durations between ``low`` and ``high``, most often near ``mode``."""

    dist: Literal["triangular"]
    low: Seconds = Field(ge=0)
    mode: Seconds = Field(ge=0)
    high: Seconds = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError("triangular needs low <= mode <= high and low < high")
        return self

    @property
    def mean_s(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def cv(self) -> float:
        a, c, b = self.low, self.mode, self.high
        var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        return math.sqrt(var) / self.mean_s

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)

    def scaled(self, factor: float) -> Triangular:
        return self.model_copy(update={
            "low": self.low * factor, "mode": self.mode * factor, "high": self.high * factor,
        })


class Empirical(_Dist):
    """Durations resampled from observed values (each equally likely)."""

    dist: Literal["empirical"]
    values: tuple[Seconds, ...] = Field(min_length=1)

    @property
    def mean_s(self) -> float:
        return float(np.mean(self.values))

    @property
    def cv(self) -> float:
        m = self.mean_s
        return 0.0 if m == 0 else float(np.std(self.values)) / m

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        values = np.asarray(self.values, dtype=float)
        return values[rng.integers(0, len(values), size)]

    def scaled(self, factor: float) -> Empirical:
        return self.model_copy(update={"values": tuple(v * factor for v in self.values)})


Distribution = Annotated[
    Exponential | Lognormal | Gamma | Deterministic | Uniform | Triangular | Empirical,
    Field(discriminator="dist"),
]
DIST_NAMES = (
    "exponential", "lognormal", "gamma", "deterministic", "uniform", "triangular", "empirical"
)
