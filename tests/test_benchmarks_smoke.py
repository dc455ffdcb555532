"""The benchmarks still run (tiny sizes; a smoke test, not a timed test)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import __main__ as bench
from benchmarks import scaling
from benchmarks.journey import journey_scenario
from sim.invariants import check_records
from sim.model import simulate


def test_journey_scenario_uses_every_feature():
    r = simulate(journey_scenario(3000), 0)
    check_records(r)
    c = r.contacts
    assert abs(r.n_contacts - 3000) < 600                  # the horizon is sized right
    assert set(np.unique(c["channel"])) == {0, 1, 2}       # phone, chat, bot
    assert (c["outcome"] == 5).any()                       # bot escalations
    assert (c["attempt"] > 0).any()                        # recontacts and retries
    assert (c["step"] > 0).any()                           # tier 1 -> seniors escalations
    assert (r.backstage_s > 0).any()                       # the billing system


def test_scaling_child_reports_time_and_memory():
    out = scaling.child(2000, trace=False)
    assert out["contacts"] > 0 and out["wall_s"] > 0 and out["records_b"] > 0
    traced = scaling.child(2000, trace=True)
    assert traced["traced_peak_b"] > 0


@pytest.mark.timeout(300)
def test_python_m_benchmarks_runs_end_to_end(capsys):
    out = bench.main(["--scale", "0.004", "--repeats", "1"])
    text = capsys.readouterr().out
    assert "targets:" in text and "ratio 3/1" in text
    assert out["throughput"]["journey_contacts_per_s"] > 0
    assert len(out["scaling"]["rows"]) == 3
    assert out["executors"]["identical"] == 1.0
    assert out["routing"]["shared_us"] and out["large"]["contacts"] > 0
    assert out["worker"]["tables_b"] > 0 and "worker peak, KPIs and tables" in text


def test_large_quick_runs():
    from benchmarks import large

    out = large.measure(days=0.01)
    assert out["contacts"] > 5000 and out["peak_b"] > 0 and out["pools"] == 100
