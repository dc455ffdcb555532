"""Engine speed: servicesim against a bare SimPy M/M/c+M model, in one process.

Run ``python -m benchmarks.engine`` (``python -m benchmarks`` runs every benchmark). It prints
contacts simulated per second for

1. a bare SimPy M/M/c model with exponential patience, written here as compactly as
   SimPy allows (a Resource, one generator process per customer, ``AnyOf`` for the
   patience race) — the least any SimPy model can cost;
2. servicesim on the equivalent one-pool voice scenario;

and the ratio 2/1 (issue 20, target 5: at least :data:`TARGET`). Both run the same
offered load for the same simulated time.
"""

from __future__ import annotations

import time

from benchmarks.bare import AGENTS, AHT_S, PATIENCE_S, RATE_PER_S, bare_simpy
from sim.model import simulate
from sim.scenario.schema import Scenario

__all__ = ["AGENTS", "AHT_S", "PATIENCE_S", "RATE_PER_S", "TARGET", "bare_simpy",
           "servicesim_scenario"]

#: servicesim's contacts per second at least this many times the bare SimPy model's.
TARGET = 3.0


def servicesim_scenario(horizon_s: float) -> Scenario:
    """The same M/M/c+M system as a servicesim scenario."""
    return Scenario.model_validate({
        "name": "benchmark one-pool voice",
        "horizon": f"{horizon_s}s",
        "warmup": "0s",
        "replications": 1,
        "seed": 1,
        "channels": {"phone": {"kind": "voice",
                               "patience": {"dist": "exponential", "mean": f"{PATIENCE_S}s"}}},
        "demand": [{"channel": "phone", "rate": f"{RATE_PER_S * 3600}/h"}],
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": f"{AHT_S}s"}}},
        "pools": {"agents": {"size": AGENTS, "channels": ["phone"]}},
    })


def timed(fn, *args) -> tuple[float, int]:
    t0 = time.perf_counter()
    n = fn(*args)
    return time.perf_counter() - t0, n


def main(horizon_h: float = 100.0, repeats: int = 3) -> dict[str, float]:
    horizon_s = horizon_h * 3600
    scenario = servicesim_scenario(horizon_s)
    bare, ours = [], []
    for _ in range(repeats):  # interleave to share the machine's state fairly
        dt, n = timed(bare_simpy, horizon_s)
        bare.append(n / dt)
        dt, n = timed(lambda: simulate(scenario, 0).n_contacts)
        ours.append(n / dt)
    result = {
        "bare_simpy_contacts_per_s": max(bare),
        "servicesim_contacts_per_s": max(ours),
    }
    result["ratio"] = result["servicesim_contacts_per_s"] / result["bare_simpy_contacts_per_s"]
    print(f"contacts per replication: {int(RATE_PER_S * horizon_s):,} (M/M/{AGENTS}+M, rho 0.9)")
    print(f"bare SimPy M/M/c+M : {result['bare_simpy_contacts_per_s']:>10,.0f} contacts/s")
    print(f"servicesim one pool: {result['servicesim_contacts_per_s']:>10,.0f} contacts/s")
    verdict = "met" if result["ratio"] >= TARGET else "not met"
    print(f"ratio servicesim / bare SimPy: {result['ratio']:.2f} (target >= {TARGET:g}: {verdict})")
    return result


if __name__ == "__main__":
    main()
