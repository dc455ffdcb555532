"""A worker's peak memory per contact: one replication with its KPIs, and with its tables.

Issue 20, target 3: the peak memory of a worker per contact, KPIs and tables
included, at most 300 bytes. A worker (:func:`sim.experiment.worker.run_replication`)
plays the replication, computes its KPIs and interval table and, when the run keeps
them, its contact and journey tables, and returns them to the parent as a process
pool does (pickled; the row tables through a file, :mod:`sim.experiment.spill`).

Measured on a plain line (the quickstart's one phone line, 45 calls a minute, every
journey one contact) at 4, 8 and 16 days (0.26, 0.52 and 1.04M contacts), each run
in a fresh process, twice: KPIs only, and with the tables. The figure is the peak
resident set above the resident set before the replication (``VmHWM``, reset just
before it) per contact. ``--breakdown`` adds where the memory is, stage by stage,
from ``tracemalloc`` (what Python and NumPy allocated; no allocator slack).

``python -m benchmarks.worker`` (about a minute); ``--quick`` plays a tenth.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
from pathlib import Path

from benchmarks.fresh import ROOT, run_fresh

DAYS = (4.0, 8.0, 16.0)


def plain_line(days: float):  # noqa: ANN201 - a Scenario (imported lazily)
    """The quickstart's phone line for ``days`` days, no warm-up, one replication."""
    from sim.scenario import load

    return load(ROOT / "scenarios" / "quickstart.yaml").with_changes(
        {"horizon": f"{days * 24:g}h", "warmup": "0s", "replications": 1})


def _kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child(days: float, tables: bool) -> dict:
    """One replication as a pool worker plays it, measured in this process."""
    from multiprocessing.reduction import ForkingPickler

    from sim.experiment.worker import ReplicationTask, run_replication

    scenario = plain_line(days)
    run_replication(ReplicationTask(plain_line(0.01), 0, True, True))  # imports, caches
    gc.collect()
    with tempfile.TemporaryDirectory() as spill:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak resident set (VmHWM)
        rss0 = _kb("VmRSS")
        out = run_replication(ReplicationTask(scenario, 0, True, tables,
                                              spill_dir=spill if tables else None))
        sent = ForkingPickler.dumps(out)  # what goes down the pool's pipe
        peak = (_kb("VmHWM") - rss0) * 1024
        kept = sum(p.stat().st_size for p in Path(spill).iterdir())
    n = int(out.kpis.query("group == 'all' and kpi == 'offered'")["value"].iloc[0])
    return {"days": days, "tables": tables, "contacts": n, "peak_b": peak,
            "tables_b": kept, "sent_b": len(sent)}


def breakdown(days: float) -> list[tuple[str, float, float]]:
    """``(stage, bytes held after it, peak during it)`` per contact, from tracemalloc."""
    import tracemalloc

    from sim import metrics, model

    scenario = plain_line(days)
    metrics.replication_kpis(model.simulate(plain_line(0.01), 0))
    gc.collect()
    tracemalloc.start()
    rows = []

    def stage(name: str) -> None:
        held, peak = tracemalloc.get_traced_memory()
        rows.append((name, held, peak))
        tracemalloc.reset_peak()

    records = model.simulate(scenario, 0)
    n = records.n_contacts
    gc.collect()
    stage("engine: the records")
    ctx = metrics.KpiContext(records)
    kpis = metrics.replication_kpis(records, ctx)
    stage("KPIs (journey facts kept)")
    contacts = metrics.contact_columns(records)
    journeys = metrics.journey_columns(records, ctx)
    del ctx
    stage("tables (KPI context freed)")
    intervals = metrics.interval_table(records)
    stage("interval table")
    del records
    stage("records dropped (tables kept)")
    tracemalloc.stop()
    del kpis, intervals, contacts, journeys
    return [(name, held / n, peak / n) for name, held, peak in rows]


def run_child(days: float, tables: bool) -> dict:
    """Run :func:`child` in a fresh interpreter and return its figures."""
    return run_fresh("benchmarks.worker", str(days), *(["--tables"] if tables else []))


def measure(days: tuple[float, ...] = DAYS, show_breakdown: bool = False) -> dict:
    """Peak per contact at each size, KPIs only and with the tables; printed."""
    rows = [run_child(d, t) for d in days for t in (False, True)]
    print("a worker's peak memory per contact, plain line (quickstart), one replication as a "
          "pool worker plays it, fresh process each:")
    print(f"{'days':>5} {'contacts':>10} {'KPIs only':>10} {'with tables':>12} "
          f"{'tables sent B/c':>15} {'pickled B/c':>11}")
    for d in days:
        k = next(r for r in rows if r["days"] == d and not r["tables"])
        t = next(r for r in rows if r["days"] == d and r["tables"])
        n = t["contacts"]
        print(f"{d:>5g} {n:>10,} {k['peak_b'] / k['contacts']:>9.0f}B {t['peak_b'] / n:>11.0f}B "
              f"{t['tables_b'] / n:>15.0f} {t['sent_b'] / n:>11.1f}")
    largest = [r for r in rows if r["days"] == days[-1]]
    result = {"rows": rows, "contacts": largest[0]["contacts"],
              "kpis_b": next(r["peak_b"] / r["contacts"] for r in largest if not r["tables"]),
              "tables_b": next(r["peak_b"] / r["contacts"] for r in largest if r["tables"])}
    if show_breakdown:
        print(f"where it is (tracemalloc, {days[0]:g} days; bytes per contact):")
        for name, held, peak in breakdown(days[0]):
            print(f"  {name:<32} held {held:5.0f}   peak during {peak:5.0f}")
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    p.add_argument("--child", type=float, help="run this many days in this process (internal)")
    p.add_argument("--tables", action="store_true", help="with --child: keep the tables")
    p.add_argument("--quick", action="store_true", help="a tenth of every size")
    p.add_argument("--breakdown", action="store_true", help="where the memory is (tracemalloc)")
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.tables)))
        return
    measure(tuple(d / 10 for d in DAYS) if args.quick else DAYS, show_breakdown=args.breakdown)


if __name__ == "__main__":
    main()
