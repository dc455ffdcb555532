"""Callbacks (virtual hold) on a voice channel: the scenario field.

``callback`` on a voice channel, e.g.::

    phone:
      kind: voice
      callback: {offer_above: 2min, accept: 0.6, keep_place: true, success: 0.9}

* ``offer_above``: a caller who would queue is offered a call-back when the
  *expected wait* exceeds this. The estimate is the one an ACD announces:
  ``position x mean handle time / agents on duty``, where position is the
  caller's place in the channel's queue (live callers waiting plus call-backs
  keeping their place, plus one), the mean handle time is the channel's mean
  (talk + after-call work, weighted by the demand mix of its lines) and agents on
  duty are those of the pools the call may go to (none on duty: the wait is
  infinite, a call-back is offered);
* ``accept``: the share of callers offered one who accept; they leave the live
  queue (no longer abandon, no longer count in the queue length or against
  ``queue_capacity``);
* ``keep_place``: true (default) keeps the caller's place in the queue; false
  queues the call-back behind every live call and chat (before email);
* ``success``: the chance the agent's call reaches the customer. A call that does
  not (``1 - success``) takes the agent ``attempt`` (default 30 s) and ends like an
  abandoned call: the customer tries again per ``recontact.retry``, or is lost if
  the scenario has no retry.

The model is :mod:`sim.model.callbacks`; the KPIs :mod:`sim.metrics.callbacks`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sim.scenario.units import format_duration, parse_duration

__all__ = ["Callback", "callback_rules", "callback_text"]

Seconds = Annotated[float, BeforeValidator(parse_duration)]
Probability = Annotated[float, Field(ge=0, le=1)]


class Callback(BaseModel):
    """Offer callers a call-back when the expected wait exceeds ``offer_above``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    offer_above: Seconds = Field(ge=0)
    """Offer a call-back when the expected wait exceeds this (``0s``: every caller
    who would queue)."""
    accept: Probability
    """Share of callers offered a call-back who accept it."""
    keep_place: bool = True
    """True: the call-back keeps the caller's place in the queue; false: it waits
    behind every live call and chat (ahead of email)."""
    success: Probability = 1.0
    """Chance the agent's call reaches the customer."""
    attempt: Seconds = Field(default=30.0, ge=0, le=3600)
    """Agent time spent on a call-back that does not reach the customer."""


def callback_rules(channel: Any) -> None:
    """A channel's ``callback`` applies to voice only (raises ValueError)."""
    if channel.callback is not None and channel.kind != "voice":
        raise ValueError(f"'callback' applies to voice channels only (this channel is "
                         f"{channel.kind})")


def callback_text(channel: Any) -> str | None:
    """``validate``'s summary of a channel's call-backs (None: none)."""
    cb = channel.callback
    if cb is None:
        return None
    where = "keeping their place" if cb.keep_place else "behind live calls"
    reached = "" if cb.success >= 1 else (f", {cb.success:.0%} reached (else "
                                          f"{format_duration(cb.attempt)} of agent time)")
    return (f"call-back offered when the expected wait (position x mean handle / agents "
            f"on duty) exceeds {format_duration(cb.offer_above)}: {cb.accept:.0%} accept, "
            f"queued {where}{reached}")
