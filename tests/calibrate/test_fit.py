"""Estimators on synthetic data with a known answer: patience under censoring, AIC
choice of handle-time shapes, the product-form arrival fit, repeats under censoring."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.arrivals import fit_product, period_of
from sim.calibrate.dists import fit_durations, fit_patience, kaplan_meier
from sim.calibrate.repeats import fit_repeats, link


def queue(patience: np.ndarray, wait: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a log shows: the wait until answer or abandonment, and whether abandoned."""
    abandoned = patience < wait
    return np.where(abandoned, patience, wait), abandoned


def test_censored_patience_is_unbiased_where_the_naive_mean_fails() -> None:
    rng = np.random.default_rng(1)
    n, true_mean = 20_000, 300.0
    waits, abandoned = queue(rng.exponential(true_mean, n), rng.exponential(20.0, n))
    fit = fit_patience(waits, abandoned)
    assert fit is not None and fit.dist == "exponential"
    naive = waits[abandoned].mean()
    assert naive == pytest.approx(fit.naive_mean_s)
    assert abs(naive - true_mean) > 0.8 * true_mean  # the naive mean is far off ...
    se = true_mean / math.sqrt(fit.n_abandoned)
    assert abs(fit.mean_s - true_mean) < 4 * se  # ... the censored MLE is not
    assert fit.mean_s == pytest.approx(waits.sum() / abandoned.sum())
    for _, km, model in fit.km:
        assert abs(km - model) < 0.03


def test_censored_lognormal_is_chosen_when_it_fits_better() -> None:
    rng = np.random.default_rng(2)
    n, mean, cv = 20_000, 240.0, 1.5
    s2 = math.log1p(cv * cv)
    patience = rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)
    waits, abandoned = queue(patience, rng.exponential(120.0, n))
    fit = fit_patience(waits, abandoned)
    assert fit is not None and fit.dist == "lognormal"
    assert fit.aic["lognormal"] < fit.aic["exponential"] - 2
    assert fit.mean_s == pytest.approx(mean, rel=0.15)
    assert fit.cv == pytest.approx(cv, rel=0.2)


def test_nobody_abandons_means_no_patience() -> None:
    assert fit_patience(np.array([1.0, 5.0, 0.0]), np.array([False, False, False])) is None


def test_kaplan_meier_without_censoring_is_the_empirical_survival() -> None:
    w = np.array([1.0, 2.0, 2.0, 4.0])
    times, surv = kaplan_meier(w, np.ones(4, dtype=bool))
    assert times.tolist() == [1.0, 2.0, 4.0]
    assert surv.tolist() == pytest.approx([0.75, 0.25, 0.0])


@pytest.mark.parametrize(("dist", "draw"), [
    ("lognormal", lambda r, n: r.lognormal(5.0, 0.7, n)),
    ("gamma", lambda r, n: r.gamma(3.0, 80.0, n)),
    ("exponential", lambda r, n: r.exponential(200.0, n)),
])
def test_handle_time_shape_is_chosen_by_aic(dist: str, draw) -> None:  # noqa: ANN001
    x = draw(np.random.default_rng(3), 4000)
    fit = fit_durations(np.append(x, [0.0, np.nan]))
    assert fit is not None and fit.dist == dist, fit.aic
    assert fit.left_out == 1 and fit.n == 4000
    assert fit.mean_s == pytest.approx(x.mean(), rel=0.03)
    assert min(fit.aic.values()) == fit.aic[dist]


def test_product_fit_recovers_profile_and_day_factors_with_uneven_exposure() -> None:
    rng = np.random.default_rng(4)
    w = np.array([0.5, 1.5] * 12)
    f = np.array([1.2, 1.2, 1.2, 1.2, 1.2, 0.6, 0.4])
    exposure = rng.integers(2, 6, size=(7, 24)).astype(float)  # slots seen 2-5 times
    rate = 100 / 3600
    counts = rng.poisson(rate * 3600 * np.outer(f, w) * exposure)
    got_rate, got_w, got_f = fit_product(counts, exposure, 3600.0, True)
    assert got_f is not None
    assert got_w == pytest.approx(w / w.mean(), rel=0.06)
    assert got_f == pytest.approx(f / f.mean(), rel=0.06)
    assert got_rate == pytest.approx(rate * f.mean(), rel=0.03)


def test_period_covers_whole_intervals_and_counts_exposure() -> None:
    times = pd.Series(pd.to_datetime(["2024-01-01 08:10", "2024-01-03 17:59"]))
    p = period_of(times, 1800.0)
    assert p.start == pd.Timestamp("2024-01-01 08:00") and p.end == pd.Timestamp(
        "2024-01-03 18:00")
    assert p.exposure.sum() == p.span_s / 1800 and p.clock_start_s == 8 * 3600
    assert p.weekdays_covered == 3  # Mon from 08:00, Tue, Wed until 18:00: each >= half a day


def test_repeat_probability_is_corrected_for_censoring() -> None:
    """Customers come back with p = 0.6 after ~exp(2 days); the log ends before many do."""
    rng = np.random.default_rng(5)
    n, p, delay = 4000, 0.6, 2 * 86400.0
    start = pd.Timestamp("2024-01-01")
    t0 = rng.uniform(0, 5 * 86400, n)
    back = rng.random(n) < p
    t1 = t0 + 60 + rng.exponential(delay, n)
    end_s = 5.5 * 86400
    rows = [(f"c{i}", t0[i], 0.0) for i in range(n)]
    rows += [(f"c{i}", t1[i], 1.0) for i in range(n) if back[i] and t1[i] < end_s]
    frame = pd.DataFrame(rows, columns=["case", "t", "resolved"])
    frame = pd.DataFrame({
        "line": np.arange(len(frame)), "case": frame["case"],
        "arrival": start + pd.to_timedelta(frame["t"], unit="s"), "channel": "phone",
        "intent": "general", "segment": None, "pool": "agents", "wait_s": 0.0,
        "handle_s": 60.0, "outcome": "answered", "resolved": frame["resolved"]})
    linked = link(frame, 7 * 86400.0, use_resolution=True)
    fit = fit_repeats(linked, start + pd.Timedelta(seconds=end_s), 7 * 86400.0, True)
    seen = fit.recontact.n_back / fit.recontact.n_from
    assert seen < 0.5  # the plain share is biased low by the end of the log ...
    assert fit.recontact.probability == pytest.approx(p, abs=0.06)  # ... the estimate is not
    assert fit.recontact.delay.mean_s == pytest.approx(delay, rel=0.2)
    assert fit.recontact.delay.dist in ("exponential", "gamma")
