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
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.backstage import Backstage, Failover, Outage
from sim.scenario.behaviour import (
    ContextLoss,
    Delay,
    Effort,
    Escalation,
    Probability,
    Recontact,
    Route,
)
from sim.scenario.callbacks import Callback, callback_rules
from sim.scenario.distributions import Distribution
from sim.scenario.events import DemandShock
from sim.scenario.field import Hours, TechnicianPool, Visits, channel_rules
from sim.scenario.identity import TenureGroup, tenure_rules
from sim.scenario.operations import (
    AgePriority,
    Backlog,
    ClosedDemand,
    ForecastError,
    Interrupt,
    Reserve,
    SegmentTarget,
)
from sim.scenario.timing import (
    Break,
    DayFactors,
    Profile,
    Schedule,
    Shift,
    opening_hours_rules,
    pool_shrinkage_rules,
)
from sim.scenario.units import (
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
SELF_SERVICE_KINDS = ("self_service", "bot")
#: Channel kinds that may have opening ``hours``.
OPENING_HOURS_KINDS = ("voice", "chat")

#: Default service-level targets by channel kind (answer within), in seconds.
DEFAULT_SL_TARGET_S = {"voice": 20.0, "chat": 60.0, "email": 24 * 3600.0}

MAX_REPLICATIONS = 10_000
MIN_INTERVAL_S = 60.0


class Model(BaseModel):
    """Base of every scenario model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _probabilities(value: Any, where: str = "") -> list[tuple[str, float]]:
    """Every number in a (nested) mapping of probabilities, with where it sits."""
    if isinstance(value, dict):
        joint = " for" if where else " of"
        return [item for k, v in value.items()
                for item in _probabilities(v, f"{where}{joint} '{k}'")]
    return [] if value is None else [(where, float(value))]


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
    short_abandon: Seconds | None = None
    """Abandons within this wait (e.g. ``5s``) are *short abandons*: misdials and
    customers who hung up at once, left out of the abandon rate and the service level
    as contact centres do; omitted: every abandon counts."""
    max_concurrency: int = Field(default=1, ge=1, le=20)
    """Chat: how many contacts an agent holds at once."""
    concurrency_inflation: float = Field(default=0.0, ge=0, le=5)
    """Chat: extra handle time per additional concurrent chat (0.25 = +25% each)."""
    duration: Delay | None = None
    """Self-service / bot: time the customer spends in a session; omitted: none."""
    containment: float | dict[Name, float | dict[Name, float]] | None = None
    """Self-service / bot: chance a session resolves the need, e.g. ``0.4``, by intent
    ``{billing: 0.6, tech: 0.3}`` (unlisted intents: 0) or by intent and segment
    ``{billing: {retail: 0.6, premium: 0.4}}``; omitted: every session contains."""
    escalation: Escalation | None = None
    """Self-service / bot: where a session that did not contain sends the customer."""
    capacity: int | None = Field(default=None, ge=1)
    """Self-service / bot: sessions at once; beyond it customers are blocked. Omitted: unlimited."""
    cost_per_contact: float = Field(default=0.0, ge=0)
    """Cost of each contact on this channel (bot licence, telephony), in the cost unit."""
    cost_per_failed_contact: float | None = Field(default=None, ge=0)
    """Self-service / bot: cost of a session that did not contain (omitted: cost_per_contact)."""
    visits: Visits | None = None
    """Field channels (technician visits booked from a contact): see :mod:`sim.scenario.field`."""
    hours: Hours | None = None
    """Voice and chat: opening hours, ``{start: "08:00", end: "20:00", days: [Mon, ..., Sat]}``
    or a list of such blocks (days omitted: Monday to Friday). A customer contact landing
    while the channel is closed is moved to its next opening (see :mod:`sim.model.hours`).
    Omitted: always open."""
    closed: ClosedDemand | None = None
    """With ``hours``: what customers who try while closed do, e.g. ``{lost: 0.2,
    deflect: {to: app, share: 0.1}, return_delay: {dist: exponential, mean: 1h}}``
    (see :mod:`sim.model.closed`). Omitted: all come back at the opening."""
    callback: Callback | None = None
    """Voice: offer a call-back (virtual hold) when the expected wait is long, e.g.
    ``{offer_above: 2min, accept: 0.6, keep_place: true, success: 0.9}`` (see
    :mod:`sim.scenario.callbacks`). Omitted: no call-backs."""

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: tuple[Any, ...] | None, info: ValidationInfo) -> Any:
        return opening_hours_rules(value, info.data.get("kind"), OPENING_HOURS_KINDS)

    @model_validator(mode="after")
    def _kind_rules(self) -> Channel:
        channel_rules(self)  # field channels and 'visits' (sim.scenario.field)
        callback_rules(self)  # 'callback' on voice only (sim.scenario.callbacks)
        if self.kind != "chat" and self.max_concurrency != 1:
            raise ValueError("max_concurrency applies to chat channels only")
        if self.kind == "email" and self.patience is not None:
            raise ValueError("email is asynchronous: remove 'patience' (emails never abandon)")
        self_service = self.kind in SELF_SERVICE_KINDS
        for where, p in _probabilities(self.containment):
            if not 0 <= p <= 1:
                raise ValueError(f"containment{where} is {p:g}; it must be between 0 and 1")
        if not self_service:
            given = [k for k in ("duration", "containment", "escalation", "capacity",
                                 "cost_per_failed_contact") if getattr(self, k) is not None]
            if given:
                raise ValueError(
                    f"'{given[0]}' applies to self_service and bot channels only "
                    f"(this channel is {self.kind})")
        else:
            given = [k for k in ("patience", "queue_capacity", "service_level_target")
                     if getattr(self, k) is not None]
            if given:
                raise ValueError(
                    f"'{given[0]}' does not apply to a {self.kind} channel: sessions never "
                    "queue (limit them with 'capacity')")
        return self

    @property
    def is_self_service(self) -> bool:
        """Self-service and bot channels: sessions without an agent."""
        return self.kind in SELF_SERVICE_KINDS

    @property
    def sl_target_s(self) -> float:
        """The service-level target in seconds (explicit or the kind's default; NaN for
        self-service and bot channels, which have no queue)."""
        if self.service_level_target is not None:
            return self.service_level_target
        if self.kind in (*SELF_SERVICE_KINDS, "field"):
            return float("nan")
        return DEFAULT_SL_TARGET_S.get(self.kind, 20.0)

    def containment_p(self, intent: str, segment: str) -> float:
        """Chance a session of ``intent`` and ``segment`` contains the need."""
        c = self.containment
        if c is None:
            return 1.0
        if isinstance(c, float):
            return c
        by_intent = c.get(intent, 0.0)
        if isinstance(by_intent, float):
            return by_intent
        return by_intent.get(segment, 0.0)


class Segment(Model):
    """A group of customers with its own share, priority and patience."""

    share: float | None = Field(default=None, ge=0, le=1)
    """Share of demand lines that name no segment."""
    priority: int = Field(default=0, ge=0, le=100)
    """Higher is served first (non-preemptive)."""
    patience: Distribution | None = None
    """Overrides the channel's patience for this segment on live channels (voice, chat)."""
    service_level_target: SegmentTarget | None = None
    """This segment's answer-within target, e.g. ``15s``, or per channel ``{phone: 15s,
    chat: 45s}`` (channels not listed, or omitted: the channel's target)."""
    service_level_goal: float | None = Field(default=None, ge=0, le=1)
    """The share of this segment's contacts to answer within its target (e.g. ``0.9``
    for premium 90/15); the run report says per segment whether it is met."""
    description: str = ""


class Intent(Model):
    """A contact reason, with its handle time."""

    handle_time: Distribution
    share: float | None = Field(default=None, ge=0, le=1)
    """Share of demand lines that name no intent."""
    resolution: Probability | None = None
    """Chance a handled contact resolves the need, scaled by the agent's proficiency:
    ``p = resolution * min(1, proficiency)``. Omitted: every handled contact resolves."""
    resolution_by_channel: dict[Name, Probability] | None = None
    """Overrides ``resolution`` on some channels, e.g. ``{chat: 0.7}``."""
    handle_time_by_channel: dict[Name, Distribution] | None = None
    """Overrides ``handle_time`` on some live channels, e.g. ``{chat: {dist: lognormal,
    mean: 10min, cv: 0.6}}`` (before proficiency and chat concurrency); channels not
    listed use ``handle_time``."""
    after_call_work: Distribution | None = None
    """Wrap-up after each contact of this intent an agent handles: the agent stays busy,
    the customer has left (see :mod:`sim.model.wrapup`). Omitted: none."""
    after_call_work_by_channel: dict[Name, Distribution] | None = None
    """Overrides ``after_call_work`` on some live channels, e.g. ``{chat: 30s}`` as a
    distribution (``{dist: deterministic, value: 30s}``)."""
    description: str = ""

    def handle_time_on(self, channel: str) -> Distribution:
        """The base handle-time distribution of this intent on ``channel``."""
        if self.handle_time_by_channel and channel in self.handle_time_by_channel:
            return self.handle_time_by_channel[channel]
        return self.handle_time

    def after_call_work_on(self, channel: str) -> Distribution | None:
        """The after-call work distribution of this intent on ``channel`` (None: none)."""
        if self.after_call_work_by_channel and channel in self.after_call_work_by_channel:
            return self.after_call_work_by_channel[channel]
        return self.after_call_work

    def acw_mean_s(self, channel: str) -> float:
        """Mean after-call work on ``channel``, in seconds (0: none)."""
        dist = self.after_call_work_on(channel)
        return 0.0 if dist is None else float(dist.mean_s)

    def resolution_p(self, channel: str) -> float | None:
        """The base resolution probability on ``channel`` (None: certain, unscaled)."""
        if self.resolution_by_channel and channel in self.resolution_by_channel:
            return self.resolution_by_channel[channel]
        return self.resolution


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
    def _factors(self) -> DemandLine:
        if self.day_factors is not None and any(f < 0 for f in self.day_factors):
            raise ValueError("day_factors cannot be negative")
        return self


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
    delay: Delay | None = None
    """Time before the receiving pool can pick the work up (omitted: at once)."""
    context_loss: Probability = 0.0
    """Chance the notes do not travel: the customer repeats themselves (see ``context_loss``)."""
    asynchronous: bool = False
    """Back-office work: the customer is not on the line (no abandonment, no hold time
    counted as customer effort) and the work waits behind live contacts."""


class Pool(Model):
    """A team of agents serving some channels with some skills."""

    size: int | None = Field(default=None, ge=0, le=100_000)
    schedule: Schedule | None = None
    shifts: tuple[Shift, ...] | None = None
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    """A pool with a ``size`` or ``schedule``: share of paid time not available for
    contacts, the simple headcount cut of a shift's ``shrinkage`` applied to the pool's
    total on duty each minute (rounded once, halves up); pools with shifts give it per shift."""
    breaks: tuple[Break, ...] = ()
    """A pool with a ``size`` or ``schedule``: breaks every agent on duty takes each day,
    as on a shift (pools with shifts give them per shift; :mod:`sim.model.shrinkage`)."""
    absence: float = Field(default=0.0, ge=0, lt=1)
    """Likewise: share of each day's rostered agents absent (drawn per day)."""
    adherence: float = Field(default=1.0, gt=0, le=1)
    """Likewise: share of scheduled time (on duty, not on break) actually available."""
    channels: tuple[Name, ...] = Field(min_length=1)
    skills: dict[Name, float] | None = None
    """Intent -> proficiency (1 = standard; 0.5 = takes twice as long); omitted: all at 1."""
    overflow: Overflow | None = None
    handoffs: tuple[Handoff, ...] = ()
    escalate_below: float | None = Field(default=None, gt=0, le=10)
    """A contact this pool did not resolve, of an intent its proficiency is below this,
    is escalated to ``escalate_to`` instead of leaving the customer unresolved."""
    escalate_to: Name | None = None
    reserve: Reserve | None = None
    """Blending: keep agents free for one channel, e.g. ``{channel: phone, agents: 2}``;
    an idle agent takes other work only if that many stay idle (:mod:`sim.model.routing`)."""
    age_priority: AgePriority | None = None
    """Blending: an email waiting longer than ``after`` ranks as a live contact in this
    pool, e.g. ``{channel: email, after: 4h}`` (:mod:`sim.model.routing`)."""
    interrupt: Interrupt | None = None
    """Blending: a call that finds no agent free takes an agent away from an email, which
    resumes afterwards, e.g. ``{channel: email}`` (:mod:`sim.model.interrupt`)."""
    tenure: tuple[TenureGroup, ...] | None = None
    """Agents with their own handle-time multiplier, e.g. ``[{name: new_hires, share:
    0.2, handle_time: 1.3}]``; the rest are ``standard`` at 1.0x
    (:mod:`sim.scenario.identity`)."""
    cost_per_hour: float = Field(default=0.0, ge=0)
    description: str = ""

    @field_validator("tenure")
    @classmethod
    def _tenure(cls, value: tuple[TenureGroup, ...] | None) -> tuple[TenureGroup, ...] | None:
        tenure_rules(value)
        return value

    @model_validator(mode="after")
    def _staffing(self) -> Pool:
        given = [k for k in ("size", "schedule", "shifts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'size', 'schedule' or 'shifts' "
                f"(got {', '.join(given) if given else 'none'})"
            )
        if self.skills is not None and any(not (0 < p <= 10) for p in self.skills.values()):
            raise ValueError("skill proficiency must be > 0 and <= 10")
        if (self.escalate_below is None) != (self.escalate_to is None):
            raise ValueError("give both 'escalate_below' and 'escalate_to', or neither")
        return self

    @field_validator("shrinkage", "breaks", "absence", "adherence")
    @classmethod
    def _shrinkage(cls, value: Any, info: ValidationInfo) -> Any:
        return pool_shrinkage_rules(str(info.field_name), value, info.data)

    @property
    def uses_shrinkage(self) -> bool:
        """True if the pool, or one of its shifts, has breaks, absence or adherence below 1."""
        return (bool(self.breaks) or self.absence > 0 or self.adherence < 1
                or any(sh.uses_shrinkage for sh in self.shifts or ()))


class Scenario(Model):
    """A complete scenario: the world to simulate and how to run it."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    start: ClockTime = 0.0
    """Clock time at simulation time zero (default Monday 00:00)."""
    horizon: Seconds = Field(gt=0)
    """Simulated time per replication that is measured (after the warm-up)."""
    warmup: Seconds = 0.0
    run_out: Seconds = Field(default=14 * 86400.0, le=366 * 86400.0)
    """Follow-up after the horizon: no new customer arrives, and the contacts and
    journeys already under way are played on (against the scheduled staff) until they
    end or this long has passed, so that journey KPIs are not cut at the horizon
    (``0s``: stop at the horizon)."""
    replications: int = Field(default=10, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    interval: Seconds = 1800.0
    """Reporting interval for the intervals table (at least a minute)."""
    channels: dict[Name, Channel] = Field(min_length=1)
    segments: dict[Name, Segment] = Field(default_factory=dict)
    intents: dict[Name, Intent] = Field(min_length=1)
    profiles: dict[Name, Profile] = Field(default_factory=dict)
    demand: tuple[DemandLine, ...] = Field(min_length=1)
    forecast_error: ForecastError | None = None
    """Correlated forecast error: a daily gamma multiplier shared by every demand line,
    e.g. ``{cv: 0.1}`` (each line's ``dispersion`` stays independent noise on top);
    omitted: none."""
    pools: dict[Name, Pool] = Field(min_length=1)
    routing: tuple[Route, ...] = ()
    """Entry routing rules, first match wins (see :class:`sim.scenario.behaviour.Route`)."""
    recontact: Recontact | None = None
    """Unresolved customers come back; omitted: they do not."""
    context_loss: ContextLoss = ContextLoss()
    """What a lost context costs on the next contact."""
    effort: Effort = Effort()
    """Weights of the customer-effort score."""
    backstage: dict[Name, Backstage] = Field(default_factory=dict)
    """Backstage systems frontstage work waits on (see :mod:`sim.scenario.backstage`)."""
    outages: tuple[Outage, ...] = ()
    """Outages of backstage systems, channels and pools, scheduled or random."""
    failover: tuple[Failover, ...] = ()
    """Where a channel's or pool's work goes while it is down."""
    events: tuple[DemandShock, ...] = ()
    """Demand shocks: time-limited multipliers on demand (:mod:`sim.scenario.events`)."""
    technicians: dict[Name, TechnicianPool] = Field(default_factory=dict)
    """Technician pools making the visits of field channels (:mod:`sim.scenario.field`)."""
    initial_backlog: tuple[Backlog, ...] = ()
    """Emails already waiting at time 0, with their ages, e.g. ``[{channel: email,
    intent: billing, count: 400, age: {dist: uniform, low: 0s, high: 3d}}]``
    (:mod:`sim.model.backlog`). They belong to the warm-up; with ``warmup: 0s`` they
    are in the measured window."""

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: float) -> float:
        # a zero or tiny interval would make the intervals table absurdly long
        if value < MIN_INTERVAL_S:
            raise ValueError(f"the reporting interval must be at least 1min, got {value:g}s")
        return value

    _raw: dict[str, Any] | None = PrivateAttr(default=None)
    """The input this scenario was validated from, as the planner wrote it."""

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ModelWrapValidatorHandler[Scenario]) -> Scenario:
        scenario = handler(data)
        if isinstance(data, Mapping) and scenario._raw is None:
            from sim.scenario.fields import to_input

            scenario._raw = copy.deepcopy(to_input(dict(data)))
        return scenario

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], file: str = "<dict>") -> Scenario:
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
    ) -> Scenario:
        """Copy; with ``update`` the stored input no longer matches, so it is dropped."""
        new = super().model_copy(update=update, deep=deep)
        if update:
            new._raw = None
        return new

    @property
    def end_s(self) -> float:
        """Simulation time at which a replication stops."""
        return self.warmup + self.horizon

    def with_changes(self, changes: dict[str, Any]) -> Scenario:
        """Return a validated copy with fields replaced by dotted path.

        ``scenario.with_changes({"pools.tier1.size": 45, "seed": 3})``
        """
        from sim.scenario.paths import apply_changes

        return apply_changes(self, changes)
