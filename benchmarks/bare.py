"""The bare SimPy M/M/c+M model: the baseline every speed figure is measured against.

It imports only SimPy and NumPy (never :mod:`sim`), so it can also run as a program of
its own, ``python -m benchmarks.bare HORIZON_S``, the way a planner would run a
hand-written SimPy model: :mod:`benchmarks.cli` times that whole process against the
whole ``servicesim run`` command.
"""

from __future__ import annotations

import sys

RATE_PER_S = 45 / 60
AHT_S = 60.0
PATIENCE_S = 120.0
AGENTS = 50


def bare_simpy(horizon_s: float, seed: int = 1) -> int:
    """A bare SimPy M/M/c+M model; returns the number of customers generated.

    Written as compactly as SimPy allows (a Resource, one generator process per
    customer, ``AnyOf`` for the patience race): the least any SimPy model can cost.
    """
    import numpy as np
    import simpy

    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    counts = {"arrived": 0, "served": 0, "abandoned": 0}

    def customer(env: simpy.Environment):  # noqa: ANN202
        patience = rng.exponential(PATIENCE_S)
        with agents.request() as req:
            result = yield req | env.timeout(patience)
            if req in result:
                yield env.timeout(rng.exponential(AHT_S))
                counts["served"] += 1
            else:
                counts["abandoned"] += 1

    def source(env: simpy.Environment):  # noqa: ANN202
        while True:
            yield env.timeout(rng.exponential(1 / RATE_PER_S))
            counts["arrived"] += 1
            env.process(customer(env))

    env.process(source(env))
    env.run(until=horizon_s)
    return counts["arrived"]


def main(argv: list[str]) -> None:
    """``python -m benchmarks.bare HORIZON_S``: play the model, print what happened."""
    horizon_s = float(argv[0]) if argv else 100 * 3600.0
    n = bare_simpy(horizon_s)
    print(f"bare SimPy M/M/{AGENTS}+M: {n:,} customers in {horizon_s:,.0f} s simulated")


if __name__ == "__main__":
    main(sys.argv[1:])
