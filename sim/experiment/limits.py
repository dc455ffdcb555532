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
#: Fixed work per simulated day even without demand (day batches, shift changes):
#: counted as this many contacts' worth of time.
CONTACT_EQUIVALENTS_PER_DAY = 50.0
#: Memory per contact kept in the output tables (columns plus pandas overhead).
BYTES_PER_KEPT_CONTACT = 160.0
#: Memory per contact while a replication runs (column buffers, then numpy arrays).
BYTES_PER_LIVE_CONTACT = 200.0
MAX_WALL_S = 24 * 3600.0
#: Longest simulated time per replication accepted without --allow-large (10 years).
MAX_SIMULATED_S = 3650 * 86400.0


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
    scenario: Scenario, replications: int | None = None, workers: int = 1,
    keep_contacts: bool = True
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
    days = duration / 86400.0
    per_s = CONTACTS_PER_S * max(1, workers)
    wall = (per_rep + days * CONTACT_EQUIVALENTS_PER_DAY) * reps / per_s
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
    advice = ("shorten the horizon, lower the rates or replications, "
              "or pass --allow-large to run it anyway")
    contacts = f"{_big(est.contacts)} contacts over {est.replications} replications"
    if not est.memory_bytes <= 0.6 * memory:  # also catches inf and nan
        raise RunTooLargeError(
            f"this run would need about {_big(est.memory_bytes / 2**30)} GiB of memory "
            f"({contacts}) but the machine has {memory / 2**30:,.1f} GiB; {advice}"
        )
    simulated = scenario.warmup + scenario.horizon
    if not simulated <= MAX_SIMULATED_S:
        raise RunTooLargeError(
            f"this run simulates {_big(simulated / 86400)} days per replication, more than the "
            f"{MAX_SIMULATED_S / 86400:,.0f}-day limit (reporting intervals and shifts alone "
            f"would take long); {advice}"
        )
    if not est.wall_s <= MAX_WALL_S:
        raise RunTooLargeError(
            f"this run would take about {_big(est.wall_s / 3600)} hours ({contacts}); {advice}"
        )
    return est


def _big(x: float) -> str:
    """A readable figure for any size: ``1,234``, ``3.2e+15``, ``unbounded``."""
    if x != x or x == float("inf"):
        return "unboundedly many"
    if x < 1e13:
        return f"{x:,.0f}" if x >= 10 else f"{x:,.1f}"
    return f"{x:.1e}"
