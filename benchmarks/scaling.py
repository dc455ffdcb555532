"""Growth and memory: one replication of the full-journey scenario at several sizes.

Each size runs in a fresh Python process (``python -m benchmarks.scaling --child N``),
so one run's memory cannot hide in another's. A child builds the world, then plays
it and collects its records (``World.run().records()``), and reports

* wall and CPU time of the whole replication (build included), per contact;
* **peak memory**: the process's peak resident set (``VmHWM`` of ``/proc/self/status``,
  reset just before the run; ``ru_maxrss`` where that cannot be reset) minus its
  resident set before the run, per recorded contact: everything the replication
  held at its worst moment, allocator slack included;
* the size of the final :class:`~sim.records.Records` arrays per contact;
* with ``--trace``, in a separate child (tracemalloc slows Python allocation down
  several times, so it never shares a run with the timings): the peak of memory
  traced by ``tracemalloc`` during the run, per contact.

Linear growth is judged on the *marginal* CPU time and memory per contact between
consecutive sizes (the slopes of time and memory against contacts); the plain
per-contact figures also carry the replication's fixed cost (a day's arrivals,
random-number blocks, pending events; for time, the start of a fresh process's run,
about 0.3-0.5 s), which weighs more in small runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time

from benchmarks.fresh import run_fresh

#: Largest/smallest ratio of time per contact (and of marginal bytes per contact)
#: accepted as linear growth.
LINEAR_TOLERANCE = 1.3


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the peak resident set to the current one (Linux); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _rss_kb() -> tuple[int, str]:
    """Current resident set (kB) and how the peak will be read."""
    now = _status_kb("VmRSS")
    if now is not None and _reset_peak():
        return now, "VmHWM"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"


def _peak_kb(how: str) -> int:
    if how == "VmHWM":
        return _status_kb("VmHWM") or 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(contacts: int, trace: bool) -> dict:
    """One replication of about ``contacts`` contacts, measured in this process."""
    from benchmarks.journey import journey_scenario
    from sim.model.world import World

    scenario = journey_scenario(contacts)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    world = World(scenario, 0)
    gc.collect()
    if trace:
        import tracemalloc

        tracemalloc.start()
    else:
        rss0, how = _rss_kb()
    records = world.run().records()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    n = records.n_contacts
    out: dict = {"contacts": n, "trace": trace}
    if trace:
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.update(traced_peak_b=peak / n, traced_end_b=current / n)
    else:
        arrays = sum(a.nbytes for a in records.contacts.values())
        arrays += sum(a.nbytes for a in (records.backstage_s, records.backstage_wait_s)
                      if a is not None)
        out.update(wall_s=wall, cpu_s=cpu, peak_b=(_peak_kb(how) - rss0) * 1024 / n,
                   peak_total_mb=(_peak_kb(how) - rss0) / 1024, peak_how=how,
                   records_b=arrays / n)
    return out


def run_child(contacts: int, trace: bool = False) -> dict:
    """Run :func:`child` in a fresh interpreter and return its figures."""
    return run_fresh("benchmarks.scaling", str(contacts), *(["--trace"] if trace else []))


def measure(sizes: list[int], trace_sizes: list[int]) -> dict:
    """Time and memory at each size (fresh process each), printed with the verdict."""
    rows = []
    for n in sizes:
        r = run_child(n)
        if n in trace_sizes:
            r.update({k: v for k, v in run_child(n, trace=True).items()
                      if k.startswith("traced")})
        rows.append(r)
    for prev, r in zip([None, *rows], rows, strict=False):
        r["marginal_b"] = (None if prev is None else
                           (r["peak_total_mb"] - prev["peak_total_mb"]) * 2**20
                           / (r["contacts"] - prev["contacts"]))
        r["marginal_cpu_us"] = (None if prev is None else
                                (r["cpu_s"] - prev["cpu_s"]) * 1e6
                                / (r["contacts"] - prev["contacts"]))
    print(f"full-journey scenario, one replication per size, each in a fresh process "
          f"(peak memory from {rows[0]['peak_how']}):")
    print(f"{'contacts':>10} {'wall s':>7} {'µs/contact':>10} {'cpu µs/c':>9} "
          f"{'peak B/c':>9} {'marginal B/c':>12} {'records B/c':>11} {'traced peak B/c':>15}")
    for r in rows:
        marginal = "" if r["marginal_b"] is None else f"{r['marginal_b']:.0f}"
        traced = f"{r['traced_peak_b']:.0f}" if "traced_peak_b" in r else "-"
        per_c = 1e6 / r["contacts"]
        print(f"{r['contacts']:>10,} {r['wall_s']:>7.1f} {per_c * r['wall_s']:>10.1f} "
              f"{per_c * r['cpu_s']:>9.1f} {r['peak_b']:>9.0f} {marginal:>12} "
              f"{r['records_b']:>11.0f} {traced:>15}")
    cpu = [r["cpu_s"] / r["contacts"] for r in rows]
    cpu_margins = [r["marginal_cpu_us"] for r in rows if r["marginal_cpu_us"] is not None]
    margins = [r["marginal_b"] for r in rows if r["marginal_b"] is not None]
    plain = [r["peak_b"] for r in rows]
    result = {
        "rows": rows,
        "time_ratio": (max(cpu_margins) / min(cpu_margins)
                       if cpu_margins and min(cpu_margins) > 0 else max(cpu) / min(cpu)),
        "plain_time_ratio": max(cpu) / min(cpu),
        "marginal_ratio": max(margins) / min(margins) if margins and min(margins) > 0 else None,
        "plain_ratio": max(plain) / min(plain),
        "peak_b_at_largest": rows[-1]["peak_b"],
    }
    lin_mem = result["marginal_ratio"] is not None and result["marginal_ratio"] <= LINEAR_TOLERANCE
    result["linear"] = result["time_ratio"] <= LINEAR_TOLERANCE and lin_mem
    marg = "n/a" if result["marginal_ratio"] is None else f"{result['marginal_ratio']:.2f}"
    print(f"growth {sizes[0]:,} -> {sizes[-1]:,} contacts: marginal CPU time per contact "
          f"varies {result['time_ratio']:.2f}x, marginal memory per contact {marg}x "
          f"(plain CPU time per contact {result['plain_time_ratio']:.2f}x, plain peak per "
          f"contact {result['plain_ratio']:.2f}x, fixed costs included) -> "
          f"{'LINEAR' if result['linear'] else 'NOT LINEAR'} (tolerance {LINEAR_TOLERANCE}x)")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling")
    parser.add_argument("--child", type=int, help="run one size in this process (internal)")
    parser.add_argument("--trace", action="store_true", help="with --child: tracemalloc run")
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 400_000, 1_600_000])
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.trace)))
        return
    measure(args.sizes, trace_sizes=args.sizes[:2])


if __name__ == "__main__":
    main()
