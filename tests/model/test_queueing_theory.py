"""The engine against closed forms of queueing theory.

Each test asserts the analytic value (never a pinned simulated number) lies within
3.5 standard errors of the replication mean, and that the standard error is small
enough for a wrong formula or a wrong model to fail.
"""

from __future__ import annotations

import pytest

from sim.analytic.erlang import erlang_b, erlang_c, erlang_c_mean_wait
from sim.analytic.erlang_a import erlang_a_metrics
from sim.analytic.queueing import jackson_network_sojourn, mg1_mean_wait, priority_mg1_waits

from .helpers import all_kpis, assert_close_to_truth, base, build, pick


@pytest.mark.parametrize(
    "agents, rate_per_min, horizon",
    [(10, 7.0, "150h"), (50, 45.0, "60h"), (20, 19.0, "300h")],
    ids=["rho0.70", "rho0.90", "rho0.95"],
)
def test_mmc_matches_erlang_c(agents, rate_per_min, horizon, request):
    if "0.95" in request.node.name:
        request.applymarker(pytest.mark.slow)
    s = build(base(horizon=horizon, warmup="5h", replications=8,
                   demand=[{"channel": "phone", "rate": f"{rate_per_min}/min"}],
                   pools={"agents": {"size": agents, "channels": ["phone"]}}))
    k = all_kpis(s)
    load = rate_per_min  # aht 1 min
    assert_close_to_truth(pick(k, "p_wait"), erlang_c(agents, load), max_rel_se=0.02)
    assert_close_to_truth(pick(k, "asa_s"), erlang_c_mean_wait(agents, load, 60.0),
                          max_rel_se=0.08 if agents / load < 1.06 else 0.05)
    assert_close_to_truth(pick(k, "utilization"), load / agents, max_rel_se=0.01)


def test_mmc_plus_m_matches_erlang_a():
    s = build(base(horizon="60h", warmup="2h", replications=8,
                   channels={"phone": {"kind": "voice", "service_level_target": "20s",
                                       "patience": {"dist": "exponential", "mean": "2min"}}},
                   demand=[{"channel": "phone", "rate": "20/min"}],
                   pools={"agents": {"size": 20, "channels": ["phone"]}}))
    truth = erlang_a_metrics(20 / 60, 60.0, 20, 120.0, 20.0)
    k = all_kpis(s)
    assert_close_to_truth(pick(k, "abandon_rate"), truth.p_abandon, max_rel_se=0.03)
    assert_close_to_truth(pick(k, "p_wait"), truth.p_wait, max_rel_se=0.02)
    assert_close_to_truth(pick(k, "mean_wait_s"), truth.mean_wait_s, max_rel_se=0.03)
    assert_close_to_truth(pick(k, "asa_s"), truth.asa_s, max_rel_se=0.03)
    assert_close_to_truth(pick(k, "service_level"), truth.service_level, max_rel_se=0.02)


def test_mmcc_matches_erlang_b():
    s = build(base(horizon="100h", warmup="1h", replications=8,
                   channels={"phone": {"kind": "voice", "queue_capacity": 0}},
                   demand=[{"channel": "phone", "rate": "8/min"}],
                   pools={"agents": {"size": 10, "channels": ["phone"]}}))
    k = all_kpis(s)
    assert_close_to_truth(pick(k, "blocked_rate"), erlang_b(10, 8.0), max_rel_se=0.03)
    assert (pick(k, "p_wait") == 0).all()


def test_mg1_lognormal_matches_pollaczek_khinchine():
    s = build(base(horizon="1000h", warmup="10h", replications=8,
                   demand=[{"channel": "phone", "rate": "42/h"}],
                   intents={"general": {"handle_time": {"dist": "lognormal", "mean": "1min",
                                                        "cv": 1.5}}},
                   pools={"agents": {"size": 1, "channels": ["phone"]}}))
    k = all_kpis(s)
    truth = mg1_mean_wait(42 / 3600, 60.0, 1.5)
    assert_close_to_truth(pick(k, "asa_s"), truth, max_rel_se=0.05)


def test_two_priority_classes_match_cobham():
    s = build(base(horizon="800h", warmup="10h", replications=8,
                   segments={"premium": {"share": 0.4, "priority": 2},
                             "standard": {"share": 0.6, "priority": 1}},
                   demand=[{"channel": "phone", "rate": "48/h"}],
                   pools={"agents": {"size": 1, "channels": ["phone"]}}))
    k = all_kpis(s)
    lam = 48 / 3600
    w_hi, w_lo = priority_mg1_waits([0.4 * lam, 0.6 * lam], [60.0, 60.0], [1.0, 1.0])
    assert_close_to_truth(pick(k, "asa_s", "segment", "premium"), w_hi, max_rel_se=0.04)
    assert_close_to_truth(pick(k, "asa_s", "segment", "standard"), w_lo, max_rel_se=0.05)
    assert w_lo > 2 * w_hi  # the test can tell the classes apart


def test_handoff_chain_matches_open_jackson_network():
    s = build(base(horizon="250h", warmup="5h", replications=8,
                   demand=[{"channel": "phone", "rate": "90/h"}],
                   pools={
                       "tier1": {"size": 2, "channels": ["phone"],
                                 "handoffs": [{"to": "backoffice", "probability": 0.6,
                                               "handle_time": {"dist": "exponential",
                                                               "mean": "50s"}}]},
                       "backoffice": {"size": 1, "channels": ["phone"]},
                   }))
    k = all_kpis(s)
    lam = 90 / 3600
    truth = jackson_network_sojourn([lam, 0.0], [[0, 0.6], [0, 0]], [1 / 60, 1 / 50], [2, 1])
    assert_close_to_truth(pick(k, "mean_sojourn_s"), truth, max_rel_se=0.03)
