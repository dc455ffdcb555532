"""Fuzzing with extreme values (issue 19): whatever one setting is pushed to,
``servicesim run`` answers with a run or one clean error line, never a traceback, a
hang or a memory blow-up.

Each example (``extremes.EXTREMES``: extreme numbers, durations and rates; markup,
control characters and surrogates in text; loops, huge replication counts, no
agents, retry storms) is run by ``servicesim run FILE --executor serial`` in a
forked child (:mod:`tests.robustness.forked`), whose safe limits are scaled down so
that the estimate must refuse anything that would not finish in a few seconds.
The oracle: exit 0 or 2 (2 with exactly one ``error:`` line), no traceback, done
within ``DEADLINE_S``, peak memory below ``MAX_RSS``.

The examples are derandomized and bounded for CI: ``SERVICESIM_EXTREME_EXAMPLES``
per kind (default 6) within a budget of ``SERVICESIM_EXTREME_BUDGET_S`` seconds
for the whole file (default 20; examples past it are skipped, not failed). Raise
both for a longer hunt.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.robustness.extremes import EXTREMES
from tests.robustness.forked import run_forked

PER_KIND = int(os.environ.get("SERVICESIM_EXTREME_EXAMPLES", "6"))
BUDGET_S = float(os.environ.get("SERVICESIM_EXTREME_BUDGET_S", "20"))
DEADLINE_S = 10.0
MAX_RSS = 2 * 2**30

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

_started: list[float] = []


def _over_budget() -> bool:
    if not _started:
        _started.append(time.perf_counter())
    return time.perf_counter() - _started[0] > BUDGET_S


def check_run(path: Path, data: bytes, out: Path) -> None:
    """Run one file and apply the oracle (an assertion error explains a failure)."""
    path.write_bytes(data)
    done = run_forked(["run", str(path), "--executor", "serial", "--out", str(out)],
                      deadline_s=DEADLINE_S)
    shown = f"--- file (first 800 bytes) ---\n{data[:800]!r}"
    assert not done.hung, f"no answer within {DEADLINE_S} s\n{shown}"
    assert done.max_rss < MAX_RSS, f"peak memory {done.max_rss / 2**30:.2f} GiB\n{shown}"
    everything = done.stdout + done.stderr
    assert "Traceback" not in everything, f"{done.stderr[-2000:]}\n{shown}"
    assert done.code in (0, 2), f"exit {done.code}: {everything[-1000:]}\n{shown}"
    if done.code == 2:
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{done.stderr!r}\n{shown}"
        assert not out.exists(), "a refused run wrote outputs"
    else:
        assert (out / "summary.json").exists() and "replications of" in done.stdout


@pytest.mark.parametrize("kind", list(EXTREMES))
def test_extreme_inputs_run_or_fail_cleanly(kind: str, tmp_path: Path) -> None:
    count = [0]

    @settings(max_examples=PER_KIND, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=EXTREMES[kind])
    def check(data: bytes) -> None:
        if _over_budget():
            return
        count[0] += 1
        check_run(tmp_path / "extreme.yaml", data, tmp_path / f"out-{count[0]}")

    check()
