"""Safe limits: absurd runs are refused quickly, with the estimate and the override flag."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from sim.experiment.limits import RunTooLargeError, check_limits, estimate
from sim.scenario import load_text

HUGE = """
name: huge
horizon: 1000d
replications: 100
channels: {phone: {kind: voice}}
demand: [{channel: phone, rate: 10000000/d}]
intents: {general: {handle_time: {dist: exponential, mean: 1min}}}
pools: {agents: {size: 50, channels: [phone]}}
"""


def test_estimate_counts_expected_contacts():
    s = load_text(HUGE.replace("1000d", "2d").replace("10000000/d", "1000/d")
                  .replace("replications: 100", "replications: 3"))
    est = estimate(s)
    assert est.contacts_per_replication == pytest.approx(2000)
    assert est.contacts == pytest.approx(6000)


def test_a_trillion_contacts_is_refused_with_the_override_named():
    s = load_text(HUGE)
    with pytest.raises(RunTooLargeError, match="--allow-large"):
        check_limits(s)
    assert check_limits(s, allow_large=True).contacts == pytest.approx(1e12)


def test_cli_refuses_in_under_a_second(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(HUGE)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "1,000,000,000,000 contacts" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    # The check itself is arithmetic; allow the interpreter's start-up on top.
    assert elapsed < 5.0
