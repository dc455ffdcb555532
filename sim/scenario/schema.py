"""The scenario: the planner-facing contract, as frozen pydantic models.

A scenario describes channels, customer segments, contact reasons (intents),
demand lines, agent pools with skills and schedules, and the run settings
(horizon, warm-up, replications, seed). Field-level checks (units, ranges, unknown
keys) live on the models; cross-references between sections (a demand line naming
a channel that does not exist, an intent no pool can serve, shares that do not sum
to one) are checked in :mod:`sim.scenario.checks`.

Times are float seconds after validation; rates are contacts per second.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)

from sim.scenario.distributions import Distribution
from sim.scenario.units import (
    WEEKDAYS,
    parse_clock,
    parse_duration,
    parse_multiplier,
    parse_rate,
    time_of_day,
)

Seconds = Annotated[float, BeforeValidator(parse_duration)]
PerSecond = Annotated[float, BeforeValidator(parse_rate)]
Factor = Annotated[float, BeforeValidator(parse_multiplier)]
ClockTime = Annotated[float, BeforeValidator(parse_clock)]
TimeOfDay = Annotated[float, BeforeValidator(time_of_day)]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]

ChannelKind = Literal["voice", "chat", "email", "self_service", "bot", "field"]
LIVE_KINDS = ("voice", "chat", "email")

#: Default service-level targets by channel kind (answer within), in seconds.
DEFAULT_SL_TARGET_S = {"voice": 20.0, "chat": 60.0, "email": 24 * 3600.0}

MAX_REPLICATIONS = 10_000


class Model(BaseModel):
    """Base of every scenario model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Channel(Model):
    """A way customers reach the service."""

    kind: ChannelKind
    description: str = ""
    patience: Distribution | None = None
    """Time a waiting customer tolerates before abandoning; omitted: never abandons."""
    service_level_target: Seconds | None = None
    """Answer-within target; defaults by kind (voice 20s, chat 60s, email 24h)."""
    queue_capacity: int | None = Field(default=None, ge=0)
    """Contacts beyond this many waiting are blocked (busy signal); omitted: unlimited."""
    max_concurrency: int = Field(default=1, ge=1, le=20)
    """Chat: how many contacts an agent holds at once."""
    concurrency_inflation: float = Field(default=0.0, ge=0, le=5)
    """Chat: extra handle time per additional concurrent chat (0.25 = +25% each)."""

    @model_validator(mode="after")
    def _kind_rules(self) -> "Channel":
        if self.kind != "chat" and self.max_concurrency != 1:
            raise ValueError("max_concurrency applies to chat channels only")
        if self.kind == "email" and self.patience is not None:
            raise ValueError("email is asynchronous: remove 'patience' (emails never abandon)")
        return self

    @property
    def sl_target_s(self) -> float:
        """The service-level target in seconds (explicit or the kind's default)."""
        if self.service_level_target is not None:
            return self.service_level_target
        return DEFAULT_SL_TARGET_S.get(self.kind, 20.0)


class Segment(Model):
    """A group of customers with its own share, priority and patience."""

    share: float | None = Field(default=None, ge=0, le=1)
    """Share of demand lines that name no segment."""
    priority: int = Field(default=0, ge=0, le=100)
    """Higher is served first (non-preemptive)."""
    patience: Distribution | None = None
    """Overrides the channel's patience for this segment."""
    description: str = ""


class Intent(Model):
    """A contact reason, with its handle time."""

    handle_time: Distribution
    share: float | None = Field(default=None, ge=0, le=1)
    """Share of demand lines that name no intent."""
    description: str = ""


class Profile(Model):
    """Intraday shape: relative weights per interval of the day (normalised to mean 1)."""

    interval: Seconds = 3600.0
    weights: tuple[float, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "Profile":
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


class DemandLine(Model):
    """Contacts arriving on one channel, optionally for one intent and segment."""

    channel: Name
    rate: PerSecond
    """Mean arrival rate over the day (the profile shapes it within the day)."""
    intent: Name | None = None
    segment: Name | None = None
    profile: Profile | Name | None = None
    day_factors: DayFactors | None = None
    """Multipliers by weekday, e.g. {Sat: 0.6, Sun: 0.3}."""
    dispersion: float = Field(default=0.0, ge=0, le=2)
    """Forecast noise: coefficient of variation of a daily gamma rate multiplier."""

    @model_validator(mode="after")
    def _factors(self) -> "DemandLine":
        if self.day_factors is not None and any(f < 0 for f in self.day_factors):
            raise ValueError("day_factors cannot be negative")
        return self


class Schedule(Model):
    """Headcount per interval of the day (repeats daily) or of the week."""

    interval: Seconds = 1800.0
    headcount: tuple[Annotated[int, Field(ge=0, le=100_000)], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "Schedule":
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
    def _check(self) -> "Shift":
        bad = [d for d in self.days if str(d).lower()[:3] not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use Mon, Tue, ... Sun")
        if self.start == self.end:
            raise ValueError("shift start and end are the same")
        return self

    @property
    def day_indices(self) -> tuple[int, ...]:
        return tuple(WEEKDAYS.index(str(d).lower()[:3]) for d in self.days)


class Overflow(Model):
    """After waiting ``after`` in this pool's queue, a contact may also go to ``to``."""

    to: Name
    after: Seconds


class Handoff(Model):
    """After handling, pass the contact to another pool with a probability."""

    to: Name
    probability: float = Field(ge=0, le=1)
    intents: tuple[Name, ...] | None = None
    """Only for these intents (omitted: all)."""
    handle_time: Distribution | None = None
    """Handle time in the receiving pool (omitted: the intent's handle time)."""


class Pool(Model):
    """A team of agents serving some channels with some skills."""

    size: int | None = Field(default=None, ge=0, le=100_000)
    schedule: Schedule | None = None
    shifts: tuple[Shift, ...] | None = None
    channels: tuple[Name, ...] = Field(min_length=1)
    skills: dict[Name, float] | None = None
    """Intent -> proficiency (1 = standard; 0.5 = takes twice as long); omitted: all at 1."""
    overflow: Overflow | None = None
    handoffs: tuple[Handoff, ...] = ()
    cost_per_hour: float = Field(default=0.0, ge=0)
    description: str = ""

    @model_validator(mode="after")
    def _staffing(self) -> "Pool":
        given = [k for k in ("size", "schedule", "shifts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'size', 'schedule' or 'shifts' "
                f"(got {', '.join(given) if given else 'none'})"
            )
        if self.skills is not None and any(not (0 < p <= 10) for p in self.skills.values()):
            raise ValueError("skill proficiency must be > 0 and <= 10")
        return self


class Scenario(Model):
    """A complete scenario: the world to simulate and how to run it."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    start: ClockTime = 0.0
    """Clock time at simulation time zero (default Monday 00:00)."""
    horizon: Seconds = Field(gt=0)
    """Simulated time per replication that is measured (after the warm-up)."""
    warmup: Seconds = 0.0
    replications: int = Field(default=10, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    interval: Seconds = 1800.0
    """Reporting interval for the intervals table."""
    channels: dict[Name, Channel] = Field(min_length=1)
    segments: dict[Name, Segment] = Field(default_factory=dict)
    intents: dict[Name, Intent] = Field(min_length=1)
    profiles: dict[Name, Profile] = Field(default_factory=dict)
    demand: tuple[DemandLine, ...] = Field(min_length=1)
    pools: dict[Name, Pool] = Field(min_length=1)

    _raw: dict[str, Any] | None = PrivateAttr(default=None)
    """The input this scenario was validated from, as the planner wrote it."""

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ModelWrapValidatorHandler["Scenario"]) -> "Scenario":
        scenario = handler(data)
        if isinstance(data, Mapping) and scenario._raw is None:
            from sim.scenario.fields import to_input

            scenario._raw = copy.deepcopy(to_input(dict(data)))
        return scenario

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], file: str = "<dict>") -> "Scenario":
        """Validate a dict as the loader does (fields, then cross-references).

        Raises:
            ScenarioError: the first problem, worded for a planner.
        """
        from sim.scenario.loader import validate

        return validate(data, file=file)

    @property
    def raw(self) -> dict[str, Any]:
        """A copy of the input as the planner wrote it (units as strings).

        Scenarios not built from input (``model_construct``, ``model_copy`` with
        changes) are written back from their fields.
        """
        if self._raw is not None:
            return copy.deepcopy(self._raw)
        from sim.scenario.fields import to_input

        out: dict[str, Any] = to_input(self)
        return out

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> "Scenario":
        """Copy; with ``update`` the stored input no longer matches, so it is dropped."""
        new = super().model_copy(update=update, deep=deep)
        if update:
            new._raw = None
        return new

    @property
    def end_s(self) -> float:
        """Simulation time at which a replication stops."""
        return self.warmup + self.horizon

    def with_changes(self, changes: dict[str, Any]) -> "Scenario":
        """Return a validated copy with fields replaced by dotted path.

        ``scenario.with_changes({"pools.tier1.size": 45, "seed": 3})``
        """
        from sim.scenario.paths import apply_changes

        return apply_changes(self, changes)
