"""M/G/1, priority M/G/1, M/M/c and Jackson networks against textbook closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analytic.queueing import (
    jackson_network,
    jackson_network_sojourn,
    jackson_tandem_sojourn,
    mg1_mean_wait,
    mmc_mean_sojourn,
    mmc_mean_wait,
    priority_mg1_waits,
)


def test_pollaczek_khinchine_special_cases():
    lam, mu = 0.8, 1.0
    rho = lam / mu
    # M/M/1 (cv = 1): W_q = rho / (mu - lambda)
    assert mg1_mean_wait(lam, 1 / mu, 1.0) == pytest.approx(rho / (mu - lam))
    # M/D/1 (cv = 0): half the M/M/1 wait
    assert mg1_mean_wait(lam, 1 / mu, 0.0) == pytest.approx(0.5 * rho / (mu - lam))
    assert mg1_mean_wait(1.0, 1.0, 1.0) == math.inf
    assert mg1_mean_wait(0.0, 3.0, 2.0) == 0.0


def test_cobham_two_class_mm1():
    # M/M/1, mu = 1, lambda_0 = 0.2 (high), lambda_1 = 0.3 (low):
    # W0 = sum lambda_i E[S^2]/2 = 0.5; W_high = 0.5/0.8 = 0.625; W_low = 0.5/(0.8*0.5) = 1.25
    high, low = priority_mg1_waits([0.2, 0.3], [1.0, 1.0], [1.0, 1.0])
    assert high == pytest.approx(0.625)
    assert low == pytest.approx(1.25)
    # Kleinrock's conservation law: equal means -> the rate-weighted wait is FCFS's.
    assert (0.2 * high + 0.3 * low) / 0.5 == pytest.approx(mg1_mean_wait(0.5, 1.0, 1.0))


def test_cobham_single_class_is_pollaczek_khinchine():
    assert priority_mg1_waits([0.6], [1.2], [0.5]) == [pytest.approx(mg1_mean_wait(0.6, 1.2, 0.5))]


def test_cobham_conservation_with_general_service():
    rates, means, cvs = [0.1, 0.2, 0.15], [1.0, 2.0, 0.5], [0.3, 1.5, 1.0]
    waits = priority_mg1_waits(rates, means, cvs)
    rho = [r * m for r, m in zip(rates, means, strict=True)]
    # Work conservation: sum rho_k W_k = rho * W_FCFS-work = rho W0 / (1 - rho)
    w0 = sum(r * m * m * (1 + c * c) / 2 for r, m, c in zip(rates, means, cvs, strict=True))
    total = sum(rho)
    assert sum(p * w for p, w in zip(rho, waits, strict=True)) == pytest.approx(
        total * w0 / (1 - total)
    )
    assert waits == sorted(waits)  # lower priority waits longer here


def test_cobham_overloaded_low_class_is_infinite():
    waits = priority_mg1_waits([0.5, 0.6], [1.0, 1.0], [1.0, 1.0])
    assert math.isfinite(waits[0]) and waits[1] == math.inf


def test_mmc_closed_forms():
    lam, mu = 1.5, 1.0
    assert mmc_mean_sojourn(0.5, mu, 1) == pytest.approx(1 / (mu - 0.5))
    # M/M/2: L = 2 rho / (1 - rho^2), rho = lambda / (2 mu)
    rho = lam / (2 * mu)
    assert mmc_mean_sojourn(lam, mu, 2) == pytest.approx(2 * rho / (1 - rho**2) / lam)
    assert mmc_mean_wait(2.0, mu, 2) == math.inf


def test_jackson_tandem_is_sum_of_mm1_sojourns():
    lam, mus = 0.7, [1.0, 2.0, 0.9]
    expected = sum(1 / (mu - lam) for mu in mus)
    assert jackson_tandem_sojourn(lam, mus) == pytest.approx(expected)
    routing = [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert jackson_network_sojourn([lam, 0, 0], routing, mus) == pytest.approx(expected)


def test_jackson_single_station_with_feedback():
    # M/M/1 with Bernoulli feedback p: Lambda = lambda / (1 - p), L = rho / (1 - rho)
    lam, mu, p = 0.3, 1.0, 0.4
    big_lambda = lam / (1 - p)
    rho = big_lambda / mu
    res = jackson_network([lam], [[p]], [mu])
    assert res.arrival_rates[0] == pytest.approx(big_lambda)
    assert res.mean_sojourn_s == pytest.approx(rho / (1 - rho) / lam)


def test_jackson_multi_server_network_traffic_equations():
    gamma = [1.0, 0.5, 0.0]
    routing = np.array([[0, 0.5, 0.3], [0.2, 0, 0.5], [0, 0, 0]])
    res = jackson_network(gamma, routing, [2.0, 1.0, 3.0], [1, 2, 1])
    lam = res.arrival_rates
    assert lam == pytest.approx(np.array(gamma) + routing.T @ lam)
    assert res.mean_number.sum() / 1.5 == pytest.approx(res.mean_sojourn_s)
    assert res.mean_number[1] == pytest.approx(lam[1] * mmc_mean_sojourn(lam[1], 1.0, 2))


@pytest.mark.parametrize(
    "args",
    [
        ([1.0], [[1.0]], [2.0]),  # nobody ever leaves
        ([1.0, 0.0], [[0, 0.6], [0.7, 0.5]], [2.0, 2.0]),  # row sum > 1
        ([1.0], [[0.0]], [0.0]),  # zero service rate
        ([1.0, 1.0], [[0.0]], [1.0, 1.0]),  # shapes disagree
    ],
)
def test_jackson_rejects_bad_networks(args):
    with pytest.raises(ValueError):
        jackson_network(*args)


def test_jackson_overloaded_station_gives_infinite_sojourn():
    assert jackson_network_sojourn([1.0], [[0.0]], [0.9]) == math.inf
