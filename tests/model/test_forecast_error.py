"""Correlated forecast error: a daily multiplier shared by every demand line.

With ``forecast_error: {cv: c}`` each clock day draws one gamma multiplier G (mean 1,
CV c) that scales every line; a line's ``dispersion`` c_i adds its own multiplier
M_i. A line with daily mean mu_i then has N_i ~ Poisson(mu_i G M_i), so

    Cov(N_i, N_j) = mu_i mu_j c^2                      (i != j)
    Var(sum N_i)  = sum mu_i + c^2 (sum mu_i)^2 + (1 + c^2) sum mu_i^2 c_i^2.

Without the shared multiplier the lines are independent (correlation 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.world import World
from tests.model.helpers import base, build

DAYS = 2000
MU = (200.0, 300.0)      # daily means of the two lines
CV, DISP = 0.1, 0.05     # shared CV; the second line's own dispersion


def _scenario(shared: float | None):
    extra = {} if shared is None else {"forecast_error": {"cv": shared}}
    return build(base(horizon=f"{DAYS}d", warmup="0s", run_out="0s", replications=1,
                      interval="1d", channels={"phone": {"kind": "voice"},
                                               "chat": {"kind": "chat"}},
                      demand=[{"channel": "phone", "rate": f"{MU[0]:g}/day"},
                              {"channel": "chat", "rate": f"{MU[1]:g}/day",
                               "dispersion": DISP}],
                      pools={"agents": {"size": 1, "channels": ["phone", "chat"]}},
                      **extra))


def _daily(shared: float | None) -> tuple[np.ndarray, object]:
    """Arrivals of each line on each day, (days, 2), and the demand that drew them."""
    demand = World(_scenario(shared), 0).demand
    out = np.empty((DAYS, 2))
    for d in range(DAYS):
        batch = demand.batch(d * 86400.0, (d + 1) * 86400.0)
        out[d] = np.bincount(batch.line, minlength=2)
    return out, demand


@pytest.fixture(scope="module")
def correlated():
    return _daily(CV)


def test_lines_are_correlated_through_the_shared_multiplier(correlated):
    counts, _ = correlated
    r = np.corrcoef(counts[:, 0], counts[:, 1])[0, 1]
    var0 = MU[0] + MU[0] ** 2 * CV**2
    var1 = MU[1] + MU[1] ** 2 * ((1 + CV**2) * (1 + DISP**2) - 1)
    expected = MU[0] * MU[1] * CV**2 / np.sqrt(var0 * var1)  # about 0.72
    se = (1 - expected**2) / np.sqrt(DAYS)
    assert r > 0.5 and abs(r - expected) < 4 * se
    alone, _ = _daily(None)  # without it: independent lines
    assert abs(np.corrcoef(alone[:, 0], alone[:, 1])[0, 1]) < 4 / np.sqrt(DAYS)


def test_variance_of_total_daily_volume_matches_closed_form(correlated):
    counts, _ = correlated
    total = counts.sum(axis=1)
    mu = np.asarray(MU)
    disp = np.array([0.0, DISP])
    var = mu.sum() + CV**2 * mu.sum() ** 2 + (1 + CV**2) * np.sum(mu**2 * disp**2)
    assert total.mean() == pytest.approx(mu.sum(), rel=4 * np.sqrt(var / DAYS) / mu.sum())
    # the sample variance's relative standard error is about sqrt(2 / (days - 1))
    assert total.var(ddof=1) == pytest.approx(var, rel=4 * np.sqrt(2 / (DAYS - 1)))
    # far above the variance without it (Poisson plus the line's own noise)
    assert var > 3 * (mu.sum() + np.sum(mu**2 * disp**2))


def test_without_forecast_error_nothing_changes():
    plain, demand = _daily(None)
    assert "forecast-error" not in demand.streams._cache
    zero, _ = _daily(0.0)
    assert np.array_equal(plain, zero)
