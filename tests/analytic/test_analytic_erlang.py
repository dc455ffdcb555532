"""Erlang B and Erlang C against published tables and an exact rational oracle."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from scipy import stats

from sim.analytic.erlang import (
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_mean_wait,
    erlang_c_metrics,
    erlang_c_service_level,
    offered_load,
)


def exact_erlang_b(n: int, a: Fraction) -> Fraction:
    """Textbook sum form, in exact rational arithmetic (independent of the recursion)."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return terms[-1] / sum(terms)


def exact_erlang_c(n: int, a: Fraction) -> Fraction:
    """C(n, a) = (a^n/n! * n/(n-a)) / (sum_{k<n} a^k/k! + a^n/n! * n/(n-a)), exactly."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


# Published Erlang B values. B(10 lines, 5 E) = 0.01838 and B(20, 15) = 0.0456 are the
# standard Erlang B table entries (e.g. ITU-T "Teletraffic Engineering Handbook",
# Iversen, table of the Erlang B formula); the 1 %-blocking column of the same
# tables gives 4.461 E on 10 lines, 12.031 E on 20 lines and 84.064 E on 100 lines.
@pytest.mark.parametrize(
    ("servers", "load", "published", "tol"),
    [
        (10, 5.0, 0.01838, 5e-6),
        (20, 15.0, 0.0456, 5e-5),
        (10, 4.461, 0.01, 2e-5),
        (20, 12.031, 0.01, 2e-5),
        (100, 84.064, 0.01, 2e-5),
    ],
)
def test_erlang_b_matches_published_tables(servers, load, published, tol):
    assert erlang_b(servers, load) == pytest.approx(published, abs=tol)


# Call Centre Helper, "Erlang C Formula - Made Simple with an Easy Worked Example":
# 100 calls per 30 minutes, AHT 180 s -> 10 Erlangs; with 11 agents the probability
# a call waits is 68.21 % and the average speed of answer about 122.8 s.
def test_erlang_c_call_centre_helper_worked_example():
    rate = 100 / 1800
    assert offered_load(rate, 180) == pytest.approx(10.0)
    m = erlang_c_metrics(rate, 180, 11, 20)
    assert m.p_wait == pytest.approx(0.6821, abs=5e-5)
    assert m.asa_s == pytest.approx(122.8, abs=0.05)
    assert m.service_level == pytest.approx(1 - 0.6821182 * math.exp(-20 / 180), abs=1e-6)
    assert m.occupancy == pytest.approx(10 / 11)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 21, 40])
@pytest.mark.parametrize("load_share", [Fraction(1, 10), Fraction(1, 2), Fraction(9, 10)])
def test_recursion_equals_exact_sum_formula(n, load_share):
    a = n * load_share
    assert erlang_b(n, float(a)) == pytest.approx(float(exact_erlang_b(n, a)), rel=1e-12)
    assert erlang_c(n, float(a)) == pytest.approx(float(exact_erlang_c(n, a)), rel=1e-12)


@pytest.mark.parametrize(("n", "a"), [(2000, 1900.0), (2500, 2450.0), (5000, 4900.0)])
def test_thousands_of_servers_do_not_overflow(n, a):
    b = erlang_b(n, a)
    c = erlang_c(n, a)
    # Independent oracle in log-space: B = Poisson pmf(n; a) / Poisson cdf(n; a).
    oracle_b = math.exp(stats.poisson.logpmf(n, a) - stats.poisson.logcdf(n, a))
    assert 0.0 < b < 1.0 and math.isfinite(b)
    assert b == pytest.approx(oracle_b, rel=1e-9)
    assert 0.0 < c < 1.0
    assert c == pytest.approx(n * b / (n - a * (1 - b)), rel=1e-12)
    m = erlang_c_metrics(a / 300, 300, n, 20)
    assert all(math.isfinite(x) for x in (m.p_wait, m.asa_s, m.service_level, m.occupancy))


def test_edge_cases():
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(5, 0.0) == 0.0
    assert erlang_c(5, 0.0) == 0.0
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c(5, 7.5) == 1.0
    assert erlang_c_mean_wait(5, 5.0, 60) == math.inf
    assert erlang_c_service_level(5, 6.0, 60, 20) == 0.0
    unstable = erlang_c_metrics(1.0, 10, 10, 20)
    assert (unstable.p_wait, unstable.asa_s, unstable.service_level) == (1.0, math.inf, 0.0)
    assert unstable.p_abandon == 0.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(-1, 2.0),
        lambda: erlang_b(2.5, 2.0),
        lambda: erlang_b(True, 2.0),
        lambda: erlang_b(3, -1.0),
        lambda: erlang_c(3, math.nan),
        lambda: erlang_c_asa(3, 1.0, 0.0),
        lambda: erlang_c_metrics(1.0, 10, 20, -5),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_consistency_between_helpers():
    n, a, aht = 12, 10.0, 180.0
    c = erlang_c(n, a)
    assert erlang_c_asa(n, a, aht) == pytest.approx(c * aht / (n - a))
    assert erlang_c_service_level(n, a, aht, 0.0) == pytest.approx(1 - c)
    m = erlang_c_metrics(a / aht, aht, n, 30)
    assert m.service_level == pytest.approx(erlang_c_service_level(n, a, aht, 30))
    assert m.mean_wait_s == m.asa_s


def test_more_agents_never_hurt():
    a = 37.3
    waits = [erlang_c(n, a) for n in range(38, 80)]
    assert all(x > y for x, y in zip(waits, waits[1:], strict=False))
    levels = [erlang_c_service_level(n, a, 240, 20) for n in range(38, 80)]
    assert all(x < y for x, y in zip(levels, levels[1:], strict=False))
