"""Erlang A (M/M/n+M) against a brute-force CTMC, absorbing-chain waits, and its limits.

No Erlang A value is pinned from the literature here: the oracles are computed
independently in the test (a dense generator solved with linear algebra, and the
waiting time of a tagged arrival as an absorbing Markov chain with matrix
exponentials), plus the two exact limits theta -> 0 (Erlang C) and theta -> inf
(Erlang B).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy.linalg import expm

from sim.analytic.erlang import erlang_b, erlang_c_metrics
from sim.analytic.erlang_a import QueueTooLongError, erlang_a_distribution, erlang_a_metrics


def brute_force_stationary(lam, mu, n, theta, size):
    """Solve pi Q = 0, sum pi = 1 for the chain truncated at ``size`` states."""
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
        q[k, k] = -q[k].sum()
    a = q.T.copy()
    a[-1, :] = 1.0  # replace one (redundant) balance equation by the normalisation
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    return np.linalg.solve(a, rhs)


def tagged_arrivals(n, mu, theta, max_ahead, t):
    """Absorbing chain of a tagged arrival that finds j waiting ahead, for all j at once.

    Transient states: "i still ahead" for i = max_ahead..0; from i the tagged contact
    moves on at rate n mu + i theta (someone ahead is served or abandons; for i = 0 a
    server frees and it is served) and is lost at rate theta (its own patience).
    Returns arrays over j = 0..max_ahead: P(served), E[wait 1{served}],
    P(served and wait <= t).
    """
    ahead = np.arange(max_ahead, -1, -1)  # row r has ahead[r] contacts in front
    size = ahead.size
    tr = np.zeros((size, size))
    forward = n * mu + ahead * theta
    tr[np.arange(size), np.arange(size)] = -(forward + theta)
    tr[np.arange(size - 1), np.arange(1, size)] = forward[:-1]
    exit_served = np.zeros(size)
    exit_served[-1] = n * mu
    inv = np.linalg.inv(tr)
    p_served = -inv @ exit_served
    waited = inv @ inv @ exit_served
    gen = np.zeros((size + 1, size + 1))
    gen[:size, :size] = tr
    gen[:size, size] = exit_served
    within = expm(gen * t)[:size, size]
    # rows run from max_ahead down to 0: reverse so that index j = number ahead
    return p_served[::-1], waited[::-1], within[::-1]


CASES = [
    # rate_per_s, aht_s, servers, patience_s, target_s
    (4.0 / 60, 60.0, 5, 120.0, 20.0),  # a = 4 on 5 agents
    (6.0 / 60, 60.0, 5, 30.0, 10.0),  # overloaded: a = 6 on 5 agents
    (10.0 / 60, 60.0, 8, 600.0, 30.0),  # overloaded with long patience
    (2.0 / 60, 300.0, 12, 90.0, 20.0),
    (1.0 / 60, 60.0, 1, 60.0, 15.0),  # single agent
]


@pytest.mark.parametrize(("rate", "aht", "n", "patience", "t"), CASES)
def test_matches_brute_force_ctmc(rate, aht, n, patience, t):
    mu, theta = 1.0 / aht, 1.0 / patience
    size = n + 250
    pi = brute_force_stationary(rate, mu, n, theta, size)
    k = np.arange(size)
    queue = np.maximum(k - n, 0)
    p_wait = pi[n:].sum()
    mean_q = float(queue @ pi)
    occupancy = float(np.minimum(k, n) @ pi) / n

    p_now = pi[:n].sum()
    s, w, x = tagged_arrivals(n, mu, theta, size - n - 1, t)
    served, waited, within = pi[n:] @ s, pi[n:] @ w, pi[n:] @ x
    p_served = p_now + served

    m = erlang_a_metrics(rate, aht, n, patience, t)
    assert m.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert m.p_abandon == pytest.approx(theta * mean_q / rate, rel=1e-8)
    assert m.p_abandon == pytest.approx(1 - p_served, rel=1e-8)
    assert m.mean_wait_s == pytest.approx(mean_q / rate, rel=1e-8)
    assert m.asa_s == pytest.approx(waited / p_served, rel=1e-8)
    assert m.service_level == pytest.approx(p_now + within, rel=1e-8)
    assert m.occupancy == pytest.approx(occupancy, rel=1e-8)
    pi_ours = erlang_a_distribution(rate, aht, n, patience)
    common = min(pi_ours.size, size)
    assert pi_ours[:common] == pytest.approx(pi[:common], abs=1e-10)
    assert pi[common:].sum() < 1e-10  # what the truncation dropped is negligible


@pytest.mark.parametrize(("n", "a"), [(11, 10.0), (50, 45.0), (200, 190.0)])
def test_long_patience_tends_to_erlang_c(n, a):
    aht, t = 180.0, 20.0
    c = erlang_c_metrics(a / aht, aht, n, t)
    m = erlang_a_metrics(a / aht, aht, n, 1e9, t)
    assert m.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert m.asa_s == pytest.approx(c.asa_s, rel=1e-5)
    assert m.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert m.p_abandon < 1e-5
    assert erlang_a_metrics(a / aht, aht, n, None, t).p_wait == c.p_wait
    assert erlang_a_metrics(a / aht, aht, n, math.inf, t).service_level == c.service_level


def test_short_patience_tends_to_erlang_b():
    n, a, aht = 10, 8.0, 120.0
    m = erlang_a_metrics(a / aht, aht, n, 1e-6, 20.0)
    b = erlang_b(n, a)
    assert m.p_abandon == pytest.approx(b, rel=1e-5)
    assert m.service_level == pytest.approx(1 - b, rel=1e-5)
    zero = erlang_a_metrics(a / aht, aht, n, 0.0, 20.0)
    assert (zero.p_abandon, zero.service_level) == (pytest.approx(b), pytest.approx(1 - b))


def test_abandonment_keeps_overload_finite():
    # 120 Erlangs on 100 agents: Erlang C is unstable, Erlang A is not.
    m = erlang_a_metrics(120 / 300, 300.0, 100, 60.0, 20.0)
    assert all(math.isfinite(x) for x in (m.asa_s, m.mean_wait_s, m.service_level))
    # Flow balance: served work fills the agents almost completely.
    assert m.occupancy == pytest.approx(1.2 * (1 - m.p_abandon), rel=1e-9)
    assert 1 - 1 / 1.2 < m.p_abandon < 1.0


def test_large_centre_is_fast_and_sane():
    start = time.perf_counter()
    m = erlang_a_metrics(2000 / 300, 300.0, 2100, 180.0, 20.0)
    big = erlang_a_metrics(2400 / 300, 300.0, 2000, 1800.0, 20.0)
    assert time.perf_counter() - start < 2.0
    for r in (m, big):
        values = (r.p_wait, r.p_abandon, r.asa_s, r.mean_wait_s, r.service_level, r.occupancy)
        assert all(math.isfinite(x) and x >= 0 for x in values)
    assert big.p_abandon == pytest.approx(1 - 2000 / 2400, abs=0.01)


def test_monotone_in_agents():
    rate, aht, patience = 30 / 60, 240.0, 90.0
    res = [erlang_a_metrics(rate, aht, n, patience, 20.0) for n in range(90, 150)]
    for worse, better in zip(res, res[1:], strict=False):
        assert better.p_wait < worse.p_wait
        assert better.p_abandon < worse.p_abandon
        assert better.asa_s < worse.asa_s
        assert better.service_level > worse.service_level
        assert better.occupancy < worse.occupancy


def test_no_demand_and_bad_input():
    m = erlang_a_metrics(0.0, 60.0, 3, 60.0, 20.0)
    assert (m.p_wait, m.p_abandon, m.service_level) == (0.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        erlang_a_metrics(1.0, 60.0, 3, -5.0, 20.0)
    with pytest.raises(ValueError):
        erlang_a_metrics(1.0, 0.0, 3, 5.0, 20.0)


def test_no_agents_everyone_abandons():
    m = erlang_a_metrics(1 / 60, 60.0, 0, 45.0, 20.0)
    assert m.p_abandon == pytest.approx(1.0)
    assert m.mean_wait_s == pytest.approx(45.0)  # everyone waits out their patience
    assert math.isnan(m.asa_s) and m.service_level == 0.0


def test_overload_with_near_infinite_patience_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(QueueTooLongError, match="patience"):
        erlang_a_metrics(1.0, 300.0, 200, 1e9, 20.0)
    assert time.perf_counter() - start < 1.0
