"""Agents with identity where it matters: the scenario fields.

* ``tenure`` on a pool: groups of agents whose handle time is a multiple of the
  standard, e.g. new hires::

      care:
        size: 40
        channels: [phone]
        tenure: [{name: new_hires, share: 0.2, handle_time: 1.3}]

  ``share`` is the group's share of the pool's agents and ``handle_time`` multiplies
  the handle time of every contact an agent of the group takes (talk time, before
  proficiency: ``base x multiplier / proficiency``; after-call work is unchanged).
  Shares add up to at most 1; the remaining agents are ``standard`` (1.0x). Which
  agent is in which group is fixed by the agent's number in the pool
  (:func:`tenure_plan`), so no random number is drawn.
* ``sticky`` in ``recontact``: a customer coming back is offered first to the
  agent who last served them::

      recontact:
        delay: {dist: exponential, mean: 1d}
        sticky: {share: 0.5, wait_up_to: 2min, resolution_uplift: 0.1}

  ``share`` of the recontacts whose previous agent is on duty in a pool the contact
  may go to wait for that agent (taken at once if it is free), at most
  ``wait_up_to``, then route as usual. A recontact answered by the agent who served
  the customer's previous contact (routed there or not) resolves with ``p +
  resolution_uplift`` (capped at 1) instead of ``p``.

The model is :mod:`sim.model.identity`; the KPIs :mod:`sim.metrics.identity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sim.scenario.units import format_duration, parse_duration, parse_multiplier

__all__ = ["STANDARD", "Sticky", "TenureGroup", "mean_multiplier", "sticky_text",
           "tenure_groups", "tenure_plan", "tenure_rules", "tenure_text", "uses_identity"]

Seconds = Annotated[float, BeforeValidator(parse_duration)]
Factor = Annotated[float, BeforeValidator(parse_multiplier)]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Probability = Annotated[float, Field(ge=0, le=1)]

#: The group of a pool's agents in no listed tenure group (handle time 1.0x).
STANDARD = "standard"
SHARE_TOLERANCE = 1e-6


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class TenureGroup(_Model):
    """A share of a pool's agents whose handle times are ``handle_time`` x the standard."""

    name: Name
    share: float = Field(gt=0, le=1)
    """Share of the pool's agents in this group."""
    handle_time: Factor = Field(gt=0, le=10)
    """Multiplier of the handle time of the contacts they take (1.3: 30% longer)."""


class Sticky(_Model):
    """Recontacts offered first to the agent who last served the customer."""

    share: Probability
    """Share of recontacts routed to their previous agent when that agent is on duty."""
    wait_up_to: Seconds = Field(default=0.0, ge=0, le=86400)
    """How long such a recontact waits for that agent if busy (``0s``: only if free)."""
    resolution_uplift: Probability = 0.0
    """Added to the resolution probability of a recontact its previous agent answers."""


def tenure_rules(groups: Sequence[TenureGroup] | None) -> None:
    """A pool's ``tenure``: unique names, shares adding up to at most 1, ``standard``
    listed only when the shares leave no agent over (raises ValueError)."""
    if not groups:
        return
    names = [g.name for g in groups]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"tenure group '{twice[0]}' is listed twice; give each group once")
    total = sum(g.share for g in groups)
    if total > 1 + SHARE_TOLERANCE:
        raise ValueError(f"tenure shares add up to {total:g}; at most 1 (the rest of the "
                         f"agents are '{STANDARD}', at 1.0x)")
    if STANDARD in names and total < 1 - SHARE_TOLERANCE:
        raise ValueError(f"'{STANDARD}' names the agents in no listed group (the "
                         f"{1 - total:.0%} left over, at 1.0x): call this group something "
                         "else, or make the shares add up to 1")


def tenure_groups(pool: Any) -> list[tuple[str, float, float]]:
    """(name, share, handle-time multiplier) of each group of a pool with ``tenure``,
    the ``standard`` rest (1.0x) last when the shares leave agents over."""
    groups = [(g.name, float(g.share), float(g.handle_time)) for g in pool.tenure or ()]
    rest = 1.0 - sum(g[1] for g in groups)
    if rest > SHARE_TOLERANCE:
        groups.append((STANDARD, rest, 1.0))
    return groups


def mean_multiplier(pool: Any) -> float:
    """The pool's mean handle-time multiplier over its agents (1.0 without ``tenure``)."""
    if not getattr(pool, "tenure", None):
        return 1.0
    groups = tenure_groups(pool)
    return sum(share * m for _, share, m in groups) / sum(share for _, share, _ in groups)


def tenure_plan(shares: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """The group of each of a pool's first ``n`` agent numbers (0, 1, ...).

    Agent ``k`` joins the group furthest behind its share among agents ``0..k``
    (``(k + 1) x share - members so far`` largest; ties to the group listed first).
    So every run of agents numbered from 0 holds each group within one agent of its
    share, a pool of ``n`` agents whose shares times ``n`` are whole numbers holds
    exactly those, and the plan does not depend on how many agents there are.
    """
    s = np.asarray(shares, dtype=float)
    s = s / s.sum()
    counts = np.zeros(len(s))
    out = np.empty(n, dtype=np.int8)
    for k in range(n):
        g = int(np.argmax((k + 1) * s - counts - 1e-9 * np.arange(len(s))))
        counts[g] += 1
        out[k] = g
    return out


def uses_identity(scenario: Any) -> bool:
    """True if some pool has ``tenure`` or recontacts are ``sticky`` (agents then carry
    numbers that matter, and each contact records the agent who answered it)."""
    rc = scenario.recontact
    return (any(p.tenure for p in scenario.pools.values())
            or (rc is not None and rc.sticky is not None))


def tenure_text(pool: Any) -> str:
    """``; tenure ...`` for ``validate``'s summary of a pool (empty without tenure)."""
    if not pool.tenure:
        return ""
    parts = [f"{name} {share:.0%} at {m:g}x" for name, share, m in tenure_groups(pool)]
    return (f"; tenure {', '.join(parts)} (mean handle-time multiplier "
            f"{mean_multiplier(pool):.3g}, agents assigned by number)")


def sticky_text(rc: Any) -> str | None:
    """``validate``'s line for sticky recontacts (None: not sticky)."""
    st = getattr(rc, "sticky", None)
    if st is None:
        return None
    wait = (f"wait up to {format_duration(st.wait_up_to)} for them if busy"
            if st.wait_up_to > 0 else "only if they are free at once")
    uplift = ("" if st.resolution_uplift <= 0 else
              f"; a recontact their previous agent answers resolves with +"
              f"{st.resolution_uplift:.0%} probability")
    return (f"  sticky agent: {st.share:.0%} of recontacts go first to the agent who last "
            f"served them, if on duty ({wait}), then to the usual pools{uplift}")
