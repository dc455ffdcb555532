"""The work estimate against measurement: run real replications of a few sizes and
kinds in a forked child and compare its wall time, peak memory and contact count
with :func:`sim.experiment.limits.estimate`.

The estimate must never be far below what a run takes (or the safe limits would let
a run exhaust the machine) and never absurdly above it (or they would refuse
reasonable runs): measured <= 2 x estimate, and estimate <= a generous multiple of
the measurement. Peak memory is the child's high-water resident set above its
resident set at the start (Linux ``/proc``: the peak is reset after the fork).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from sim.experiment.limits import estimate
from sim.scenario import Scenario, load

ROOT = Path(__file__).resolve().parents[2]
PROC = Path("/proc/self/status")

pytestmark = pytest.mark.skipif(not (hasattr(os, "fork") and PROC.exists()
                                     and sys.platform.startswith("linux")),
                                reason="measures with fork and /proc (Linux)")

CASES = {
    "one line, 6 h": ("quickstart", {"horizon": "6h", "warmup": "0s"}, 1),
    "one line, 1 day": ("quickstart", {"horizon": "24h", "warmup": "0s"}, 1),
    "one line, 4 days": ("quickstart", {"horizon": "96h", "warmup": "0s"}, 1),
    "no agents, 1 day": ("quickstart", {"horizon": "24h", "warmup": "0s",
                                        "pools.agents.size": 0}, 1),
    "20 short replications": ("quickstart", {"horizon": "1h", "warmup": "0s"}, 20),
    "bot, escalation, recontacts": ("chatbot_rollout", {}, 1),
    "field visits": ("field_operations", {}, 1),
}


def _kib(field: str) -> int:
    for line in PROC.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def measure(scenario: Scenario, reps: int) -> dict[str, float]:
    """Run ``reps`` serial replications in a forked child: wall, peak growth, contacts."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            from sim.experiment import run

            Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM)
            before = _kib("VmRSS")
            t0 = time.perf_counter()
            res = run(scenario, replications=reps, executor="serial", allow_large=True)
            wall = time.perf_counter() - t0
            contacts = len(res.contacts) if res.contacts is not None else 0
            os.write(write, json.dumps({"wall": wall, "memory": _kib("VmHWM") - before,
                                        "contacts": contacts}).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and text, "the measuring child failed"
    return json.loads(text)


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import everything a run imports once, so that the children only run."""
    import sim.experiment  # noqa: F401
    import sim.metrics  # noqa: F401
    import sim.model  # noqa: F401


@pytest.mark.parametrize("case", list(CASES))
def test_the_estimate_bounds_the_measured_cost(case: str) -> None:
    example, changes, reps = CASES[case]
    scenario = load(ROOT / "scenarios" / f"{example}.yaml").with_changes(changes)
    est = estimate(scenario, reps, workers=1, keep_contacts=True)
    got = measure(scenario, reps)
    facts = f"{case}: estimate {est}, measured {got}"
    # contacts: an upper bound of expected values, within a small factor
    assert 0.7 * got["contacts"] <= est.contacts <= 6 * got["contacts"] + 1000, facts
    # time: never far below, not absurdly above (the engine speed assumed is cautious)
    assert got["wall"] <= 2 * est.wall_s, facts
    assert est.wall_s <= 40 * got["wall"] + 1.0, facts
    # memory: the peak above the start stays below the estimate, which is not absurd
    assert got["memory"] <= est.memory_bytes, facts
    assert est.memory_bytes <= 12 * got["memory"] + 100 * 2**20, facts
