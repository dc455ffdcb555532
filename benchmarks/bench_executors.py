"""Benchmark: 16 replications of a one-pool voice scenario, serial vs a 2-worker pool.

Not a test: it prints wall times and the speed-up of ``--executor processes
--workers 2`` over ``--executor serial``, and checks the two give identical
summaries. Run with ``python -m benchmarks.bench_executors [REPLICATIONS] [WORKERS]``
(``python -m benchmarks`` runs it too).
On a quiet 2-core machine expect close to 2x; the pool's fork start-up costs
milliseconds, so the ratio mainly reflects free cores.
"""

from __future__ import annotations

import sys
import time

from sim.experiment import run
from sim.scenario.loader import validate

SCENARIO = {
    "name": "bench: one pool, voice",
    "horizon": "8h",
    "warmup": "1h",
    "replications": 16,
    "seed": 7,
    "channels": {"phone": {"kind": "voice", "service_level_target": "20s",
                           "patience": {"dist": "exponential", "mean": "2min"}}},
    "demand": [{"channel": "phone", "rate": "45/min"}],
    "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "1min"}}},
    "pools": {"agents": {"size": 50, "channels": ["phone"]}},
}


def measure(reps: int = 16, workers: int = 2) -> dict[str, float]:
    """Wall time of ``reps`` replications in-process and on a process pool; the speed-up."""
    scenario = validate(SCENARIO)
    timings = {}
    summaries = {}
    print(f"{reps} replications of a one-pool voice scenario (8 h at 45/min each):")
    for executor, n_workers in (("serial", None), ("processes", workers)):
        started = time.perf_counter()
        res = run(scenario, replications=reps, executor=executor, workers=n_workers,
                  keep_contacts=False)
        timings[executor] = time.perf_counter() - started
        summaries[executor] = res.summary_dict()
        how = f", start method {res.executor['start_method']}" if n_workers else ""
        print(f"  {executor:>9}: {timings[executor]:.2f} s "
              f"({timings[executor] / reps:.3f} s each{how})")
    same = summaries["serial"] == summaries["processes"]
    speedup = timings["serial"] / timings["processes"]
    print(f"  identical summaries: {same}; speed-up processes ({workers} workers) / "
          f"in-process: {speedup:.2f}x")
    return {"serial_s": timings["serial"], "processes_s": timings["processes"],
            "speedup": speedup, "identical": float(same), "workers": float(workers)}


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    measure(reps, workers)


if __name__ == "__main__":
    main()
