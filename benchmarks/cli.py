"""The whole command: ``servicesim run --executor serial`` against a bare SimPy program.

    python -m benchmarks.cli [--contacts N] [--repeats R]

Both sides run as programs of their own, in fresh processes, the way a planner would
run them, and the wall clock covers everything from starting Python to its exit:

1. the baseline: ``python -m benchmarks.bare HORIZON_S``, the bare SimPy M/M/50+M
   model (:mod:`benchmarks.bare`; imports SimPy and NumPy, plays, prints one line);
2. ``python -m sim run one_pool.yaml --executor serial --out DIR``: the same system as
   a scenario file (same offered load, same simulated time; by default 320k contacts),
   with everything the command does: imports, validation, the replication, its KPIs
   and tables, summary.json, the parquet tables, the report and its figures, the
   console tables.

The two are interleaved ``repeats`` times (so they share the machine's state), after
one untimed run of each; the ratio 2/1 is taken from the best (least disturbed) wall
time of each, and also given per pair (median). Peak resident memory of each child is
its ``ru_maxrss``. Both keep Python's bytecode caches as Python does by default (the
untimed run writes them): an environment that sets ``PYTHONDONTWRITEBYTECODE`` would
have the command compile the package from source at every run (about 0.3 s more).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bare import AGENTS, AHT_S, PATIENCE_S, RATE_PER_S

ROOT = Path(__file__).resolve().parents[1]

#: Target of issue 20: the whole command at most this fraction of the baseline's wall time.
TARGET = 0.8


def scenario_yaml(horizon_s: float) -> str:
    """The one-pool voice scenario of :func:`benchmarks.engine.servicesim_scenario`, as YAML."""
    return (
        "name: benchmark one-pool voice\n"
        f"horizon: {horizon_s:.0f}s\n"
        "warmup: 0s\n"
        "replications: 1\n"
        "seed: 1\n"
        "channels:\n"
        "  phone:\n"
        "    kind: voice\n"
        f"    patience: {{dist: exponential, mean: {PATIENCE_S:g}s}}\n"
        "demand:\n"
        f"  - {{channel: phone, rate: {RATE_PER_S * 3600:g}/h}}\n"
        "intents:\n"
        f"  general: {{handle_time: {{dist: exponential, mean: {AHT_S:g}s}}}}\n"
        "pools:\n"
        f"  agents: {{size: {AGENTS}, channels: [phone]}}\n"
    )


def timed_child(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd`` to its end; ``(wall seconds, peak resident MiB)``. Fails loudly."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a planner's Python: caches kept
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def measure(contacts: int = 320_000, repeats: int = 3) -> dict[str, float]:
    """Best wall time and peak memory of the baseline and of the whole command; ratios."""
    horizon_s = contacts / RATE_PER_S
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "cli": []}
    with tempfile.TemporaryDirectory(prefix="servicesim-bench-cli-") as tmp:
        scenario = Path(tmp) / "one_pool.yaml"
        scenario.write_text(scenario_yaml(horizon_s))
        bare = [sys.executable, "-m", "benchmarks.bare", f"{horizon_s:.0f}"]
        cli = [sys.executable, "-m", "sim", "run", str(scenario), "--executor", "serial",
               "--out", str(Path(tmp) / "out")]
        timed_child(bare)  # untimed: bytecode caches written, files in the page cache
        timed_child(cli)
        for _ in range(repeats):  # interleaved: both see the same machine
            runs["bare"].append(timed_child(bare))
            runs["cli"].append(timed_child(cli))
    best = {k: min(w for w, _ in v) for k, v in runs.items()}
    peak = {k: max(m for _, m in v) for k, v in runs.items()}
    pairs = [c[0] / b[0] for b, c in zip(runs["bare"], runs["cli"], strict=True)]
    result = {
        "contacts": contacts,
        "bare_s": best["bare"], "cli_s": best["cli"],
        "bare_peak_mib": peak["bare"], "cli_peak_mib": peak["cli"],
        "ratio": best["cli"] / best["bare"],
        "ratio_median_pair": statistics.median(pairs),
    }
    print(f"whole command, fresh processes, {contacts:,} contacts (M/M/{AGENTS}+M, "
          f"best of {repeats} interleaved runs, wall clock):")
    print(f"  1 bare SimPy program (baseline)              {best['bare']:6.2f} s   "
          f"peak {peak['bare']:5.0f} MiB")
    print(f"  2 servicesim run --executor serial           {best['cli']:6.2f} s   "
          f"peak {peak['cli']:5.0f} MiB   ratio 2/1 = {result['ratio']:.2f} "
          f"(median of pairs {result['ratio_median_pair']:.2f}; target <= {TARGET})")
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=320_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    return measure(args.contacts, args.repeats)


if __name__ == "__main__":
    main(sys.argv[1:])
