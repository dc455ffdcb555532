"""Staffing benchmark: the simulation plan against the Erlang-only plan (issue 18).

    python -m benchmarks.staffing [SCENARIO ...] [--target T ...] [--max-rounds N]
    python -m benchmarks.staffing --per-candidate [SCENARIO ...]

For each bundled scenario (default: retail_bank and chatbot_baseline) it runs
``servicesim staff`` with the targets (default: ``service_level>=0.8`` and
``abandon_rate<=0.05``), then simulates both plans again on other random numbers
(seed + 1,000, the scenario's replications) and prints, for each plan, its
agent-hours per day, the measured team-intervals that meet every target on the 95%
bound, and each channel's KPIs over the whole window with their 95% CI.

With ``--per-candidate`` (issue 20, target 6) it times, in fresh processes, the whole
``servicesim staff`` command against the whole ``servicesim run`` command on the same
scenario (its own replications, the default executor), and prints the staff command's
wall time per simulated candidate as a multiple of one run (target: at most 2).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ("retail_bank", "chatbot_baseline")
GOALS = ("service_level>=0.8", "abandon_rate<=0.05")
#: Target of issue 20: ``staff`` wall time per candidate at most this many ``run``s.
PER_CANDIDATE_TARGET = 2.0


def _timed(cmd: list[str], ok: tuple[int, ...] = (0,)) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n"
                           f"{done.stderr.decode()[-2000:]}")
    return time.perf_counter() - t0


def per_candidate(name: str, goals: tuple[str, ...] = GOALS, repeats: int = 2) -> dict[str, Any]:
    """Whole ``staff`` command per candidate against the whole ``run`` command (fresh
    processes; ``run`` best of ``repeats``, interleaved around the one ``staff``)."""
    scenario = str(ROOT / "scenarios" / f"{name}.yaml")
    with tempfile.TemporaryDirectory(prefix="servicesim-bench-staff-") as tmp:
        run_cmd = [sys.executable, "-m", "sim", "run", scenario, "-q", "--out", f"{tmp}/run"]
        staff_cmd = [sys.executable, "-m", "sim", "staff", scenario, "-q", "--out",
                     f"{tmp}/staff", *(a for g in goals for a in ("-t", g))]
        runs = [_timed(run_cmd)]
        staff_s = _timed(staff_cmd, ok=(0, 1))  # 1: the plan misses a target (still a plan)
        runs += [_timed(run_cmd) for _ in range(max(1, repeats - 1))]
        doc = json.loads((Path(tmp) / "staff" / "staffing.json").read_text())
    run_s = min(runs)
    out = {"scenario": name, "run_s": run_s, "staff_s": staff_s, "rounds": int(doc["rounds"]),
           "per_candidate_s": staff_s / int(doc["rounds"])}
    out["ratio"] = out["per_candidate_s"] / run_s
    print(f"{name}: servicesim run {run_s:.1f} s; servicesim staff {staff_s:.1f} s for "
          f"{out['rounds']} candidates = {out['per_candidate_s']:.1f} s per candidate = "
          f"{out['ratio']:.2f}x one run (target <= {PER_CANDIDATE_TARGET:g}x)", flush=True)
    return out


def measure(name: str, goals: tuple[str, ...] = GOALS, max_rounds: int = 30,
            executor: str = "processes") -> dict[str, Any]:
    """Plan one bundled scenario and check both plans; a dict of the figures."""
    from sim.experiment.staffing import staff, verify
    from sim.scenario import load

    s = load(ROOT / "scenarios" / f"{name}.yaml")
    t0 = time.perf_counter()
    plan = staff(s, goals, max_rounds=max_rounds, executor=executor)
    out: dict[str, Any] = {"scenario": name, "rounds": plan.rounds, "converged": plan.converged,
                           "search_s": time.perf_counter() - t0, "kept": list(plan.kept),
                           "search_meets": plan.meets_targets}
    for which in ("simulation", "erlang"):
        v = verify(plan, erlang=which == "erlang", executor=executor)
        out[which] = {
            "agent_hours": v.agent_hours, "cells": len(v.cells),
            "cells_meeting": len(v.cells) - v.misses,
            "channels": v.channels.to_dict(orient="records"),
        }
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def report(r: dict[str, Any]) -> str:
    """The figures of one scenario as markdown lines."""
    e, s = r["erlang"], r["simulation"]
    lines = [f"### {r['scenario']}  ({r['rounds']} candidates, {r['search_s']:.0f} s"
             f"{', kept: ' + ', '.join(r['kept']) if r['kept'] else ''})", "",
             "| plan | agent-hours/day | team-intervals meeting every target | "
             "channel KPIs over the window (mean, 95% CI) |", "|---|---|---|---|"]
    for label, p in (("Erlang only", e), ("simulation", s)):
        chans = "; ".join(
            f"{c['channel']} {c['target'].split('>')[0].split('<')[0]} "
            f"{_pct(c['mean'])} [{_pct(c['ci_low'])}, {_pct(c['ci_high'])}]"
            f"{'' if c['meets'] is not False else ' ✗'}" for c in p["channels"])
        lines.append(f"| {label} | {p['agent_hours']:,.0f} | {p['cells_meeting']} of "
                     f"{p['cells']} | {chans} |")
    change = 100 * (s["agent_hours"] / e["agent_hours"] - 1)
    lines += ["", f"simulation plan: {change:+.1f}% agent-hours against Erlang", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the benchmark and print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", default=list(DEFAULT))
    ap.add_argument("--target", "-t", action="append", default=None)
    ap.add_argument("--max-rounds", type=int, default=30)
    ap.add_argument("--executor", default="processes")
    ap.add_argument("--per-candidate", action="store_true",
                    help="time the staff command per candidate against one run command")
    args = ap.parse_args(argv)
    goals = tuple(args.target or GOALS)
    if args.per_candidate:
        return [per_candidate(name, goals) for name in args.scenarios]
    results = []
    for name in args.scenarios:
        r = measure(name, goals, args.max_rounds, args.executor)
        print(report(r), flush=True)
        results.append(r)
    return results


if __name__ == "__main__":
    main()
