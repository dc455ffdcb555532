"""Issue 21 items 6 and 7: a backlog at the start, and outages that drop work in progress.

Backlog: 400 emails waiting at time 0, no arrivals, 5 agents, a fixed 10 min handle
time: the team clears them in exactly 400 x 600 s / 5 = 48,000 s, oldest first, and
each wait counts the email's age (1 day): mean wait 86,400 + 600 x 39.5 s.

Drops: a telephony outage with ``drops`` ends the calls in queue and in service with
outcome ``dropped``; their customers come back per ``recontact.retry`` or, without
one, per the default outage retry; without ``drops`` the records do not change.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from sim.invariants import check_records
from sim.metrics import replication_kpis
from sim.metrics.intervals import interval_table
from sim.model import simulate
from sim.model.outages import DEFAULT_RETRY
from sim.records import BLOCKED, DROPPED
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load
from sim.scenario.schema import Scenario
from tests.model.helpers import base, build, pick

N, HANDLE_S, AGENTS, AGE_S = 400, 600.0, 5, 86400.0


def _backlog(warmup: str = "0s", handle=None, age="1d", rate="0/h") -> Scenario:
    return build(base(
        horizon="2d", warmup=warmup, replications=1,
        channels={"email": {"kind": "email"}},
        demand=[{"channel": "email", "rate": rate}],
        intents={"billing": {"handle_time": handle or {"dist": "deterministic",
                                                       "value": "10min"}}},
        pools={"back": {"size": AGENTS, "channels": ["email"]}},
        initial_backlog=[{"channel": "email", "intent": "billing", "count": N, "age": age}]))


def test_backlog_drains_at_the_service_rate_and_waits_include_the_age():
    r = simulate(_backlog(), 0)
    check_records(r)
    c = r.contacts
    assert r.n_contacts == N
    assert (c["arrival_s"] == -AGE_S).all()
    assert np.nanmax(c["end_s"]) == pytest.approx(N * HANDLE_S / AGENTS)  # 48,000 s
    # 80 rounds of 5: the k-th email waits its age plus (k // 5) handle times
    expected = AGE_S + HANDLE_S * (np.arange(N) // AGENTS)
    assert np.sort(c["wait_s"]) == pytest.approx(expected)
    assert c["wait_s"].mean() == pytest.approx(AGE_S + HANDLE_S * 39.5)
    # warm-up 0: the backlog is in the measured window
    assert c["in_window"].all()
    k = replication_kpis(r)
    assert pick(k, "handled")[0] == N
    assert pick(k, "asa_s", "channel", "email")[0] == pytest.approx(AGE_S + HANDLE_S * 39.5)
    # backlog over time: the count waiting at each interval end falls by 15 a half hour
    it = interval_table(r)
    waiting = it[it.scope == "channel"].waiting_end.to_numpy()
    assert waiting[:3].tolist() == [380.0, 365.0, 350.0]
    assert waiting[27:].max() == 0


def test_backlog_drains_at_the_rate_with_random_handle_times():
    sc = _backlog(handle={"dist": "exponential", "mean": "10min"},
                  age={"dist": "uniform", "low": "0s", "high": "3d"})
    clear = [np.nanmax(simulate(sc, r).contacts["end_s"]) for r in range(4)]
    assert np.mean(clear) == pytest.approx(N * HANDLE_S / AGENTS, rel=0.06)
    c = simulate(sc, 0).contacts
    ages = -c["arrival_s"]
    assert (ages >= 0).all() and ages.max() <= 3 * AGE_S and ages.max() > 2.5 * AGE_S
    assert (c["wait_s"] >= ages).all()  # the wait counts from the age
    assert (np.diff(c["answer_s"][np.argsort(c["arrival_s"], kind="stable")]) >= 0).all()


def test_backlog_belongs_to_the_warm_up_when_there_is_one():
    r = simulate(_backlog(warmup="1h", rate="2/h"), 0)
    check_records(r)
    c = r.contacts
    backlog = c["arrival_s"] < 0
    assert backlog.sum() == N and not c["in_window"][backlog].any()
    # fresh emails wait behind the backlog (oldest first)
    fresh = ~backlog & (c["arrival_s"] < 3600)
    assert fresh.any() and (c["answer_s"][fresh] >= 47_000).all()


def test_backlog_must_be_on_an_email_channel():
    d = base(initial_backlog=[{"channel": "phone", "count": 3}])
    with pytest.raises(ScenarioError, match="backlog at the start is of emails"):
        Scenario.from_dict(d)


# -- outages that drop work in progress ------------------------------------------------
def _outage(target: str = "phone", drops: bool = True, retry: bool = True) -> Scenario:
    d = base(horizon="1d", warmup="0s", replications=1,
             channels={"phone": {"kind": "voice",
                                 "patience": {"dist": "exponential", "mean": "5min"}}},
             demand=[{"channel": "phone", "rate": "2/min"}],
             intents={"general": {"handle_time": {"dist": "exponential", "mean": "5min"}}},
             pools={"agents": {"size": 10, "channels": ["phone"]}},
             outages=[{"target": target, "at": "Mon 10:00", "for": "30min", "drops": drops}])
    if retry:
        d["recontact"] = {"probability": 0.0, "delay": "1h",
                          "retry": {"probability": 1.0,
                                    "delay": {"dist": "exponential", "mean": "20min"}}}
    return build(d)


T_DOWN = 10 * 3600.0


def _later(r, rows) -> int:
    """Contacts after the outage start of the journeys of ``rows`` (their comebacks)."""
    c = r.contacts
    journeys = np.unique(c["journey_id"][rows])
    return int((np.isin(c["journey_id"], journeys) & (c["arrival_s"] > T_DOWN)).sum())


@pytest.mark.parametrize("target", ["phone", "agents"])
def test_a_dropping_outage_cuts_calls_and_customers_retry(target):
    r = simulate(_outage(target), 0)
    check_records(r)
    c = r.contacts
    dropped = c["outcome"] == DROPPED
    assert dropped.any() and (c["end_s"][dropped] == T_DOWN).all()
    in_service = dropped & ~np.isnan(c["answer_s"])
    # all 10 agents were busy at 10:00 (2/min x 5 min = 10 Erlangs): their calls drop
    assert in_service.sum() == 10
    assert (c["handle_s"][in_service] >= 0).all()
    if target == "phone":  # the queue drops too; a site outage leaves the ACD queue
        assert (dropped & np.isnan(c["answer_s"])).any()
    else:
        assert not (dropped & np.isnan(c["answer_s"])).any()
    # retry probability 1: every dropped customer comes back
    assert _later(r, dropped) >= dropped.sum()
    assert c["attempt"][np.isin(c["journey_id"], c["journey_id"][dropped])].max() >= 1
    k = replication_kpis(r)
    assert pick(k, "dropped")[0] == dropped.sum()
    assert pick(k, "dropped", "channel", "phone")[0] == dropped.sum()


def test_without_a_retry_section_the_default_outage_retry_applies():
    sc = _outage(retry=False)
    assert sc.recontact is None
    came, cut = 0, 0
    for rep in range(6):
        r = simulate(sc, rep)
        check_records(r)
        c = r.contacts
        lost = (c["outcome"] == DROPPED) | ((c["outcome"] == BLOCKED)
                                            & (c["arrival_s"] >= T_DOWN))
        first = lost & (c["arrival_s"] <= T_DOWN + 1800)
        journeys = np.unique(c["journey_id"][first])
        cut += journeys.size
        # each such customer's next contact (a retry) comes after the outage start
        for j in journeys:
            rows = np.flatnonzero(c["journey_id"] == j)
            came += int(rows.size > 1)
    share = came / cut
    assert cut > 50
    # half retry once; some of them are cut again and half of those retry again
    assert 0.35 < share < 0.65, share
    assert DEFAULT_RETRY.probability == 0.5


def test_without_drops_calls_in_progress_finish():
    r = simulate(_outage(drops=False), 0)
    check_records(r)
    assert not (r.contacts["outcome"] == DROPPED).any()
    assert "dropped" not in set(replication_kpis(r).kpi)


def test_drops_only_on_voice_chat_channels_and_pools():
    d = base(backstage={"crm": {"latency": "1s"}},
             outages=[{"target": "crm", "at": "Mon 10:00", "for": "1h", "drops": True}])
    with pytest.raises(ScenarioError, match="'drops'"):
        Scenario.from_dict(d)


def _fingerprint(sc: Scenario) -> str:
    r = simulate(sc, 0)
    h = hashlib.sha256()
    for k in sorted(r.contacts):
        h.update(k.encode())
        h.update(np.ascontiguousarray(r.contacts[k]).tobytes())
    h.update(np.asarray(r.queue_area).tobytes())
    h.update(np.asarray(r.pool_busy_s).tobytes())
    return h.hexdigest()[:16]


def test_bundled_outage_scenario_records_unchanged():
    # recorded before outages could drop work or blocked customers had a default retry
    sc = load("scenarios/billing_outage.yaml")
    assert not any(o.drops for o in sc.outages)
    assert _fingerprint(sc) == "9832ba1ae6783040"


def test_a_backstage_outage_mid_handle_follows_on_outage():
    # 'fail': a contact that needs the system while it is down ends unresolved, the
    # customer recontacts; nothing is dropped (a system outage never drops a call)
    d = base(horizon="1d", warmup="0s", replications=1,
             demand=[{"channel": "phone", "rate": "2/min"}],
             intents={"general": {"handle_time": {"dist": "exponential", "mean": "5min"}}},
             pools={"agents": {"size": 12, "channels": ["phone"]}},
             backstage={"crm": {"latency": "2s", "on_outage": "fail"}},
             outages=[{"target": "crm", "at": "Mon 10:00", "for": "1h"}],
             recontact={"probability": 1.0, "delay": "2h"})
    r = simulate(build(d), 0)
    check_records(r)
    c = r.contacts
    assert not (c["outcome"] == DROPPED).any()
    during = (c["answer_s"] >= T_DOWN) & (c["answer_s"] < T_DOWN + 3600) & (c["step"] == 0)
    assert during.any() and not c["resolved"][during].any()
    before = (c["end_s"] < T_DOWN) & ~np.isnan(c["answer_s"])
    assert c["resolved"][before].all()
