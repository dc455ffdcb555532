"""After-call work: the agent stays busy after the customer left.

On a stable M/M/c queue with wrap-up, the agents are busy for talk + ACW per contact:
the mean number of busy agents is lambda * (E[talk] + E[ACW]) (Little's law on the
servers), so wrap-up raises it by exactly lambda * E[ACW] and utilisation by
lambda * E[ACW] / n. The customer's handle time excludes it; AHT includes it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics import replication_kpis
from sim.model import simulate
from tests.model.helpers import base, build, pick

LAM = 2.0 / 60  # contacts per second
TALK_S, ACW_S, AGENTS = 180.0, 60.0, 10


def _scenario(acw: bool):
    intent = {"handle_time": {"dist": "exponential", "mean": "3min"}}
    if acw:
        intent["after_call_work"] = {"dist": "exponential", "mean": "1min"}
    return build(base(horizon="150h", warmup="5h", replications=6,
                      demand=[{"channel": "phone", "rate": "2/min"}],
                      intents={"general": intent},
                      pools={"agents": {"size": AGENTS, "channels": ["phone"]}}))


def _frames(sc):
    return [replication_kpis(simulate(sc, r)) for r in range(sc.replications)]


def _within(values: np.ndarray, expected: float) -> None:
    se = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - expected) < 4 * se + 1e-3 * expected, (values, expected)


@pytest.fixture(scope="module")
def runs():
    return _frames(_scenario(False)), _frames(_scenario(True))


def test_wrap_up_raises_busy_agents_by_lambda_times_acw(runs):
    plain, wrapped = runs
    busy0 = np.array([pick(k, "busy_agents_mean")[0] for k in plain])
    busy1 = np.array([pick(k, "busy_agents_mean")[0] for k in wrapped])
    _within(busy0, LAM * TALK_S)                 # 6 agents busy without wrap-up
    _within(busy1, LAM * (TALK_S + ACW_S))       # 8 with it
    _within(busy1 - busy0, LAM * ACW_S)          # the rise: lambda * E[ACW] = 2
    util1 = np.array([pick(k, "utilization")[0] for k in wrapped])
    util0 = np.array([pick(k, "utilization")[0] for k in plain])
    _within(util1 - util0, LAM * ACW_S / AGENTS)  # +0.2


def test_aht_is_talk_plus_acw_and_the_customer_does_not_wait_through_it(runs):
    plain, wrapped = runs
    k = wrapped[0]
    talk, acw, aht = (pick(k, n)[0] for n in ("talk_s", "acw_s", "aht_s"))
    assert aht == pytest.approx(talk + acw, rel=1e-9)
    assert talk == pytest.approx(TALK_S, rel=0.03)
    assert acw == pytest.approx(ACW_S, rel=0.03)
    assert "talk_s" not in set(plain[0].kpi)  # without wrap-up: aht_s only, as before
    sc = _scenario(True)
    rec = simulate(sc, 0)
    handled = rec.contacts["outcome"] == 0
    end = rec.contacts["end_s"][handled]
    answer = rec.contacts["answer_s"][handled]
    # the contact ends for the customer when the talk ends
    assert np.allclose(end - answer, rec.contacts["handle_s"][handled])
    assert rec.acw_s is not None and rec.acw_s[handled].mean() == pytest.approx(60, rel=0.05)


def test_wrap_up_draws_its_own_stream():
    """Common random numbers: the arrivals and talk times are unchanged by wrap-up."""
    a, b = simulate(_scenario(False), 1), simulate(_scenario(True), 1)
    n = 500
    assert np.array_equal(a.contacts["arrival_s"][:n], b.contacts["arrival_s"][:n])
