"""Time shapes of a scenario: intraday demand profiles, weekday factors, staffing
schedules and shifts (re-exported by :mod:`sim.scenario.schema`), and the rules of
channels' opening hours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.units import WEEKDAYS, parse_duration, time_of_day

Seconds = Annotated[float, BeforeValidator(parse_duration)]
TimeOfDay = Annotated[float, BeforeValidator(time_of_day)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Profile(Model):
    """Intraday shape: relative weights per interval of the day (normalised to mean 1)."""

    interval: Seconds = 3600.0
    weights: tuple[float, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Profile:
        if self.interval not in (900.0, 1800.0, 3600.0):
            raise ValueError("profile interval must be 15min, 30min or 1h")
        n = round(86400 / self.interval)
        if len(self.weights) != n:
            raise ValueError(
                f"profile needs {n} weights (one per {int(self.interval // 60)}min of the day), "
                f"got {len(self.weights)}"
            )
        if any(w < 0 for w in self.weights):
            raise ValueError("profile weights cannot be negative")
        if sum(self.weights) <= 0:
            raise ValueError("profile weights must not all be zero")
        return self


def _day_factors(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) != 7:
        raise ValueError(
            f"day_factors needs 7 values (Mon..Sun) or a mapping like {{Sat: 0.6, Sun: 0.3}}, "
            f"got {len(value)} values"
        )
    if isinstance(value, dict):
        out = [1.0] * 7
        for key, factor in value.items():
            k = str(key).lower()[:3]
            if k not in WEEKDAYS:
                raise ValueError(f"unknown weekday {key!r}; use Mon, Tue, ... Sun")
            out[WEEKDAYS.index(k)] = factor
        return tuple(out)
    return value


DayFactors = Annotated[tuple[float, float, float, float, float, float, float],
                       BeforeValidator(_day_factors)]


class Schedule(Model):
    """Headcount per interval of the day (repeats daily) or of the week."""

    interval: Seconds = 1800.0
    headcount: tuple[Annotated[int, Field(ge=0, le=100_000)], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Schedule:
        if self.interval <= 0 or 86400 % self.interval:
            raise ValueError("schedule interval must divide a day (e.g. 15min, 30min, 1h)")
        per_day = round(86400 / self.interval)
        if len(self.headcount) not in (per_day, 7 * per_day):
            raise ValueError(
                f"schedule needs {per_day} headcounts (a day) or {7 * per_day} (a week) "
                f"at {int(self.interval // 60)}min intervals, got {len(self.headcount)}"
            )
        return self


class Shift(Model):
    """A block of agents on duty from ``start`` to ``end`` (time of day)."""

    start: TimeOfDay
    end: TimeOfDay
    agents: int = Field(ge=0, le=100_000)
    days: tuple[str, ...] = WEEKDAYS
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    """Share of paid time not available for contacts (breaks, training, absence)."""

    @model_validator(mode="after")
    def _check(self) -> Shift:
        bad = [d for d in self.days if str(d).lower()[:3] not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use Mon, Tue, ... Sun")
        if self.start == self.end:
            raise ValueError("shift start and end are the same")
        return self

    @property
    def day_indices(self) -> tuple[int, ...]:
        return tuple(WEEKDAYS.index(str(d).lower()[:3]) for d in self.days)


def opening_hours_rules(value: Sequence[Any] | None, kind: object,
                        kinds: Sequence[str]) -> Any:
    """Check a channel's opening ``hours`` (blocks with ``days``) against its ``kind``.

    Raises:
        ValueError: hours on a channel kind not in ``kinds``, or no day open at all.
    """
    if value is None:
        return value
    if kind not in kinds:
        hint = "; emails wait in the backlog until agents are on duty" if kind == "email" else ""
        raise ValueError(f"opening hours apply to {' and '.join(kinds)} channels only (this "
                         f"channel is {kind}{hint})")
    if not value or not any(block.days for block in value):
        raise ValueError("opening hours need at least one block with at least one day; "
                         "omit 'hours' for a channel that is always open")
    return value
