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


class Break(Model):
    """A break or lunch every present agent of a shift takes, at a fixed time (``at``)
    or staggered within a ``window`` of times of day (see :mod:`sim.model.shrinkage`)."""

    length: Seconds
    """How long each agent is off (whole minutes, e.g. ``15min``, ``30min``)."""
    at: TimeOfDay | None = None
    """Everyone at once, from this time of day, e.g. ``"10:30"``."""
    window: tuple[TimeOfDay, TimeOfDay] | None = None
    """Staggered: agents' breaks spread evenly from the window's start to its end,
    e.g. ``["12:00", "14:00"]`` (each break lies wholly inside)."""

    @model_validator(mode="after")
    def _check(self) -> Break:
        if (self.at is None) == (self.window is None):
            raise ValueError("a break needs exactly one of 'at' (a fixed time) or 'window' "
                             "(staggered within two times of day)")
        if self.length < 60 or self.length % 60:
            raise ValueError(f"a break lasts whole minutes (at least 1min), got {self.length:g}s")
        if self.window is not None:
            span = (self.window[1] - self.window[0]) % 86400
            if span < self.length:
                raise ValueError(f"the break window {span / 60:g}min is shorter than the "
                                 f"break ({self.length / 60:g}min)")
        return self

    @property
    def span(self) -> tuple[float, float]:
        """Window start and end as times of day (a fixed break: its own start and end)."""
        if self.window is not None:
            return self.window
        assert self.at is not None
        return self.at, self.at + self.length


class Shift(Model):
    """A block of agents on duty from ``start`` to ``end`` (time of day)."""

    start: TimeOfDay
    end: TimeOfDay
    agents: int = Field(ge=0, le=100_000)
    days: tuple[str, ...] = WEEKDAYS
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    """Share of paid time not available for contacts (breaks, training, absence): the
    simple headcount cut, applied on top of the shrinkage as it happens below."""
    breaks: tuple[Break, ...] = ()
    """Breaks and lunches placed inside the shift, each taken by every present agent."""
    absence: float = Field(default=0.0, ge=0, lt=1)
    """Share of the shift's agents absent, drawn per day (binomial, its own stream)."""
    adherence: float = Field(default=1.0, gt=0, le=1)
    """Share of scheduled time (on duty, not on break) agents are actually available:
    each agent is away for each 15-minute slot of the shift with chance 1 - adherence."""

    @model_validator(mode="after")
    def _check(self) -> Shift:
        bad = [d for d in self.days if str(d).lower()[:3] not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use Mon, Tue, ... Sun")
        if self.start == self.end:
            raise ValueError("shift start and end are the same")
        length = (self.end - self.start) % 86400
        spans = []
        for b in self.breaks:
            ws, we = b.span
            a = (ws - self.start) % 86400
            z = a + (we - ws) % 86400
            if z > length + 1e-9:
                raise ValueError(f"a break ({_hhmm(ws)}-{_hhmm(we)}) does not lie inside "
                                 f"the shift ({_hhmm(self.start)}-{_hhmm(self.end)})")
            spans.append((a, z))
        _no_overlap(spans, "a shift")
        return self

    @property
    def uses_shrinkage(self) -> bool:
        """True if the shift has breaks, absence or adherence below 1."""
        return bool(self.breaks) or self.absence > 0 or self.adherence < 1

    @property
    def day_indices(self) -> tuple[int, ...]:
        return tuple(WEEKDAYS.index(str(d).lower()[:3]) for d in self.days)


def _no_overlap(spans: list[tuple[float, float]], whose: str) -> None:
    spans = sorted(spans)
    for (_, z0), (a1, _) in zip(spans, spans[1:], strict=False):
        if a1 < z0 - 1e-9:
            raise ValueError(f"break windows of {whose} overlap; give each break its own "
                             "window (or time) so an agent's breaks never coincide")


def pool_shrinkage_rules(field: str, value: Any, staffing: dict[str, Any]) -> Any:
    """Check a pool's own ``shrinkage``, ``breaks``, ``absence`` or ``adherence``
    (``field``, ``value``) against its staffing (``staffing``: the pool's ``size``,
    ``schedule``, ``shifts`` read so far).

    They apply to a pool with a ``size`` or a ``schedule``; breaks, absence and
    adherence work in clock days (:mod:`sim.model.shrinkage`): each break lies within a
    day (00:00-24:00), break windows do not overlap, a schedule's interval is whole
    minutes. A pool with ``shifts`` gives them on each shift.

    Raises:
        ValueError: any of these rules broken, worded for a planner.
    """
    unused = {"shrinkage": 0.0, "breaks": (), "absence": 0.0, "adherence": 1.0}[field]
    if value == unused:
        return value
    if staffing.get("shifts") is not None:
        raise ValueError(f"a pool with shifts takes '{field}' on each shift (shifts: "
                         f"[{{start: ..., end: ..., agents: ..., {field}: ...}}])")
    if field == "shrinkage":  # a headcount cut: any schedule interval will do
        return value
    schedule = staffing.get("schedule")
    if schedule is not None and schedule.interval % 60:
        raise ValueError(f"'{field}' needs a schedule in whole minutes; its interval is "
                         f"{schedule.interval:g}s")
    if field == "breaks":
        spans = []
        for b in value:
            ws, we = b.span
            a = ws % 86400
            z = a + (we - ws) % 86400
            if z > 86400 + 1e-9:
                raise ValueError("a pool without shifts takes its breaks within a clock day "
                                 f"(00:00-24:00); this one ({_hhmm(ws)}-{_hhmm(we)}) crosses "
                                 "midnight: split it, or staff the pool with shifts")
            spans.append((a, z))
        _no_overlap(spans, "a pool")
    return value


def _hhmm(t: float) -> str:
    t = t % 86400
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"


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
