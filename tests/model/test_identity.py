"""Agents with identity (issue 21 item 9): tenure multipliers and sticky recontacts.

Oracles: a pool all at 1.3x is the intent's handle time x 1.3 (same trajectory up to
float rounding); busy agent-seconds are exactly the handle times worked in the window;
each group works at exactly its multiplier; a mixed pool at light load is as busy as
the renewal argument below says; recontacts find their previous agent at chance (1/c)
without stickiness and always with it; the uplift moves contacts per need and
resolution to their closed forms (a geometric series in the resolution probability).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.experiment.staffing_erlang import pool_loads
from sim.metrics import replication_kpis
from sim.metrics.identity import previous_agent
from sim.model import simulate
from sim.records import HANDLED
from sim.scenario.identity import tenure_plan
from tests.model.helpers import all_kpis, assert_close_to_truth, base, build, pick

NEW_HIRES = [{"name": "new_hires", "share": 0.3, "handle_time": 1.5}]


def _window_busy(c: dict, warmup: float, end: float) -> float:
    """Agent-seconds of handling inside [warmup, end): each contact's overlap."""
    answer = c["answer_s"][c["pool"] >= 0]
    stop = answer + c["handle_s"][c["pool"] >= 0]
    return float(np.clip(np.minimum(stop, end) - np.maximum(answer, warmup), 0, None).sum())


def test_a_pool_all_at_1_3x_is_the_intent_at_1_3x():
    """Everything the customer sees is the same, up to float rounding."""
    common = dict(horizon="20h", warmup="1h", seed=3,
                  channels={"phone": {"kind": "voice",
                                      "patience": {"dist": "exponential", "mean": "2min"}}},
                  demand=[{"channel": "phone", "rate": "3.5/min"}])
    tenure = build(base(**common, pools={"agents": {"size": 5, "channels": ["phone"], "tenure": [
        {"name": "all", "share": 1, "handle_time": 1.3}]}}))
    slower = build(base(**common, intents={"general": {"handle_time": {
        "dist": "exponential", "mean": "78s"}}}, pools={"agents": {"size": 5,
                                                                    "channels": ["phone"]}}))
    for r in (0, 1):
        a, b = simulate(tenure, r).contacts, simulate(slower, r).contacts
        assert a["outcome"].size == b["outcome"].size > 3000
        np.testing.assert_array_equal(a["outcome"], b["outcome"])
        for col in ("wait_s", "handle_s", "end_s"):
            np.testing.assert_allclose(a[col], b[col], rtol=1e-9, equal_nan=True)
        assert "agent" in a and "agent" not in b  # only identity scenarios record agents


def test_busy_time_is_the_handle_time_worked_and_each_group_works_at_its_multiplier():
    """Deterministic 60 s contacts: an agent of a group takes exactly 60 s x multiplier,
    also in a pool whose agents come and go; the busy area is the handling done."""
    headcount = [2, 2, 2, 2, 2, 2, 4, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10, 8, 6, 4, 3, 2, 2, 2]
    groups = [{"name": "new_hires", "share": 0.2, "handle_time": 1.3},
              {"name": "experts", "share": 0.1, "handle_time": 0.75}]
    sc = build(base(horizon="2d", warmup="0s", demand=[
        {"channel": "phone", "rate": "4/min"}],
        intents={"general": {"handle_time": {"dist": "deterministic", "value": "60s"}}},
        pools={"agents": {"schedule": {"interval": "1h", "headcount": headcount},
                          "channels": ["phone"], "tenure": groups}}))
    rec = simulate(sc, 0)
    c = rec.contacts
    done = (c["outcome"] == HANDLED)
    plan = rec.extra["tenure"]["agents"]["plan"]
    multipliers = np.array([1.3, 0.75, 1.0])
    assert list(plan) == list(tenure_plan([0.2, 0.1, 0.7], plan.size))
    expected = 60.0 * multipliers[plan[c["agent"][done]]]
    np.testing.assert_allclose(c["handle_s"][done], expected, rtol=1e-12)
    assert set(np.unique(plan[c["agent"][done]])) == {0, 1, 2}
    # every agent number of the shifts (up to 10 on duty) belongs to its group
    assert c["agent"][done].max() >= 9
    busy = float(rec.pool_busy_s.sum())
    assert busy == pytest.approx(_window_busy(c, 0.0, rec.end_s), rel=1e-9)
    k = replication_kpis(rec)
    tenure = k[k.group == "tenure"].set_index(["member", "kpi"]).value
    assert tenure[("agents/new_hires", "aht_s")] == pytest.approx(78.0)
    assert tenure[("agents/experts", "aht_s")] == pytest.approx(45.0)
    assert tenure[("agents/standard", "aht_s")] == pytest.approx(60.0)
    shares = [tenure[(f"agents/{g}", "handled_share")] for g in ("new_hires", "experts",
                                                                  "standard")]
    assert sum(shares) == pytest.approx(1.0)
    work = k[(k.group == "pool") & (k.kpi == "handle_multiplier")].value.iloc[0]
    assert work == pytest.approx(float(np.dot(shares, multipliers)), rel=1e-9)


@pytest.mark.slow
def test_a_mixed_pool_at_light_load_is_as_busy_as_the_renewal_argument_says():
    """M/M/10 at 3 Erlangs, 30% of agents at 1.5x. At light load a caller never waits
    and a freed agent joins the back of the idle line, so each agent's cycle is its own
    service plus the same wait W in that line: agent i takes 1/(W + m_i h) contacts per
    minute, and these add up to the arrival rate. Utilisation = 1 - W lambda / c: 0.3406
    here, between 0.333 (the harmonic mean of the multipliers, all agents busy) and
    0.345 (the arithmetic mean, equal shares), against 0.30 at standard speed."""
    c, lam = 10, 3.0
    d = base(horizon="60h", warmup="2h", replications=10, seed=5,
             demand=[{"channel": "phone", "rate": f"{lam}/min"}],
             pools={"agents": {"size": c, "channels": ["phone"], "tenure": NEW_HIRES}})
    k = all_kpis(build(d))
    w = brentq(lambda w: 3 / (w + 1.5) + 7 / (w + 1.0) - lam, 0.01, 100)
    truth = 1 - w * lam / c
    util = pick(k, "utilization")
    assert_close_to_truth(util, truth, max_rel_se=0.01, rel_floor=0.005)
    assert 0.3333 < util.mean() < 0.345
    # the slower agents take fewer contacts than their 30% of the pool
    share = pick(k, "handled_share", "tenure", "agents/new_hires")
    assert 0.25 < share.mean() < 0.29


def test_the_erlang_load_counts_the_pools_mean_multiplier():
    plain = build(base(pools={"agents": {"size": 50, "channels": ["phone"]}}))
    mixed = build(base(pools={"agents": {"size": 50, "channels": ["phone"],
                                         "tenure": NEW_HIRES}}))
    a = pool_loads(plain, 3600.0, 24)["agents"]["work"]
    b = pool_loads(mixed, 3600.0, 24)["agents"]["work"]
    np.testing.assert_allclose(b, a * 1.15, rtol=1e-12)  # 0.3 x 1.5 + 0.7
    assert a[0, 0] == pytest.approx(45.0)  # 45/min x 1 min


def _journeys(share: float, *, wait: str = "1h", uplift: float = 0.0, agents: int = 5,
              rate: str = "1/min", resolution: float = 0.5, attempts: int = 3,
              reps: int = 4, sticky: bool = True) -> dict:
    rc: dict = {"probability": 1.0, "delay": {"dist": "exponential", "mean": "1h"},
                "max_attempts": attempts}
    if sticky:
        rc["sticky"] = {"share": share, "wait_up_to": wait, "resolution_uplift": uplift}
    return base(horizon="40h", warmup="2h", replications=reps, seed=17,
                demand=[{"channel": "phone", "rate": rate}],
                intents={"general": {"handle_time": {"dist": "exponential", "mean": "1min"},
                                     "resolution": resolution}},
                recontact=rc, pools={"agents": {"size": agents, "channels": ["phone"]}})


def test_without_stickiness_a_recontact_finds_its_agent_by_chance():
    """Five identical agents, longest-idle routing, an hour between contacts: the agent
    answering a recontact is any of the five, so its previous one with chance 1/5."""
    k = all_kpis(build(_journeys(0.0, wait="0s")))
    assert_close_to_truth(pick(k, "same_agent_rate"), 0.2, max_rel_se=0.05, rel_floor=0.03)


def test_with_stickiness_and_ample_staff_every_recontact_gets_its_agent():
    k = all_kpis(build(_journeys(1.0, reps=2)))
    rate = pick(k, "same_agent_rate")
    assert rate.min() == 1.0
    assert pick(k, "other_agent_resolution_rate").size == 2  # NaN: none went elsewhere


def test_a_sticky_recontact_waits_for_its_agent_up_to_the_limit_then_goes_elsewhere():
    """A busy pool (80% utilisation), everyone comes back, all sticky with up to 3 min:
    no other agent answers a recontact before it has waited 3 min for its own (then it
    joins the queue, where its own agent may still pick it up by chance)."""
    sc = build(_journeys(1.0, wait="3min", agents=3, rate="1.6/min", resolution=0.5,
                         attempts=2, reps=1))
    rec = simulate(sc, 0)
    c = rec.contacts
    recontact, same = previous_agent(rec)
    waits_same = c["wait_s"][same]
    waits_other = c["wait_s"][recontact & ~same]
    assert waits_same.size > 300 and waits_other.size > 50
    assert waits_other.min() >= 180.0 - 1e-6
    assert (waits_same <= 180.0).mean() > 0.9 and (waits_same > 0).mean() > 0.2
    # and the model's own bookkeeping agrees with the records
    assert (c["attempt"][same] > 0).all()


@pytest.mark.slow
def test_the_uplift_moves_resolution_and_contacts_per_need_to_the_closed_form():
    """p = 0.5 at every contact, everyone unresolved comes back, at most 3 contacts.
    With every recontact answered by its previous agent and an uplift of 0.3, the
    second and third contacts resolve with q = 0.8:
    contacts per need 1 + (1 - p) + (1 - p)(1 - q) = 1.6 (1.75 without the uplift),
    resolution p + (1 - p) q + (1 - p)(1 - q) q = 0.98 (0.875 without).
    FCR and the recontact rate are decided at the first contact: 0.5 in both."""
    sticky = all_kpis(build(_journeys(1.0, uplift=0.3)))
    plain = all_kpis(build(_journeys(0.0, sticky=False)))
    for kpis, contacts, resolved in ((sticky, 1.6, 0.98), (plain, 1.75, 0.875)):
        assert_close_to_truth(pick(kpis, "contacts_per_journey"), contacts, max_rel_se=0.01)
        assert_close_to_truth(pick(kpis, "resolution_rate"), resolved, max_rel_se=0.01)
        assert_close_to_truth(pick(kpis, "fcr"), 0.5, max_rel_se=0.02)
        assert_close_to_truth(pick(kpis, "recontact_rate"), 0.5, max_rel_se=0.02)
    assert_close_to_truth(pick(sticky, "same_agent_resolution_rate"), 0.8, max_rel_se=0.02)


def test_a_chance_match_gets_the_uplift_too():
    """No stickiness, an uplift of 0.4: recontacts that happen to reach their previous
    agent resolve with 0.5 + 0.4, the others with 0.5."""
    k = all_kpis(build(_journeys(0.0, wait="0s", uplift=0.4, agents=2)))
    assert_close_to_truth(pick(k, "same_agent_resolution_rate"), 0.9, max_rel_se=0.03,
                          rel_floor=0.02)
    assert_close_to_truth(pick(k, "other_agent_resolution_rate"), 0.5, max_rel_se=0.05,
                          rel_floor=0.03)
