"""Contacts per second, in one process: the bare SimPy baseline and two servicesim models.

1. a bare SimPy M/M/c+M model (:func:`benchmarks.engine.bare_simpy`): the baseline;
2. servicesim on the equivalent one-pool voice scenario;
3. servicesim on the full-journey scenario (:mod:`benchmarks.journey`).

The three are interleaved ``repeats`` times so they share the machine's state
fairly; each figure is the best of its repeats (wall clock: on a busy machine the
best run is the one least disturbed), and the ratios 2/1 and 3/1 are taken from the
best figures. Each servicesim figure covers the whole replication: building the
world, playing it and collecting its records.
"""

from __future__ import annotations

import time

from benchmarks.engine import AGENTS, RATE_PER_S, bare_simpy, servicesim_scenario
from benchmarks.journey import journey_scenario
from sim.model import simulate


def _rate(fn) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    n = fn()
    return n / (time.perf_counter() - t0)


def measure(horizon_h: float = 100.0, journey_contacts: int = 500_000,
            repeats: int = 2) -> dict[str, float]:
    """Best contacts/s of each model over ``repeats`` interleaved runs, and the ratios."""
    horizon_s = horizon_h * 3600
    one_pool = servicesim_scenario(horizon_s)
    journey = journey_scenario(journey_contacts)
    runs: dict[str, list[float]] = {"bare": [], "one_pool": [], "journey": []}
    n_journey = 0

    def play_journey() -> int:
        nonlocal n_journey
        n_journey = simulate(journey, 0).n_contacts
        return n_journey

    for _ in range(repeats):
        runs["bare"].append(_rate(lambda: bare_simpy(horizon_s)))
        runs["one_pool"].append(_rate(lambda: simulate(one_pool, 0).n_contacts))
        runs["journey"].append(_rate(play_journey))
    best = {k: max(v) for k, v in runs.items()}
    result = {
        "bare_simpy_contacts_per_s": best["bare"],
        "one_pool_contacts_per_s": best["one_pool"],
        "journey_contacts_per_s": best["journey"],
        "ratio_one_pool": best["one_pool"] / best["bare"],
        "ratio_journey": best["journey"] / best["bare"],
        "journey_contacts": n_journey,
    }
    print(f"contacts per second (best of {repeats} interleaved runs, wall clock, one process):")
    print(f"  1 bare SimPy M/M/{AGENTS}+M (baseline)   {best['bare']:>9,.0f}   "
          f"{int(RATE_PER_S * horizon_s):,} contacts per run, rho 0.9")
    print(f"  2 servicesim, one-pool voice       {best['one_pool']:>9,.0f}   "
          f"ratio 2/1 = {result['ratio_one_pool']:.2f}")
    print(f"  3 servicesim, full journey         {best['journey']:>9,.0f}   "
          f"ratio 3/1 = {result['ratio_journey']:.2f}   ({n_journey:,} contacts per run)")
    return result
