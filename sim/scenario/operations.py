"""Operational levers planners know from WFM suites: the scenario fields.

* ``after_call_work`` on an intent (and ``after_call_work_by_channel`` to vary it by
  channel): wrap-up after each contact an agent handles. The agent stays busy for
  it; the customer has already left (their handle time excludes it). The model is
  in :mod:`sim.model.wrapup`.
* ``closed`` on a channel with opening ``hours``: what customers who try while it
  is closed do (:class:`ClosedDemand`; the model is :mod:`sim.model.closed`).
* ``forecast_error`` at the top level: a day-level demand multiplier shared by every
  demand line (:class:`ForecastError`; drawn in :mod:`sim.model.demand`).
* ``service_level_target`` on a segment: the answer-within target of that
  segment's contacts, one duration or one per channel (:func:`segment_target`).
* ``reserve`` and ``age_priority`` on a pool: its blending policy (:class:`Reserve`:
  keep some agents free for one channel; :class:`AgePriority`: an old email ranks as
  a live contact). The rules are in :mod:`sim.model.routing`.
* ``interrupt`` on a pool: email interrupt (:class:`Interrupt`: a call takes an agent
  away from an email, which resumes afterwards). The model is :mod:`sim.model.interrupt`.
* ``initial_backlog`` on the scenario: emails already waiting when the run starts,
  with their ages (:class:`Backlog`; the model is :mod:`sim.model.backlog`).

:func:`check_operations` checks the names these fields use (line-numbered errors
come through :mod:`sim.scenario.checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.behaviour import Delay
from sim.scenario.errors import unknown_name
from sim.scenario.units import parse_duration

__all__ = ["AgePriority", "Backlog", "ClosedDemand", "Deflect", "ForecastError", "Interrupt",
           "Reserve", "check_operations", "segment_target", "sl_target_s"]

Seconds = Annotated[float, BeforeValidator(parse_duration)]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Probability = Annotated[float, Field(ge=0, le=1)]
#: A segment's answer-within target: one duration, or one per channel.
SegmentTarget = Seconds | dict[Name, Seconds]

#: Channel kinds a closed channel's customers may be deflected to.
DEFLECT_KINDS = ("self_service", "bot")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Deflect(_Model):
    """A share of the customers who find the channel closed go to a self-service or bot
    channel at once (``to``), as a session there."""

    to: Name
    share: Probability


class ForecastError(_Model):
    """Correlated forecast error: each clock day, one gamma multiplier (mean 1,
    coefficient of variation ``cv``) scales every demand line's rate; a line's own
    ``dispersion`` stays independent noise on top."""

    cv: float = Field(ge=0, le=2)
    """Coefficient of variation of the shared daily multiplier (0.1: a typical day is
    within about 10% of forecast, on every line at once)."""


class ClosedDemand(_Model):
    """What a customer who tries a closed channel does, decided once per try.

    ``lost``: share who give up (no contact, the need ends unresolved);
    ``deflect``: share who go to a self-service or bot channel now; the rest come
    back once the channel is open, after ``return_delay`` of *opening time* (so the
    returns spread over the opening hours instead of landing at the opening second;
    omitted: at the opening). Shares are of the customers who tried while closed.
    """

    lost: Probability = 0.0
    deflect: Deflect | None = None
    return_delay: Delay | None = None

    @model_validator(mode="after")
    def _shares(self) -> ClosedDemand:
        total = self.lost + (self.deflect.share if self.deflect else 0.0)
        if total > 1 + 1e-9:
            raise ValueError(f"lost + deflect.share is {total:g}; together they must not "
                             "exceed 1 (the rest come back when the channel opens)")
        return self

    @property
    def returning(self) -> float:
        """Share of the customers who come back when the channel is open."""
        return max(0.0, 1.0 - self.lost - (self.deflect.share if self.deflect else 0.0))


class Reserve(_Model):
    """Keep agents of a pool free for one channel (voice reserve).

    An idle agent of the pool takes a contact of any *other* channel only if at least
    ``agents`` (or ``share`` of the pool's agents on duty, rounded up) of the pool's
    agents stay idle once it has taken it; the reserved channel's contacts take any
    idle agent. Give exactly one of ``agents`` and ``share``.
    """

    channel: Name
    agents: int | None = Field(default=None, ge=1, le=100_000)
    share: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _one(self) -> Reserve:
        if (self.agents is None) == (self.share is None):
            raise ValueError("give exactly one of 'agents' (a count) and 'share' (of the "
                             "agents on duty)")
        return self


class AgePriority(_Model):
    """An email waiting for this pool longer than ``after`` ranks as a live contact
    there (before later live contacts of its priority)."""

    channel: Name
    after: Seconds = Field(ge=0)


class Interrupt(_Model):
    """Email interrupt: when a call finds no agent of its pools free, an agent of this
    pool handling an email of ``channel`` puts it aside and takes the call; the email
    keeps its remaining handle time and the same agent resumes it once free again.

    ``by``: the voice channels whose calls may interrupt (omitted: every voice channel
    the pool serves). Chats never interrupt.
    """

    channel: Name
    by: tuple[Name, ...] | None = Field(default=None, min_length=1)
class Backlog(_Model):
    """Contacts already waiting at time 0 (a Monday email backlog, a case queue after a
    holiday): ``count`` of them on ``channel`` (an email channel), of ``intent`` and
    ``segment`` (omitted: the declared shares, as for demand lines), each with an
    ``age`` drawn from a distribution or fixed (``2d``). A contact of age ``a`` arrived
    at ``-a`` (its wait counts from then) and is served by the usual rules."""

    channel: Name
    count: int = Field(ge=0, le=1_000_000)
    intent: Name | None = None
    segment: Name | None = None
    age: Delay | None = None
    """How long each has waited already at time 0 (omitted: 0, they arrive at 0)."""
    description: str = ""


def segment_target(target: SegmentTarget | None, channel: str) -> float | None:
    """A segment's target on ``channel`` (None: the channel's own target applies)."""
    if target is None or isinstance(target, float):
        return target
    return target.get(channel)


def sl_target_s(sc: Any, channel: str, segment: str | None = None) -> float:
    """The answer-within target of a contact on ``channel`` from ``segment``: the
    segment's own target there, else the channel's (NaN: the channel has none)."""
    base = float(sc.channels[channel].sl_target_s)
    seg = sc.segments.get(segment) if segment is not None else None
    own = None if seg is None else segment_target(seg.service_level_target, channel)
    return base if own is None or base != base else float(own)


Add = Callable[[Sequence[str | int], str], None]



def _served_channel(sc: Any, pool: Any, cname: str, at: tuple[str | int, ...], add: Add,
                    why: str = "") -> Any:
    """The channel ``cname`` a pool's policy names, or None after reporting at ``at``
    that it is not declared or that the pool does not serve it (``why`` appended)."""
    on = sc.channels.get(cname)
    if on is None:
        add(at, unknown_name("channel", cname, sc.channels, "channels"))
    elif cname not in pool.channels:
        add(at, f"the pool does not serve '{cname}'{why}")
        return None
    return on


def _check_interrupt(sc: Any, name: str, pool: Any, add: Add) -> None:
    """A pool's ``interrupt``: an email channel it serves, interrupted by voice channels
    it serves."""
    spec = pool.interrupt
    at = ("pools", name, "interrupt", "channel")
    on = _served_channel(sc, pool, spec.channel, at, add)
    if on is not None and on.kind != "email":
        add(at, f"an interrupt puts an email aside for a call; '{spec.channel}' is "
                f"{on.kind} (give the pool's email channel)")
    if spec.by is None:
        if not any(sc.channels[c].kind == "voice" for c in pool.channels
                   if c in sc.channels):
            add(("pools", name, "interrupt"), "the pool serves no voice channel whose "
                "calls could interrupt its emails")
        return
    for i, cname in enumerate(spec.by):
        where = ("pools", name, "interrupt", "by", i)
        ch = _served_channel(sc, pool, cname, where, add)
        if ch is None:
            continue
        if ch.kind == "chat":
            add(where, f"chats do not interrupt emails ('{cname}' is chat): an agent "
                    "taking a chat keeps filling its chat slots, so the email could wait "
                    "behind chats without end; list voice channels")
        elif ch.kind != "voice":
            add(where, f"only calls interrupt emails; '{cname}' is {ch.kind}")


def check_operations(sc: Any, add: Add) -> None:
    """Names used by ``after_call_work_by_channel``, ``closed``, segment targets and
    pools' blending policy (``reserve``, ``age_priority``, ``interrupt``)."""
    live = ("voice", "chat", "email")
    for name, pool in sc.pools.items():
        res = pool.reserve
        if res is not None:
            at = ("pools", name, "reserve", "channel")
            on = _served_channel(sc, pool, res.channel, at, add,
                                 "; a reserve keeps agents free for a channel the pool serves")
            if on is not None and on.kind not in ("voice", "chat"):
                add(at, f"a reserve keeps agents free for a live channel (voice or chat); "
                        f"'{res.channel}' is {on.kind}")
            elif on is not None and len(pool.channels) < 2:
                add(("pools", name, "reserve"), "a reserve holds agents back from the "
                    "pool's other channels; this pool serves only "
                    f"'{res.channel}'")
        age = pool.age_priority
        if age is not None:
            at = ("pools", name, "age_priority", "channel")
            on = _served_channel(sc, pool, age.channel, at, add)
            if on is not None and on.kind != "email":
                add(at, f"age priority lifts emails to the rank of live contacts; "
                        f"'{age.channel}' is {on.kind}")
        if pool.interrupt is not None:
            _check_interrupt(sc, name, pool, add)
    for name, spec in sc.intents.items():
        for cname in spec.after_call_work_by_channel or {}:
            at = ("intents", name, "after_call_work_by_channel", cname)
            on = sc.channels.get(cname)
            if on is None:
                add(at, unknown_name("channel", cname, sc.channels, "channels"))
            elif on.kind not in live:
                add(at, f"after-call work follows a contact an agent handled (voice, chat "
                        f"or email); '{cname}' is {on.kind}")
    for name, ch in sc.channels.items():
        closed = ch.closed
        if closed is None:
            continue
        if ch.hours is None:
            add(("channels", name, "closed"),
                "'closed' says what customers do while the channel is closed; give the "
                "channel opening 'hours' too, or remove 'closed'")
        if closed.deflect is not None:
            to = closed.deflect.to
            where = ("channels", name, "closed", "deflect", "to")
            target = sc.channels.get(to)
            if target is None:
                add(where, unknown_name("channel", to, sc.channels, "channels"))
            elif target.kind not in DEFLECT_KINDS:
                add(where, f"customers are deflected to a self-service or bot channel; "
                        f"'{to}' is {target.kind}")
    for i, b in enumerate(sc.initial_backlog):
        spot: tuple[str | int, ...] = ("initial_backlog", i)
        ch = sc.channels.get(b.channel)
        if ch is None:
            add((*spot, "channel"), unknown_name("channel", b.channel, sc.channels, "channels"))
        elif ch.kind != "email":
            add((*spot, "channel"), f"a backlog at the start is of emails (cases that wait "
                                  f"days); '{b.channel}' is {ch.kind}")
        if b.intent is not None and b.intent not in sc.intents:
            add((*spot, "intent"), unknown_name("intent", b.intent, sc.intents, "intents"))
        if b.segment is not None and b.segment not in sc.segments:
            add((*spot, "segment"), unknown_name("segment", b.segment, sc.segments, "segments"))
    for name, seg in sc.segments.items():
        target = seg.service_level_target
        if isinstance(target, dict):
            for cname in target:
                path = ("segments", name, "service_level_target", cname)
                on = sc.channels.get(cname)
                if on is None:
                    add(path, unknown_name("channel", cname, sc.channels, "channels"))
                elif on.kind not in live:
                    add(path, f"a service-level target applies to channels with a queue "
                            f"(voice, chat or email); '{cname}' is {on.kind}")
