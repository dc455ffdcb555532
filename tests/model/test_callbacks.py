"""Call-backs (virtual hold, issue 21 item 2) on an overloaded M/M/c+M phone line.

10 agents, calls at 11/min, exponential 1-minute talk, exponential 2-minute
patience: offered load 11 Erlangs on 10 agents, about 14% abandon. A caller whose
expected wait (position x 1 min / 10 agents) exceeds 30 s is offered a call-back
and accepts with probability 0.6; an accepted call-back leaves the live queue and
never abandons. Runs with and without call-backs share their random numbers
(common random numbers), so the abandonment they avoid is measured paired.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.invariants import check_kpis, check_records
from sim.metrics import replication_kpis
from sim.model import simulate
from sim.records import ABANDONED, CB_ACCEPTED, CB_DECLINED, CB_FAILED, CB_NOT_OFFERED
from tests.model.helpers import base, build, pick

REPS = 5
ACCEPT = 0.6


def _scenario(callback: dict | None, **over):
    phone = {"kind": "voice", "service_level_target": "20s",
             "patience": {"dist": "exponential", "mean": "2min"}}
    if callback is not None:
        phone["callback"] = callback
    d = {"horizon": "30h", "warmup": "1h", "replications": REPS,
         "channels": {"phone": phone}, "demand": [{"channel": "phone", "rate": "11/min"}],
         "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "1min"}}},
         "pools": {"agents": {"size": 10, "channels": ["phone"]}}}
    d.update(over)
    return build(base(**d))


def _play(sc):
    out = []
    for r in range(sc.replications):
        rec = simulate(sc, r)
        check_records(rec)
        k = replication_kpis(rec)
        check_kpis(k)
        out.append((rec, k))
    return out


@pytest.fixture(scope="module")
def runs():
    plain = _play(_scenario(None))
    called = _play(_scenario({"offer_above": "30s", "accept": ACCEPT}))
    return plain, called


def _kpi(frames, name):
    return np.array([pick(k, name)[0] for _, k in frames])


def test_callbacks_lower_abandonment_paired(runs):
    plain, called = runs
    a0, a1 = _kpi(plain, "abandon_rate"), _kpi(called, "abandon_rate")
    assert 0.10 < a0.mean() < 0.20  # the line is overloaded: callers do abandon
    diff = a1 - a0
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert diff.mean() + 4 * se < 0, (a0, a1)   # every replication's pair, significant
    assert diff.mean() < -0.01, (a0, a1)
    assert "callbacks_offered" not in set(plain[0][1].kpi)  # without: no call-back KPIs


def test_common_random_numbers(runs):
    plain, called = runs
    for (r0, _), (r1, _) in zip(plain, called, strict=True):
        n = min(r0.n_contacts, r1.n_contacts)
        assert n > 10_000
        assert np.array_equal(r0.contacts["arrival_s"][:n], r1.contacts["arrival_s"][:n])


def test_accepted_share_matches_accept_within_binomial_limits(runs):
    _, called = runs
    offered = _kpi(called, "callbacks_offered").sum()
    accepted = _kpi(called, "callbacks_accepted").sum()
    assert offered > 5000
    p = accepted / offered
    assert abs(p - ACCEPT) < 4 * np.sqrt(ACCEPT * (1 - ACCEPT) / offered), p
    # the KPIs count what the records say
    rec, k = called[0]
    state = rec.callback
    window = rec.contacts["in_window"]
    assert pick(k, "callbacks_accepted")[0] == ((state == CB_ACCEPTED) & window).sum()
    assert pick(k, "callbacks_offered")[0] == ((state != CB_NOT_OFFERED) & window).sum()
    assert pick(k, "callbacks_accepted", "channel", "phone")[0] == \
        pick(k, "callbacks_accepted")[0]


def test_accepted_callbacks_never_abandon_and_wait_for_the_agent(runs):
    _, called = runs
    rec, k = called[0]
    c = rec.contacts
    accepted = rec.callback == CB_ACCEPTED
    declined = rec.callback == CB_DECLINED
    assert not (c["outcome"][accepted] == ABANDONED).any()
    assert (c["outcome"][declined] == ABANDONED).any()  # those who stayed on do abandon
    served = accepted & ~np.isnan(c["answer_s"])
    # callback_wait_s: acceptance (the call's arrival) to the agent's call
    waits = (c["answer_s"] - c["arrival_s"])[served & c["in_window"]]
    assert pick(k, "callback_wait_s")[0] == pytest.approx(waits.mean(), rel=1e-9)
    assert waits.mean() > 30.0
    assert pick(k, "callbacks_not_reached")[0] == 0  # success defaults to 1


def test_callbacks_are_served_so_agents_work_more(runs):
    plain, called = runs
    h0, h1 = _kpi(plain, "handled"), _kpi(called, "handled")
    u0, u1 = _kpi(plain, "utilization"), _kpi(called, "utilization")
    assert (h1 > h0).all() and (u1 > u0).all()
    assert _kpi(called, "aht_s").mean() == pytest.approx(60.0, rel=0.02)


def test_offers_follow_the_expected_wait_threshold():
    """The estimate is position x 1 min / 10 agents: offer_above 0s offers a call-back to
    every caller who queues; a threshold above any reachable estimate offers none."""
    every = simulate(_scenario({"offer_above": "0s", "accept": 0.0}, horizon="5h"), 0)
    queued = ~np.isnan(every.contacts["wait_s"]) & (every.contacts["wait_s"] > 0)
    assert (every.callback[queued] == CB_DECLINED).all()
    assert (every.callback[every.contacts["wait_s"] == 0] == CB_NOT_OFFERED).all()
    never = simulate(_scenario({"offer_above": "100h", "accept": 1.0}, horizon="5h"), 0)
    assert (never.callback == CB_NOT_OFFERED).all()


def test_lower_priority_callbacks_wait_behind_live_calls():
    keep = _play(_scenario({"offer_above": "30s", "accept": ACCEPT}, horizon="10h",
                           replications=2))
    behind = _play(_scenario({"offer_above": "30s", "accept": ACCEPT, "keep_place": False},
                             horizon="10h", replications=2))
    assert _kpi(behind, "callback_wait_s").mean() > 2 * _kpi(keep, "callback_wait_s").mean()


def test_failed_callbacks_take_agent_time_and_retry():
    sc = _scenario({"offer_above": "30s", "accept": ACCEPT, "success": 0.7, "attempt": "40s"},
                   horizon="20h", replications=2, warmup="0s", run_out="1d",
                   recontact={"delay": "1d", "retry": {"probability": 1.0, "delay": "10min"}})
    for rec, k in _play(sc):
        c = rec.contacts
        accepted = (rec.callback == CB_ACCEPTED) | (rec.callback == CB_FAILED)
        failed = rec.callback == CB_FAILED
        called = accepted & (~np.isnan(c["answer_s"]) | failed)
        share = failed.sum() / called.sum()
        assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / called.sum()), share
        assert pick(k, "callbacks_not_reached")[0] == (failed & c["in_window"]).sum()
        # a call-back that found no one ends like an abandoned call: the customer retries
        journeys = set(c["journey_id"][failed].tolist())
        retried = set(c["journey_id"][c["attempt"] > 0].tolist())
        assert len(journeys & retried) / len(journeys) > 0.95
        # agents' time in the window: talk of every handled call + the attempts that
        # found no one (40 s each from the call), each clipped to the measured window
        start = np.where(failed, c["end_s"], c["answer_s"])
        length = np.where(failed, 40.0, c["handle_s"])
        ok = ~np.isnan(start) & ~np.isnan(length)
        work = np.clip(start[ok] + length[ok], 0, rec.end_s) - np.clip(start[ok], 0, rec.end_s)
        assert rec.pool_busy_s.sum() == pytest.approx(work.sum(), rel=1e-9)


def test_callbacks_end_to_end_through_the_cli(tmp_path):
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from sim.cli import app
    from tests.scenario.test_callback_schema import TEXT

    src = tmp_path / "cb.yaml"
    src.write_text(TEXT.replace("rate: 20/h", "rate: 90/h").replace("horizon: 2d",
                                                                      "horizon: 1d"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out), "--executor",
                                      "serial", "-n", "2"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    for name in ("callbacks_offered", "callbacks_accepted", "callbacks_not_reached",
                 "callback_wait_s"):
        assert name in summary["kpis"] and name in summary["by_channel"]["phone"], name
    assert summary["kpis"]["callbacks_accepted"]["mean"] > 0
    contacts = pd.read_parquet(out / "contacts.parquet")
    assert set(contacts["callback"].astype(str)) >= {"not_offered", "accepted"}
    assert "Call-backs accepted" in (out / "report.html").read_text()
