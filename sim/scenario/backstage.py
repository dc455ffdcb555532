"""Backstage systems, outages and failover: the scenario sections of issue 5.

* ``backstage`` — systems frontstage work depends on (billing, CRM, ...): each has
  a ``capacity`` (concurrent requests; omitted: unlimited), a ``latency`` per
  request, the work that ``needed_by`` it (intents and/or pools; a contact needs
  the system when its intent *and* the answering pool match the lists given) and
  what agents do while it is down (``on_outage``):

  - ``wait`` — hold the request until the system is restored;
  - ``workaround`` — go on without it: handle time × ``workaround.handle_factor``
    and, with ``workaround.error_probability``, the contact does not resolve the
    need (the customer recontacts, see ``recontact``);
  - ``fail`` — the contact ends unresolved (the customer recontacts later);
  - ``defer`` — a callback is promised: the agent is released, the work is parked
    and completes when the system is back (the journey resumes then).

* ``outages`` — a list; each names a ``target`` (a backstage system, a live
  channel or a pool) and is either *scheduled* (``at`` a clock time, ``for`` a
  duration) or *random* (``mtbf`` time between failures and ``mttr`` time to
  repair, distributions). For pools, ``share`` is the share of agents lost.
  With ``drops: true`` an outage of a voice or chat channel (a telephony outage)
  drops the contacts of that channel in service and in queue when it starts, and
  an outage of a pool (a site outage) drops the contacts in service with the
  agents it takes (calls queued at the ACD stay queued for the other agents);
  see :mod:`sim.model.outages`. Omitted (``false``): work in progress finishes.

* ``failover`` — a list of ``{from, to, share, detection, context_loss}``: while
  channel (or pool) ``from`` is down, once the outage has been detected, ``share``
  of its new customer contacts go to ``to`` instead; the rest are blocked (a
  channel) or wait for the pool's remaining agents; with ``context_loss`` the
  customer repeats themselves on the backup.

Every section is optional: a scenario without them plays exactly as before.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.behaviour import Delay, Name, Names, Probability, Seconds
from sim.scenario.units import parse_clock

ClockTime = Annotated[float, BeforeValidator(parse_clock)]
OnOutage = Literal["wait", "workaround", "fail", "defer"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              populate_by_name=True)


class NeededBy(Model):
    """Which work needs a backstage system (omitted lists: all)."""

    intents: Names | None = None
    pools: Names | None = None


class Workaround(Model):
    """Working without a system that is down."""

    handle_factor: float = Field(default=1.5, ge=1, le=20)
    """Handle time multiplier (manual look-ups, notes to key in later)."""
    error_probability: Probability = 0.1
    """Chance the workaround gets it wrong: the need is not resolved (recontact)."""


class Backstage(Model):
    """A backstage system: capacity, latency, who needs it, what happens when it is down."""

    capacity: int | None = Field(default=None, ge=1, le=100_000)
    """Requests served at once; more wait in FIFO order. Omitted: unlimited."""
    latency: Delay
    """Time one request takes once the system picks it up."""
    needed_by: NeededBy = NeededBy()
    on_outage: OnOutage = "wait"
    workaround: Workaround = Workaround()
    description: str = ""


class Outage(Model):
    """An outage of a backstage system, a channel or a pool: scheduled or random."""

    target: Name
    at: ClockTime | None = None
    """Scheduled: clock time the outage starts (like ``start``: 'day 1 10:00', 'Mon 10:00')."""
    for_: Seconds | None = Field(default=None, alias="for", gt=0)
    """Scheduled: how long it lasts."""
    mtbf: Delay | None = None
    """Random: time from a repair to the next failure."""
    mttr: Delay | None = None
    """Random: time to repair (also the failure-mode length used by ``servicesim fmea``)."""
    share: Probability = 1.0
    """Pools: share of the on-duty agents lost during the outage."""
    drops: bool = False
    """Voice/chat channels and pools: the outage cuts the work in progress when it starts
    (a channel: its contacts in service and in queue; a pool: the contacts its lost agents
    hold). Dropped customers retry per ``recontact.retry``, or by the default outage retry
    (:data:`sim.model.outages.DEFAULT_RETRY`). Omitted: work in progress finishes."""
    description: str = ""

    @model_validator(mode="after")
    def _kind(self) -> Outage:
        scheduled = self.at is not None or self.for_ is not None
        random = self.mtbf is not None or self.mttr is not None
        if scheduled and random:
            raise ValueError("an outage is scheduled ('at' and 'for') or random "
                             "('mtbf' and 'mttr'), not both")
        if scheduled and (self.at is None or self.for_ is None):
            raise ValueError("a scheduled outage needs both 'at' and 'for'")
        if random and (self.mtbf is None or self.mttr is None):
            raise ValueError("a random outage needs both 'mtbf' and 'mttr'")
        if not scheduled and not random:
            raise ValueError("give 'at' and 'for' (scheduled) or 'mtbf' and 'mttr' (random)")
        return self

    @property
    def scheduled(self) -> bool:
        return self.at is not None


class Failover(Model):
    """While ``from`` (a channel or a pool) is down, send ``share`` of its work to ``to``."""

    from_: Name = Field(alias="from")
    to: Name
    share: Probability = 1.0
    detection: Seconds = Field(default=0.0, ge=0)
    """Time from the start of an outage until traffic is re-routed."""
    context_loss: Probability = 0.0
    """Chance a re-routed customer repeats themselves (see ``context_loss``)."""
