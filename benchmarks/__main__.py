"""``python -m benchmarks``: every performance benchmark in one run, with the targets.

1. contacts per second of a bare SimPy M/M/c+M model, of servicesim on the same
   one-pool voice scenario, and of servicesim on the full-journey scenario (500k
   contacts), in one process (:mod:`benchmarks.throughput`);
2. time and peak memory of the full-journey scenario at 100k, 400k and 1.6M
   contacts, each in a fresh process, and whether they grow linearly
   (:mod:`benchmarks.scaling`);
3. engine cost per contact against pools sharing a skill, chat pool size and
   shift changes (:mod:`benchmarks.routing`);
4. the large operation, 3,000 agents / 100 pools / 200 intents / 1M contacts a day
   for a week, as a worker plays it: µs per contact and peak memory
   (:mod:`benchmarks.large`; ``--no-large`` skips it);
4b. a worker's peak memory per contact on a plain line at 0.26-1M contacts, KPIs only
   and with the contact and journey tables (:mod:`benchmarks.worker`);
5. 16 replications in-process against a 2-worker process pool
   (:mod:`benchmarks.bench_executors`);
6. the whole ``servicesim run --executor serial`` command on the one-pool scenario
   (320k contacts) against a bare SimPy program, both in fresh processes
   (:mod:`benchmarks.cli`; ``--no-cli`` skips it).

About 3-4 minutes on 2 cores; ``--quick`` runs a tenth of every size (about 30 s),
``--no-executors``, ``--no-cli`` and ``--no-tracemalloc`` skip parts.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import simpy

from benchmarks import bench_executors, cli, large, routing, scaling, throughput, worker

TARGETS = {
    "one_pool": 3.0,        # servicesim one-pool / bare SimPy, contacts/s (issue 20: 0.8, then 3)
    "journey": 0.5,         # servicesim full journey / bare SimPy, contacts/s
    "bytes": 200.0,         # peak memory per recorded contact at the largest size
    "speedup": 1.8,         # process pool (2 workers) / in-process, 16 replications
    "flat": 1.5,            # engine µs per contact, largest / smallest pool shape
    "worker_bytes": 300.0,  # a worker's peak per contact, KPIs and tables included
    "cli": cli.TARGET,      # whole servicesim run command / bare SimPy program, wall time
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="a tenth of every size (about 30 s)")
    p.add_argument("--scale", type=float, default=None,
                   help="multiply every size by this (--quick is 0.1)")
    p.add_argument("--repeats", type=int, default=2, help="interleaved throughput runs")
    p.add_argument("--no-executors", action="store_true", help="skip the process-pool benchmark")
    p.add_argument("--no-cli", action="store_true",
                   help="skip the whole-command benchmark (servicesim run vs a SimPy program)")
    p.add_argument("--no-large", action="store_true",
                   help="skip the large operation (a week of 1M contacts a day)")
    p.add_argument("--no-tracemalloc", action="store_true",
                   help="skip the tracemalloc cross-check of peak memory")
    return p


def main(argv: list[str] | None = None) -> dict:
    args = _parser().parse_args(argv)
    scale = args.scale if args.scale is not None else (0.1 if args.quick else 1.0)
    started = time.perf_counter()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, SimPy {simpy.__version__}, NumPy {np.__version__}; "
          f"scale {scale:g}\n")
    out: dict = {"scale": scale}
    out["throughput"] = throughput.measure(horizon_h=100.0 * scale,
                                           journey_contacts=int(500_000 * scale),
                                           repeats=args.repeats)
    print()
    sizes = [int(n * scale) for n in (100_000, 400_000, 1_600_000)]
    out["scaling"] = scaling.measure(sizes, trace_sizes=[] if args.no_tracemalloc else sizes[:2])
    print()
    out["routing"] = routing.measure(max(2_000, int(200_000 * scale)), repeats=args.repeats)
    if not args.no_large:
        print()
        out["large"] = large.measure(days=7.0 * scale)
    print()
    out["worker"] = worker.measure(tuple(d * scale for d in worker.DAYS))
    if not args.no_executors:
        print()
        out["executors"] = bench_executors.measure(reps=max(2, round(16 * min(1.0, scale * 4))),
                                                   workers=2)
    if not args.no_cli:
        print()
        out["cli"] = cli.measure(contacts=max(2_000, int(320_000 * scale)),
                                 repeats=max(2, args.repeats + 1))
    _verdicts(out, sizes[-1])
    print(f"\nbenchmarks took {time.perf_counter() - started:.0f} s")
    return out


def _verdicts(out: dict, largest: int) -> None:
    t, s = out["throughput"], out["scaling"]
    rows = [
        ("one-pool voice / bare SimPy", f"{t['ratio_one_pool']:.2f}x",
         f">= {TARGETS['one_pool']}x", t["ratio_one_pool"] >= TARGETS["one_pool"]),
        ("full journey / bare SimPy", f"{t['ratio_journey']:.2f}x",
         f">= {TARGETS['journey']}x", t["ratio_journey"] >= TARGETS["journey"]),
        (f"peak memory per contact at {largest:,}", f"{s['peak_b_at_largest']:.0f} B",
         f"<= {TARGETS['bytes']:.0f} B", s["peak_b_at_largest"] <= TARGETS["bytes"]),
        ("time and memory grow linearly", "yes" if s["linear"] else "no", "linear", s["linear"]),
    ]
    r = out["routing"]
    rows.append(("engine cost, 2 -> 200 pools sharing a skill", f"{r['shared_ratio']:.2f}x",
                 f"<= {TARGETS['flat']}x", r["shared_ratio"] <= TARGETS["flat"]))
    rows.append(("engine cost, chat pool of 50 -> 5,000", f"{r['chat_ratio']:.2f}x",
                 f"<= {TARGETS['flat']}x", r["chat_ratio"] <= TARGETS["flat"]))
    rows.append(("one-agent shift step, 2,000 -> 50,000", f"{r['shift_ratio']:.2f}x",
                 f"<= {TARGETS['flat']}x", r["shift_ratio"] <= TARGETS["flat"]))
    w = out["worker"]
    rows.append((f"worker peak, KPIs and tables, {w['contacts'] / 1e6:.2g}M contacts",
                 f"{w['tables_b']:.0f} B", f"<= {TARGETS['worker_bytes']:.0f} B",
                 w["tables_b"] <= TARGETS["worker_bytes"]))
    if "large" in out:
        g = out["large"]
        rows.append((f"large operation, {g['days']:g} days: worker peak",
                     f"{g['bytes_per_contact']:.0f} B", f"<= {TARGETS['worker_bytes']:.0f} B",
                     g["bytes_per_contact"] <= TARGETS["worker_bytes"]))
    if "executors" in out:
        e = out["executors"]
        rows.append(("process pool (2) / in-process", f"{e['speedup']:.2f}x",
                     f">= {TARGETS['speedup']}x", e["speedup"] >= TARGETS["speedup"]))
    if "cli" in out:
        c = out["cli"]
        rows.append((f"servicesim run / SimPy program, {c['contacts'] // 1000}k",
                     f"{c['ratio']:.2f}x", f"<= {TARGETS['cli']}x", c["ratio"] <= TARGETS["cli"]))
    print("\ntargets:")
    for name, value, target, ok in rows:
        print(f"  {name:<40} {value:>9}   target {target:<9} {'met' if ok else 'NOT MET'}")
    if largest < 1_000_000:
        print("  (the targets are judged at full size: below a million contacts a replication's\n"
              "   fixed working set dominates the memory figures; run without --quick/--scale)")


if __name__ == "__main__":
    main(sys.argv[1:])
