"""Round trip: simulate a known scenario, export its log, calibrate, compare with the truth.

Tolerances are statistical: counts against their Poisson standard deviation, means
against a few standard errors of the sample behind them; never a pinned number.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.calibrate import (
    Calibration,
    FitOptions,
    calibrate,
    read_contacts,
    read_event_log,
    schema_support,
    write_scenario,
)
from sim.experiment import run

from .conftest import (
    HANDLE_MEAN_S,
    PATIENCE_MEAN_S,
    PHONE_DAYS,
    POOL_SIZE,
    RATES,
    RESOLUTION,
    Simulated,
    hourly_truth,
)

WEEK_H = 7 * 24


@pytest.fixture(scope="module")
def fitted(simulated: Simulated) -> Calibration:
    """Calibrated from the event log, hourly profiles, the true headcount."""
    log = read_event_log(simulated.event_log)
    return calibrate(log, FitOptions(interval_s=3600.0, pool_sizes={"agents": POOL_SIZE}))


def test_rates_per_line_and_hour(fitted: Calibration) -> None:
    lines = {(line.channel, line.intent): line for line in fitted.lines}
    assert set(lines) == set(RATES)
    for key, line in lines.items():
        truth_week = hourly_truth(*key).mean() * WEEK_H
        fit_week = line.rate_per_s * 3600 * WEEK_H
        assert abs(fit_week - truth_week) < 4.5 * math.sqrt(truth_week), key
        # each hour of the day: the week's count against its Poisson spread
        expected = hourly_truth(*key) * 7
        z = (line.hourly_rate() * 7 - expected) / np.sqrt(expected)
        assert np.abs(z).max() < 4.5, (key, np.round(z, 1))


def test_day_factors(fitted: Calibration) -> None:
    truth = np.asarray(PHONE_DAYS) / np.mean(PHONE_DAYS)
    for line in fitted.lines:
        assert line.day_factors is not None
        expected = truth if line.channel == "phone" else np.ones(7)
        per_day = line.rate_per_s * 86400 * expected  # arrivals on one such day
        se = expected / np.sqrt(per_day)
        assert np.all(np.abs(line.day_factors - expected) < 4.5 * se), (line.channel,
                                                                         line.day_factors)


def test_handle_time_means_and_shapes(fitted: Calibration) -> None:
    for name, mean in HANDLE_MEAN_S.items():
        h = fitted.intents[name].handle
        assert h is not None
        cv = 0.8 if name == "billing" else 0.6
        assert abs(h.mean_s - mean) < 4 * mean * cv / math.sqrt(h.n), (name, h.mean_s)
    assert fitted.intents["billing"].handle.dist == "lognormal"
    assert fitted.intents["tech"].handle.dist == "gamma"
    assert set(fitted.intents["tech"].handle.aic) == {"lognormal", "gamma", "exponential"}


def test_patience_is_unbiased_where_the_naive_mean_fails(fitted: Calibration) -> None:
    for name, mean in PATIENCE_MEAN_S.items():
        p = fitted.channels[name].patience
        assert p is not None and p.dist == "exponential"
        assert abs(p.mean_s - mean) < 4 * mean / math.sqrt(p.n_abandoned), (name, p.mean_s)
        assert p.naive_mean_s < 0.5 * mean  # short waits: abandoned waits say little
        for _, km, model in p.km:  # Kaplan-Meier agrees with the fitted exponential
            assert abs(km - model) < 0.05


@pytest.mark.skipif(not schema_support().recontact, reason="schema without recontact")
def test_resolution_recontact_retry_and_switching(fitted: Calibration) -> None:
    for name, p in RESOLUTION.items():
        got, n = fitted.intents[name].resolution
        assert abs(got - p) < 4 * math.sqrt(p * (1 - p) / n), (name, got)
    j = fitted.journeys
    assert j is not None and j.resolution_known
    assert abs(j.recontact.probability - 0.7) < 0.07
    assert abs(j.recontact.delay.mean_s - 7200) < 0.15 * 7200
    assert j.retry is not None and abs(j.retry.probability - 0.5) < 0.07
    assert abs(j.retry.delay.mean_s - 600) < 0.15 * 600
    assert abs(j.switch["phone"]["chat"] - 0.2) < 0.05
    assert "chat" not in j.switch  # chat customers never switch
    assert j.max_attempts == 4


def test_contact_log_and_event_log_give_the_same_fit(simulated: Simulated,
                                                     fitted: Calibration) -> None:
    log = read_contacts(simulated.contact_log)
    other = calibrate(log, FitOptions(interval_s=3600.0, pool_sizes={"agents": POOL_SIZE}))
    assert log.n == fitted.log.n
    for a, b in zip(fitted.lines, other.lines, strict=True):
        assert a.n == b.n and a.rate_per_s == pytest.approx(b.rate_per_s)
    for name in HANDLE_MEAN_S:
        assert other.intents[name].handle.mean_s == pytest.approx(
            fitted.intents[name].handle.mean_s, rel=1e-4)
    for name in PATIENCE_MEAN_S:
        assert other.channels[name].patience.mean_s == pytest.approx(
            fitted.channels[name].patience.mean_s, rel=1e-4)


KPIS = ("offered", "abandon_rate", "asa_s", "aht_s", "service_level", "fcr",
        "recontact_rate", "utilization")


def test_recalibrated_kpis_fall_within_the_originals_cis(simulated: Simulated,
                                                         fitted: Calibration,
                                                         tmp_path: Path) -> None:
    scenario = write_scenario(fitted, tmp_path / "recalibrated.yaml")
    recal = run(scenario, replications=4, executor="serial", keep_contacts=False,
                keep_intervals=False)
    orig = simulated.results
    for kpi in KPIS:
        o, r = orig.kpi(kpi), recal.kpi(kpi)
        # the two CIs overlap, with a small allowance for the estimation error of
        # parameters fitted from a single week
        hw_o, hw_r = o["half_width"], r["half_width"]
        assert abs(r["mean"] - o["mean"]) <= hw_o + hw_r + 0.05 * abs(o["mean"]), (
            kpi, o["mean"], r["mean"])
