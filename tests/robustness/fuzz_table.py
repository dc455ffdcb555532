"""Count what each kind of bad input does, as a markdown table.

    python -m tests.robustness.fuzz_table            # 100 examples per kind
    python -m tests.robustness.fuzz_table -n 300
    python -m tests.robustness.fuzz_table --extremes -n 50   # extreme values, run

Runs the generators of the CLI fuzz tests (``strategies.BAD_INPUTS``, plus the
valid scenarios as a control row) through the same oracle (``fuzzing.check_file``:
the library and ``servicesim validate``), derandomized like the tests, and prints
one row per kind: examples tried, clean errors (exit 2; how many name a line),
files the mutation left valid (exit 0), and crashes. Crashes are listed below
the table.

With ``--extremes`` it runs the extreme-value kinds (``extremes.EXTREMES``) through
``servicesim run`` in forked children instead, as ``test_extreme_fuzz`` does, and
counts clean refusals, runs, hangs (no answer in 10 s), memory (2 GiB or more) and
crashes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.robustness.fuzzing import Outcome, check_file
from tests.robustness.strategies import BAD_INPUTS, dump_yaml, valid_scenarios


def tally(strategy: st.SearchStrategy[bytes], n: int, path: Path,
          crashes: list[str]) -> Counter[str]:
    """Run ``n`` examples of ``strategy`` through the oracle; count the outcomes."""
    counts: Counter[str] = Counter()

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(data: bytes) -> None:
        outcome: Outcome = check_file(path, data)
        counts["tried"] += 1
        counts[outcome.kind] += 1
        counts["located"] += outcome.located
        if outcome.kind == "crash":
            crashes.append(outcome.detail)

    one()
    return counts


def table(n: int) -> str:
    kinds = {"(control) valid scenarios": valid_scenarios().map(
        lambda d: dump_yaml(d).encode("utf-8")), **BAD_INPUTS}
    rows = ["| kind of bad input | tried | clean error (exit 2) | of which name a line "
            "| valid (exit 0) | crash |",
            "|---|---:|---:|---:|---:|---:|"]
    crashes: dict[str, list[str]] = {}
    total: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (kind, strategy) in enumerate(kinds.items()):
            found: list[str] = []
            c = tally(strategy, n, Path(tmp) / f"kind{i}.yaml", found)
            if found:
                crashes[kind] = found
            total += c
            rows.append(f"| {kind} | {c['tried']} | {c['clean']} | {c['located']} "
                        f"| {c['valid']} | {c['crash']} |")
    rows.append(f"| **total** | {total['tried']} | {total['clean']} | {total['located']} "
                f"| {total['valid']} | {total['crash']} |")
    out = "\n".join(rows)
    for kind, details in crashes.items():
        out += f"\n\ncrashes for {kind}:\n" + "\n".join(f"- {d}" for d in details[:10])
    return out


def run_outcome(path: Path, data: bytes, out: Path) -> tuple[str, str]:
    """Run one extreme file in a forked child: (clean | ran | hang | memory | crash, detail)."""
    from tests.robustness.forked import run_forked

    path.write_bytes(data)
    done = run_forked(["run", str(path), "--executor", "serial", "--out", str(out)])
    lines = done.stderr.splitlines()
    if done.hung:
        return "hang", data[:200].decode(errors="replace")
    if done.max_rss >= 2 * 2**30:
        return "memory", f"{done.max_rss / 2**30:.1f} GiB"
    if "Traceback" in done.stdout + done.stderr or done.code not in (0, 2):
        return "crash", (lines[-1] if lines else f"exit {done.code}")[:300]
    if done.code == 2:
        return ("clean", lines[0]) if len(lines) == 1 and lines[0].startswith("error: ") \
            else ("crash", done.stderr[:300])
    return "ran", ""


def _tally_runs(kind: str, strategy: st.SearchStrategy[bytes], n: int, where: Path,
                found: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    where.mkdir()

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(data: bytes) -> None:
        what, detail = run_outcome(where / "x.yaml", data, where / f"out{counts['tried']}")
        counts["tried"] += 1
        counts[what] += 1
        if what in ("hang", "memory", "crash"):
            found.append(f"{kind}: {what}: {detail}")

    one()
    return counts


def extremes_table(n: int) -> str:
    from tests.robustness.extremes import EXTREMES

    rows = ["| kind of extreme input | tried | clean error (exit 2) | ran (exit 0) | hang "
            "| memory | crash |", "|---|---:|---:|---:|---:|---:|---:|"]
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (kind, strategy) in enumerate(EXTREMES.items()):
            counts = _tally_runs(kind, strategy, n, Path(tmp) / f"k{i}", found)
            rows.append(f"| {kind} | {counts['tried']} | {counts['clean']} | {counts['ran']} "
                        f"| {counts['hang']} | {counts['memory']} | {counts['crash']} |")
    out = "\n".join(rows)
    if found:
        out += "\n\nfailures:\n" + "\n".join(f"- {d}" for d in found[:20])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100, help="examples per kind (default 100)")
    parser.add_argument("--extremes", action="store_true",
                        help="run the extreme-value kinds instead (forked children)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    print(extremes_table(args.n) if args.extremes else table(args.n))
    print(f"\n({args.n} examples per kind, derandomized; {time.perf_counter() - t0:.0f} s)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
