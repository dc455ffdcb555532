"""The headcount cut ``shrinkage`` on pools with a ``size`` or a ``schedule``.

The rule is a shift's: the pool's total on duty each minute times ``1 - shrinkage``,
rounded once to the nearest agent, halves up. Hand-derived: size 10 with 0.3 has
10 x 0.7 = 7 on duty; size 5 has 3.5 -> 4; so the pool plays exactly as a pool of 7
(same streams, same customers), and the roster (10) is reported beside it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics import replication_kpis
from sim.model import simulate
from sim.model.shrinkage import pool_steps, scheduled_steps
from sim.model.staffing import after_cut, headcount_steps
from sim.model.streams import Streams
from sim.scenario.schema import Scenario
from tests.model.helpers import base, build, pick


def _scenario(pool: dict, rate: str = "8/min") -> Scenario:
    return build(base(horizon="8h", warmup="1h", run_out="1h", replications=1,
                      demand=[{"channel": "phone", "rate": rate}],
                      pools={"agents": {"channels": ["phone"], **pool}}))


@pytest.mark.parametrize(("size", "on_duty"), [(10, 7), (5, 4), (3, 2), (1, 1), (0, 0)])
def test_size_pool_cut_rounds_once_halves_up(size, on_duty):
    # 10 x 0.7 = 7; 5 x 0.7 = 3.5 -> 4; 3 x 0.7 = 2.1 -> 2; 1 x 0.7 -> 1
    sc = _scenario({"size": size, "shrinkage": 0.3})
    pool = sc.pools["agents"]
    assert headcount_steps(pool, sc.start, sc.end_s) == ([0.0], [on_duty])
    assert scheduled_steps(pool, sc.start, sc.end_s) == ([0.0], [size])  # the roster


def test_schedule_pool_cut_applies_to_each_interval():
    hc = [0] * 8 + [10, 5, 3] + [1] * 13
    sc = _scenario({"schedule": {"interval": "1h", "headcount": hc}, "shrinkage": 0.3})
    _, counts = headcount_steps(sc.pools["agents"], 0.0, 86400.0)
    assert counts == [0, 7, 4, 2, 1]
    assert after_cut(np.array(hc), 0.3).tolist() == [0] * 8 + [7, 4, 2] + [1] * 13


def test_cut_on_top_of_breaks_is_rounded_once():
    # 10 agents, all on a fixed 30-min break at 12:00: 0 on duty then, else 10 x 0.7 = 7
    sc = _scenario({"size": 10, "shrinkage": 0.3,
                    "breaks": [{"length": "30min", "at": "12:00"}]}).with_changes(
        {"horizon": "23h", "warmup": "0s", "run_out": "0s"})
    times, counts = pool_steps(sc.pools["agents"], "agents", sc.start, sc.end_s,
                               Streams(sc.seed, 0))
    assert (times, counts) == ([0.0, 12 * 3600.0, 12.5 * 3600.0], [7, 0, 7])


def test_size_10_with_shrinkage_03_plays_as_size_7():
    cut = simulate(_scenario({"size": 10, "shrinkage": 0.3}), 0)
    seven = simulate(_scenario({"size": 7}), 0)
    assert cut.contacts.keys() == seven.contacts.keys()
    for name in seven.contacts:  # the very same customers, waits and outcomes
        np.testing.assert_array_equal(cut.contacts[name], seven.contacts[name])
    np.testing.assert_array_equal(cut.pool_staffed_s, seven.pool_staffed_s)
    k_cut, k_seven = replication_kpis(cut), replication_kpis(seven)
    for kpi in ("service_level", "asa_s", "utilization", "staffed_agents_mean"):
        assert pick(k_cut, kpi)[0] == pick(k_seven, kpi)[0]
    assert pick(k_cut, "staffed_agents_mean")[0] == pytest.approx(7.0)
    assert pick(k_cut, "scheduled_agents_mean")[0] == pytest.approx(10.0)  # the roster
    assert pick(k_seven, "scheduled_agents_mean").size == 0  # no shrinkage: not reported


def test_no_cut_keeps_the_pool_as_before():
    plain = _scenario({"size": 10})
    assert plain.pools["agents"].shrinkage == 0.0
    assert simulate(plain, 0).pool_scheduled_s is None
