"""Safe limits: estimate what a run will cost before starting it, and refuse the absurd.

The estimate is arithmetic on the scenario (no simulation): expected contacts per
replication from the demand lines (mean rate x day factors x simulated time),
events, memory for the contact tables that are kept, and wall time at a
conservative engine speed. A run that would exhaust the machine's memory or take
longer than a day is refused with the estimate and the flag that overrides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.scenario.schema import Scenario

#: Conservative engine speed for the time estimate (contacts per second per worker).
CONTACTS_PER_S = 20_000.0
#: Memory per contact kept in the output tables (columns plus pandas overhead).
BYTES_PER_KEPT_CONTACT = 160.0
#: Memory per contact while a replication runs (column buffers, then numpy arrays).
BYTES_PER_LIVE_CONTACT = 200.0
MAX_WALL_S = 24 * 3600.0


class RunTooLargeError(ValueError):
    """The run would exceed the machine's memory or take too long."""


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to cost."""

    contacts_per_replication: float
    replications: int
    memory_bytes: float
    wall_s: float

    @property
    def contacts(self) -> float:
        return self.contacts_per_replication * self.replications


def machine_memory_bytes() -> float:
    """Physical memory of this machine (bytes)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def estimate(
    scenario: Scenario, replications: int | None = None, workers: int = 1, keep_contacts: bool = True
) -> Estimate:
    """Estimate contacts, memory and wall time of running ``scenario``."""
    reps = replications or scenario.replications
    duration = scenario.warmup + scenario.horizon
    per_rep = 0.0
    for line in scenario.demand:
        factors = line.day_factors or (1.0,) * 7
        per_rep += line.rate * (sum(factors) / 7.0) * duration
    # Handoffs add pieces of work: at most one per pool visited; bound by the pool count.
    if any(p.handoffs for p in scenario.pools.values()):
        per_rep *= 1.0 + sum(h.probability for p in scenario.pools.values() for h in p.handoffs)
    live = per_rep * BYTES_PER_LIVE_CONTACT * max(1, workers)
    kept = per_rep * reps * BYTES_PER_KEPT_CONTACT if keep_contacts else 0.0
    wall = per_rep * reps / (CONTACTS_PER_S * max(1, workers))
    return Estimate(per_rep, reps, live + kept, wall)


def check_limits(
    scenario: Scenario,
    replications: int | None = None,
    workers: int = 1,
    keep_contacts: bool = True,
    allow_large: bool = False,
) -> Estimate:
    """Return the estimate, or raise :class:`RunTooLargeError` if the run is unreasonable."""
    est = estimate(scenario, replications, workers, keep_contacts)
    if allow_large:
        return est
    memory = machine_memory_bytes()
    if est.memory_bytes > 0.6 * memory:
        raise RunTooLargeError(
            f"this run would need about {est.memory_bytes / 2**30:,.1f} GiB of memory "
            f"({est.contacts:,.0f} contacts over {est.replications} replications) but the machine "
            f"has {memory / 2**30:,.1f} GiB; shorten the horizon, lower the rates or replications, "
            "or pass --allow-large to run it anyway"
        )
    if est.wall_s > MAX_WALL_S:
        raise RunTooLargeError(
            f"this run would take about {est.wall_s / 3600:,.0f} hours "
            f"({est.contacts:,.0f} contacts over {est.replications} replications); shorten the "
            "horizon, lower the rates or replications, or pass --allow-large to run it anyway"
        )
    return est
