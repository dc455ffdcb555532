"""Confidence intervals over replications: exact values, edge cases and coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.metrics.stats import half_width, mean_ci, paired_ci, welch_ci


def test_mean_ci_matches_textbook():
    x = [1.0, 2.0, 3.0, 4.0, 5.0]
    m, lo, hi = mean_ci(x)
    h = stats.t.ppf(0.975, 4) * np.std(x, ddof=1) / math.sqrt(5)
    assert m == 3.0
    assert (lo, hi) == pytest.approx((3 - h, 3 + h), rel=1e-12)
    assert half_width(x) == pytest.approx(h, rel=1e-12)
    assert half_width(x, 0.9) < h
    assert all(isinstance(v, float) for v in (m, lo, hi))


def test_mean_ci_edge_cases():
    m, lo, hi = mean_ci([4.2])
    assert m == 4.2 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in mean_ci([]))
    assert all(math.isnan(v) for v in mean_ci([np.nan, np.nan]))
    assert mean_ci([1.0, np.nan, 3.0]) == pytest.approx(mean_ci([1.0, 3.0]))
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    assert math.isnan(half_width([1.0]))
    with pytest.raises(ValueError):
        mean_ci([1.0, 2.0], confidence=1.5)


def test_mean_ci_coverage_by_simulation():
    rng = np.random.default_rng(12345)
    true_mean, reps, n = 3.0, 2000, 10
    samples = rng.normal(true_mean, 2.0, size=(reps, n))
    hits = 0
    for row in samples:
        _, lo, hi = mean_ci(row)
        hits += lo <= true_mean <= hi
    assert abs(hits / reps - 0.95) <= 0.02


def test_paired_ci_matches_ttest_rel():
    a = np.array([10.0, 12.0, 9.5, 11.0, 13.0, 10.5])
    b = np.array([9.0, 11.5, 9.0, 10.0, 12.0, 10.4])
    m, lo, hi = paired_ci(a, b)
    ci = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert m == pytest.approx(np.mean(a - b))
    assert (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_paired_ci_drops_incomplete_pairs_and_checks_length():
    m, lo, hi = paired_ci([1.0, 2.0, np.nan, 4.0], [0.0, 1.5, 2.0, np.nan])
    assert (m, lo, hi) == pytest.approx(mean_ci([1.0, 0.5]))
    with pytest.raises(ValueError):
        paired_ci([1.0, 2.0], [1.0])


def test_welch_ci_matches_scipy():
    a = np.array([5.1, 4.9, 5.6, 5.8, 6.0, 5.2, 4.7])
    b = np.array([4.0, 4.5, 3.9, 5.5, 4.2])
    m, lo, hi = welch_ci(a, b)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert m == pytest.approx(a.mean() - b.mean())
    assert (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_welch_ci_edge_cases():
    assert welch_ci([1.0, 1.0], [0.0, 0.0]) == (1.0, 1.0, 1.0)
    m, lo, hi = welch_ci([1.0], [0.0, 2.0])
    assert m == 0.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in welch_ci([], [1.0, 2.0]))


def test_paired_narrower_than_welch_under_positive_correlation():
    # Common random numbers: both scenarios see the same replication noise.
    rng = np.random.default_rng(7)
    common = rng.normal(0.0, 5.0, size=20)
    a = 100.0 + common + rng.normal(0.0, 0.5, size=20)
    b = 98.0 + common + rng.normal(0.0, 0.5, size=20)
    assert np.corrcoef(a, b)[0, 1] > 0.9
    _, plo, phi = paired_ci(a, b)
    _, wlo, whi = welch_ci(a, b)
    assert (phi - plo) < 0.5 * (whi - wlo)
    assert plo > 0, "the paired interval sees the true difference of 2"


def test_one_replication_summary_imports_no_scipy() -> None:
    """A run of one replication has no interval: summarizing it never waits for SciPy's
    import, and two replications get the textbook t quantile (12.706 for 1 d.f.)."""
    import subprocess
    import sys

    code = (
        "import sys; import pandas as pd; from sim.metrics.summary import summarize\n"
        "frame = pd.DataFrame({'group': ['all'], 'member': [''], 'kpi': ['asa_s'],"
        " 'value': [12.0]})\n"
        "s = summarize(frame); assert s['n'].tolist() == [1] and s['half_width'].isna().all()\n"
        "bad = [m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    from sim.metrics.stats import t_quantiles

    assert t_quantiles(np.array([1.0, np.nan]), 0.975)[0] == pytest.approx(12.7062047, rel=1e-7)
    assert np.isnan(t_quantiles(np.array([np.nan]), 0.975)).all()
