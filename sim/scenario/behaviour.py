"""Customer behaviour across contacts: the scenario sections of customer journeys.

A *journey* is one customer need, from first touch to resolution or giving up,
across as many contacts as it takes. These models describe what happens between
contacts; the per-channel, per-intent and per-pool journey fields (containment,
resolution, handoff delays, escalation) sit on the models in
:mod:`sim.scenario.schema`.

* ``recontact`` — an unresolved need comes back (probability, delay, channel
  switch, a cap on attempts, the recontact-rate window), and ``retry`` — an
  abandoned or blocked customer tries again;
* ``context_loss`` — what it costs when the customer has to repeat themselves;
* ``effort`` — the weights of the customer-effort score (see
  :mod:`sim.metrics.effort` for the model and why the defaults are what they are);
* ``routing`` — declarative entry routing by segment, intent and channel.

Every field here is optional; a scenario without them plays exactly as before.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.distributions import Deterministic, Distribution
from sim.scenario.identity import Sticky
from sim.scenario.units import parse_duration

Seconds = Annotated[float, BeforeValidator(parse_duration)]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Probability = Annotated[float, Field(ge=0, le=1)]

SHARE_TOLERANCE = 1e-6


def _duration_as_distribution(value: Any) -> Any:
    """A plain duration (``4h``) stands for a fixed one."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {"dist": "deterministic", "value": value}
    return value


Delay = Annotated[Distribution, BeforeValidator(_duration_as_distribution)]
"""A distribution of durations, or a plain duration for a fixed one."""


def _names(value: Any) -> Any:
    """One name or a list of names -> a tuple of names."""
    if isinstance(value, str):
        return (value,)
    return value


Names = Annotated[tuple[Name, ...], BeforeValidator(_names)]


def _one_target(value: Any) -> Any:
    """``to: phone`` is ``to: {phone: 1}``."""
    if isinstance(value, str):
        return {value: 1.0}
    return value


Targets = Annotated[dict[Name, Probability], BeforeValidator(_one_target)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Escalation(Model):
    """A self-service or bot session that did not contain passes the customer on."""

    to: Targets
    """Live channel -> probability, or one channel name; a remainder below 1 leaves the
    need unresolved (the customer gives up or recontacts later, see ``recontact``)."""
    context_transfer: Probability = 1.0
    """Chance the session's context reaches the agent; otherwise the customer repeats
    themselves (see ``context_loss``)."""

    @model_validator(mode="after")
    def _total(self) -> Escalation:
        total = sum(self.to.values())
        if total > 1 + 1e-6:
            raise ValueError(f"escalation probabilities add up to {total:g}; at most 1")
        return self


class Retry(Model):
    """An abandoned or blocked customer tries again (same channel rules as a recontact)."""

    probability: Probability
    delay: Delay


class Recontact(Model):
    """What customers do when a contact ends without resolving their need."""

    probability: Probability = 1.0
    """Chance an unresolved customer comes back (each time)."""
    delay: Delay
    """Time from the end of the unresolved contact to the next one."""
    channel_switch: dict[Name, Targets] = Field(default_factory=dict)
    """From channel -> {to channel: probability} (each row sums to 1); omitted: same channel."""
    max_attempts: int = Field(default=5, ge=1, le=1000)
    """Customer contacts per journey at most; after that the customer gives up."""
    window: Seconds = Field(default=7 * 86400.0, gt=0)
    """``recontact_rate`` counts journeys with a repeat contact within this time of the first."""
    retry: Retry | None = None
    """Abandoned and blocked customers; omitted: they do not try again."""
    sticky: Sticky | None = None
    """Recontacts offered first to the agent who last served them, e.g. ``{share: 0.5,
    wait_up_to: 2min, resolution_uplift: 0.1}`` (:mod:`sim.scenario.identity`);
    omitted: recontacts route like any contact."""

    @model_validator(mode="after")
    def _rows(self) -> Recontact:
        for src, row in self.channel_switch.items():
            total = sum(row.values())
            if abs(total - 1.0) > SHARE_TOLERANCE:
                raise ValueError(
                    f"channel_switch from '{src}' adds up to {total:g}; it must add up to 1"
                )
        return self


class ContextLoss(Model):
    """The cost of lost context: the customer repeats themselves on the next contact."""

    extra_handle_time: Delay = Deterministic.model_validate(
        {"dist": "deterministic", "value": "90s"})
    """Added to the next contact's handle time (before proficiency scaling)."""


class Effort(Model):
    """Weights of the customer-effort score (see :mod:`sim.metrics.effort`).

    The score of a journey is ``1 + 6 * (1 - exp(-x / 6))`` with ``x`` the weighted
    sum of its drivers, so each weight is roughly "points on the 1..7 scale" while
    the total stays small, and the score never leaves [1, 7].
    """

    contacts: float = Field(default=0.6, ge=0, le=10)
    """Per customer contact beyond the first."""
    transfers: float = Field(default=0.4, ge=0, le=10)
    """Per transfer between departments."""
    channel_switches: float = Field(default=0.3, ge=0, le=10)
    """Per change of channel from one customer contact to the next."""
    repeated_info: float = Field(default=0.8, ge=0, le=10)
    """Per contact on which the customer had to repeat themselves."""
    waiting_per_min: float = Field(default=0.1, ge=0, le=10)
    """Per minute on hold (queue waits while on the line)."""
    failed_self_service: float = Field(default=0.5, ge=0, le=10)
    """Per self-service or bot session that did not contain the need."""
    unresolved: float = Field(default=1.5, ge=0, le=10)
    """Once, when the journey ends without resolution."""
    visits: float = Field(default=0.5, ge=0, le=10)
    """Per technician visit made (the customer stays in for the appointment window)."""


class Route(Model):
    """Send fresh customer contacts matching segment / intent / channel to given pools."""

    to: Names = Field(min_length=1)
    segment: Names | None = None
    intent: Names | None = None
    channel: Names | None = None
    description: str = ""
