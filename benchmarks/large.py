"""The large operation: 3,000 agents in 100 pools, 200 intents, 1M contacts a day.

Issue 20, target 4: one replication of a week of this operation must run on the
2-core, 24 GiB development machine. It is played the way ``servicesim run`` plays a
replication in a process pool (:func:`sim.experiment.worker.run_replication`: the
engine, then the KPI, interval, contact and journey tables in the worker, handed
back as the pool does: pickled, the row tables through a file), in a fresh process,
and the benchmark reports

* wall and CPU time per contact, for the engine and for the whole replication;
* the peak resident set above the resident set before the run (``VmHWM``, reset
  before the run), in MiB and per contact;
* the pre-run estimate of :func:`sim.experiment.limits.estimate` against it.

The operation: phone (60% of contacts, 4 min), chat (30%, 3 chats at a time,
8 min) and email (10%, 5 min); 200 intents of equal share, each served by 3 of
the 60 phone pools, 2 of the 30 chat pools and 2 of the 10 email pools (every pool
has 7-40 skills, and pools share skills in overlapping sets); two segments, the
smaller one with priority; about 3,040 agents at 85-90% occupancy.

``python -m benchmarks.large`` (a week); ``--quick`` plays 3 hours (about 125k
contacts) for the smoke test; ``--days`` sets another length.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

from benchmarks.fresh import run_fresh
from sim.scenario.schema import Scenario

CONTACTS_PER_DAY = 1_000_000
INTENTS = 200
#: (channel, share of contacts, pools, agents per pool, pools serving each intent)
LINES = (("phone", 0.6, 60, 32, (0, 7, 19)),
         ("chat", 0.3, 30, 24, (0, 11)),
         ("email", 0.1, 10, 40, (0, 3)))


def large_dict(days: float, seed: int = 1) -> dict:
    """The operation as a plain scenario mapping, ``days`` long."""
    per_h = CONTACTS_PER_DAY / 24.0
    pools: dict = {}
    for channel, _, n_pools, size, offsets in LINES:
        skills: list[dict] = [{} for _ in range(n_pools)]
        for i in range(INTENTS):
            for off in offsets:
                skills[(i + off) % n_pools][f"i{i:03d}"] = 1.0 if off == 0 else 0.9
        for j in range(n_pools):
            pools[f"{channel}_{j:02d}"] = {"size": size, "channels": [channel],
                                           "skills": skills[j], "cost_per_hour": 30}
    return {
        "name": "benchmark large operation",
        "horizon": f"{days * 86400:.0f}s", "warmup": "0s", "replications": 1, "seed": seed,
        "interval": "1h",
        "channels": {
            "phone": {"kind": "voice", "service_level_target": "30s",
                      "patience": {"dist": "exponential", "mean": "4min"}},
            "chat": {"kind": "chat", "max_concurrency": 3, "concurrency_inflation": 0.2,
                     "service_level_target": "60s",
                     "patience": {"dist": "exponential", "mean": "6min"}},
            "email": {"kind": "email", "service_level_target": "4h"},
        },
        "segments": {"standard": {"share": 0.9}, "premium": {"share": 0.1, "priority": 5}},
        "intents": {f"i{i:03d}": {
            "share": 1.0 / INTENTS,
            "handle_time": {"dist": "lognormal", "mean": f"{200 + (i % 5) * 20}s", "cv": 0.8},
            "handle_time_by_channel": {
                "chat": {"dist": "lognormal", "mean": f"{440 + (i % 5) * 20}s", "cv": 0.8},
                "email": {"dist": "lognormal", "mean": "5min", "cv": 0.8}},
        } for i in range(INTENTS)},
        "demand": [{"channel": ch, "rate": f"{share * per_h:g}/h"}
                   for ch, share, *_ in LINES],
        "pools": pools,
    }


def large_scenario(days: float, seed: int = 1) -> Scenario:
    return Scenario.model_validate(large_dict(days, seed))


def _kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child(days: float) -> dict:
    """One replication as a worker plays it, measured in this process."""
    import tempfile
    from multiprocessing.reduction import ForkingPickler

    from sim.experiment.limits import estimate
    from sim.experiment.worker import ReplicationTask, run_replication
    from sim.model import simulate

    scenario = large_scenario(days)
    est = estimate(scenario, 1, workers=1, keep_contacts=True)
    # warm the imports and caches on a tiny run, so the figures are the replication's
    simulate(large_scenario(0.01), 0)
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak resident set (VmHWM)
    rss0 = _kb("VmRSS")
    import sim.model as model

    engine: dict = {}
    real = model.simulate

    def timed_simulate(sc, rep):  # noqa: ANN001, ANN202
        t0, c0 = time.perf_counter(), time.process_time()
        rec = real(sc, rep)
        engine.update(wall=time.perf_counter() - t0, cpu=time.process_time() - c0,
                      contacts=rec.n_contacts, peak_kb=_kb("VmHWM") - rss0)
        return rec

    model.simulate = timed_simulate
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        with tempfile.TemporaryDirectory() as spill:
            out = run_replication(ReplicationTask(scenario, 0, keep_intervals=True,
                                                  keep_contacts=True, spill_dir=spill))
            ForkingPickler.dumps(out)  # what goes down the pool's pipe
            kept = sum(p.stat().st_size for p in Path(spill).iterdir())
    finally:
        model.simulate = real
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = engine["contacts"]
    peak = (_kb("VmHWM") - rss0) * 1024
    return {"days": days, "contacts": n, "agents": sum(p.size or 0 for p in
                                                       scenario.pools.values()),
            "pools": len(scenario.pools), "intents": len(scenario.intents),
            "engine_wall_s": engine["wall"], "engine_cpu_s": engine["cpu"],
            "wall_s": wall, "cpu_s": cpu, "engine_peak_b": engine["peak_kb"] * 1024,
            "peak_b": peak, "kpi_rows": len(out.kpis), "tables_b": kept,
            "estimate_contacts": est.contacts_per_replication,
            "estimate_b": est.memory_bytes}


def measure(days: float = 7.0) -> dict:
    """Run :func:`child` in a fresh interpreter; print and return its figures."""
    r = run_fresh("benchmarks.large", str(days))
    n = r["contacts"]
    r["engine_us"] = r["engine_wall_s"] * 1e6 / n
    r["us"] = r["wall_s"] * 1e6 / n
    r["bytes_per_contact"] = r["peak_b"] / n
    print(f"large operation: {r['agents']:,} agents, {r['pools']} pools, {r['intents']} intents, "
          f"{CONTACTS_PER_DAY:,} contacts a day, {days:g} days, one replication "
          f"(a pool worker's run: engine, KPIs, interval, contact and journey tables; "
          f"fresh process):")
    print(f"  {n:,} contacts; engine {r['engine_wall_s']:.0f} s = {r['engine_us']:.1f} µs per "
          f"contact (CPU {r['engine_cpu_s'] * 1e6 / n:.1f}); whole replication "
          f"{r['wall_s']:.0f} s = {r['us']:.1f} µs per contact")
    print(f"  peak resident set above the start: {r['peak_b'] / 2**20:,.0f} MiB = "
          f"{r['bytes_per_contact']:.0f} bytes per contact (engine and records alone: "
          f"{r['engine_peak_b'] / n:.0f}; tables handed back: {r['tables_b'] / n:.0f}); "
          f"pre-run estimate {r['estimate_b'] / 2**20:,.0f} MiB "
          f"({r['estimate_b'] / r['peak_b']:.2f}x)")
    return r


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.large")
    p.add_argument("--child", type=float, help="run this many days in this process (internal)")
    p.add_argument("--quick", action="store_true", help="3 hours instead of a week")
    p.add_argument("--days", type=float, default=7.0)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return
    measure(0.125 if args.quick else args.days)


if __name__ == "__main__":
    main()
