"""Issue 21 item 3, email interrupt: a call takes an agent away from an email, which the
same agent resumes afterwards (preemptive-resume; :mod:`sim.model.interrupt`).

* event-log stories on one agent, every time derived by hand: the interrupt, the
  call that waits behind it, the resume before waiting emails, with after-call work
  and a backstage system, and a site outage that cuts the call;
* queueing theory: with calls preempting emails, the voice queue of a pool of c
  agents is the M/M/c queue of the voice load alone, so its ASA is Erlang C
  (:mod:`sim.analytic`); without the interrupt calls wait longer and emails less;
* work conservation: busy agent-seconds equal the handle times (the pieces summed)
  plus after-call work; every email completes, none is lost;
* properties: no call waits while an agent of the pool is on an email;
* an interrupt that never binds changes nothing; KPIs, report and summary; errors.
"""

from __future__ import annotations

import copy
import json
import math
from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analytic.erlang import erlang_c_asa
from sim.invariants import check_kpis, check_records
from sim.metrics import replication_kpis
from sim.model import World, simulate
from sim.records import BLOCKED, DROPPED, HANDLED, OPEN, Records
from sim.scenario import Scenario, load_text
from sim.scenario.describe import describe
from tests.model.helpers import pick
from tests.model.test_properties import EPS, SETTINGS, _sweep, policy_scenarios
from tests.scenario.helpers import error_of, replace

INF = math.inf
PHONE, EMAIL = 0, 1
MIN = 60.0


# ------------------------------------------------------------------ stories, one agent
def _story(interrupt: bool, arrivals: list[tuple[float, int, float]], **extra) -> Records:
    """One agent on phone and email, no random arrivals: ``arrivals`` are (time,
    channel, handle time) played straight into the world (intent 0: ``call``, 1:
    ``mail``, by channel)."""
    pool: dict = {"size": 1, "channels": ["phone", "email"]}
    if interrupt:
        pool["interrupt"] = {"channel": "email"}
    d = {"name": "story", "horizon": "2h", "warmup": "0s", "run_out": "1d",
         "replications": 1, "seed": 1,
         "channels": {"phone": {"kind": "voice"}, "email": {"kind": "email"}},
         "intents": {"call": {"handle_time": {"dist": "deterministic", "value": "1min"}},
                     "mail": {"handle_time": {"dist": "deterministic", "value": "1min"}}},
         "demand": [{"channel": "phone", "intent": "call", "rate": "0/h"}],
         "pools": {"team": pool}}
    for key, value in extra.items():
        if key == "acw":
            for spec in d["intents"].values():
                spec["after_call_work"] = value
        else:
            d[key] = value
    world = World(Scenario.from_dict(d), 0)
    for journey, (t, channel, handle) in enumerate(arrivals):
        world.after(t, partial(world.arrive, channel, channel, 0, INF, handle, journey))
    rec = world.run().records()
    check_records(rec)
    return rec


#: an email at 0 (10 min), calls at 2 and 3:20 min (3 min each), an email at 2:30 (10 min)
STORY = [(0.0, EMAIL, 600.0), (120.0, PHONE, 180.0), (150.0, EMAIL, 600.0),
         (200.0, PHONE, 180.0)]


def _times(rec: Records) -> dict[str, list[float]]:
    c = rec.contacts
    return {k: [float(x) for x in c[k]] for k in ("answer_s", "end_s", "wait_s", "handle_s")}


def test_story_a_call_puts_the_email_aside_and_the_agent_resumes_it():
    """Email E (0, 10 min); call V1 at 120 s takes the agent (E worked 2 min, 8 left);
    call V2 at 200 s waits: the agent is on a call. At 300 s the agent takes V2 (a
    call waits), at 480 s it resumes E, which ends at 480 + 480 = 960 s; email E2
    (150 s) waits behind the resumed email until 960 s. Rows in arrival order: E, V1,
    E2, V2."""
    rec = _story(True, STORY)
    t = _times(rec)
    assert t["answer_s"] == [0.0, 120.0, 960.0, 300.0]
    assert t["end_s"] == [960.0, 300.0, 1560.0, 480.0]
    assert t["wait_s"] == [0.0, 0.0, 810.0, 100.0]
    assert t["handle_s"] == [600.0, 180.0, 600.0, 180.0]  # E: the time worked, 120 + 480
    assert rec.extra["interruptions"].tolist() == [1, 0, 0, 0]
    assert (rec.contacts["outcome"] == HANDLED).all()
    # the agent is busy from 0 to 1560 s without a gap: 600 + 180 + 600 + 180, once
    assert rec.pool_busy_s.sum() == pytest.approx(1560.0, abs=1e-9)
    # without the interrupt the agent finishes E first: V1 waits 480 s, V2 580 s
    off = _times(_story(False, STORY))
    assert off["answer_s"] == [0.0, 600.0, 960.0, 780.0]
    assert off["end_s"] == [600.0, 780.0, 1560.0, 960.0]


def test_story_with_after_call_work_and_a_backstage_system():
    """As the first story, with 60 s wrap-up after every contact and emails that need
    a CRM answering in 5 min. V1 talks 120-300 s, wraps up to 360 s; V2 (waiting
    since 200 s) 360-540 s, wrap-up to 600 s; E resumes 600-1080 s, is parked at the
    CRM 1080-1380 s (its end; handle 600 s, the time worked) while the agent wraps
    up to 1140 s and takes E2: 1140-1740 s, CRM to 2040 s, wrap-up to 1800 s."""
    rec = _story(True, STORY, acw={"dist": "deterministic", "value": "1min"},
                 backstage={"crm": {"latency": {"dist": "deterministic", "value": "5min"},
                                    "needed_by": {"intents": ["mail"]}}})
    t = _times(rec)
    assert t["answer_s"] == [0.0, 120.0, 1140.0, 360.0]
    assert t["end_s"] == [1380.0, 300.0, 2040.0, 540.0]
    assert t["handle_s"] == [600.0, 180.0, 600.0, 180.0]
    assert rec.acw_s is not None and rec.acw_s.tolist() == [60.0] * 4
    assert rec.extra["interruptions"].tolist() == [1, 0, 0, 0]
    # busy 0-1800 s: talk 1560 s plus four wrap-ups of 60 s, counted once
    assert rec.pool_busy_s.sum() == pytest.approx(1800.0, abs=1e-9)


def test_story_a_site_outage_cuts_the_call_and_the_agent_finishes_the_email():
    """A site outage with ``drops`` at 4 min takes the agent while it talks to V1 (which
    interrupted E at 2 min): V1 is dropped (handled 120 s), the leaving agent resumes E
    at once (8 min left) and ends it at 720 s; the email is never dropped."""
    rec = _story(True, [(0.0, EMAIL, 600.0), (120.0, PHONE, 180.0)],
                 outages=[{"target": "team", "at": "Mon 00:04", "for": "30min",
                           "drops": True}])
    c = rec.contacts
    assert c["outcome"][0] == HANDLED and c["outcome"][1] == DROPPED
    assert c["end_s"][0] == 720.0 and c["handle_s"][0] == 600.0
    assert c["end_s"][1] == 240.0 and c["handle_s"][1] == 120.0
    assert rec.extra["interruptions"][:2].tolist() == [1, 0]


# ------------------------------------------------------------------- queueing theory
def _blend(interrupt: bool, horizon: str = "4d", **over) -> Scenario:
    """Four agents on phone (0.5/min, 4 min: 2 Erlangs, no abandonment) and email
    (0.35/min, 4 min: 1.4 Erlangs): 85% busy in all."""
    pool: dict = {"size": 4, "channels": ["phone", "email"]}
    if interrupt:
        pool["interrupt"] = {"channel": "email", "by": ["phone"]}
    d = {"name": "blend", "horizon": horizon, "warmup": "2h", "run_out": "3d",
         "replications": 1, "seed": 11,
         "channels": {"phone": {"kind": "voice"}, "email": {"kind": "email"}},
         "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "4min"}}},
         "demand": [{"channel": "phone", "rate": "0.5/min"},
                    {"channel": "email", "rate": "0.35/min"}],
         "pools": {"team": pool}}
    d.update(over)
    return Scenario.from_dict(d)


def _waits(s: Scenario, rep: int) -> tuple[float, float, float]:
    """Voice ASA, mean email response (arrival to end) and share of emails interrupted,
    over the measured window's contacts."""
    rec = simulate(s, rep)
    c = rec.contacts
    inw = c["in_window"]
    phone, email = inw & (c["channel"] == PHONE), inw & (c["channel"] == EMAIL)
    assert (c["outcome"][email] == HANDLED).all()  # the run-out lets every email finish
    hit = rec.extra.get("interruptions", np.zeros(rec.n_contacts)) > 0
    return (float(c["wait_s"][phone].mean()),
            float((c["end_s"] - c["arrival_s"])[email].mean()), float(hit[email].mean()))


@pytest.mark.slow
def test_calls_preempting_emails_wait_as_in_erlang_c_on_the_voice_load_alone():
    """Preemptive priority: calls never wait while an agent is on an email, so the voice
    queue is M/M/4 with 2 Erlangs: ASA = C(4, 2) x 240 / (4 - 2) = 20.9 s. Without the
    interrupt an arriving call may find agents on emails and wait for one to finish."""
    on, off = _blend(True), _blend(False)
    reps = 20
    rows = np.asarray([[*_waits(on, r), *_waits(off, r)] for r in range(reps)])
    asa, se = rows[:, 0].mean(), rows[:, 0].std(ddof=1) / math.sqrt(reps)
    truth = erlang_c_asa(4, 2.0, 240.0)
    assert truth == pytest.approx(20.87, abs=0.01)
    # measured: 22.1 s, se 0.9 s
    assert se < 0.1 * truth, se
    assert abs(asa - truth) <= max(3.5 * se, 0.05 * truth), (asa, se, truth)
    # without: calls wait far longer (measured 86 s), paired on common random numbers
    d_asa = rows[:, 3] - rows[:, 0]
    assert d_asa.mean() > 3 * d_asa.std(ddof=1) / math.sqrt(reps) and d_asa.mean() > 30.0
    # the emails pay: a longer response (measured 913 s vs 777 s), 4 in 10 interrupted
    d_email = rows[:, 1] - rows[:, 4]
    assert d_email.mean() > 3 * d_email.std(ddof=1) / math.sqrt(reps), d_email
    assert 0.2 < rows[:, 2].mean() < 0.7 and (rows[:, 5] == 0).all()


def test_work_is_conserved_and_every_email_completes():
    """Demand only in the first six hours of a day (an intraday profile), so every
    contact ends before the horizon: the pool's busy agent-seconds are exactly the sum
    of the handle times (each email's pieces summed) plus after-call work, and every
    email is handled (none lost, none dropped)."""
    weights = [1.0] * 6 + [0.0] * 18
    s = _blend(True, horizon="1d", warmup="0s", run_out="0s", profiles={"early": {"weights":
               weights}},
               demand=[{"channel": "phone", "rate": "0.125/min", "profile": "early"},
                       {"channel": "email", "rate": "0.0875/min", "profile": "early"}],
               intents={"general": {"handle_time": {"dist": "exponential", "mean": "4min"},
                                    "after_call_work": {"dist": "exponential",
                                                        "mean": "20s"}}})
    for rep in range(3):
        rec = simulate(s, rep)
        check_records(rec)
        c = rec.contacts
        assert (c["outcome"] == HANDLED).all() and (c["end_s"] < rec.end_s).all()
        email = c["channel"] == EMAIL
        hit = rec.extra["interruptions"] > 0
        assert email.sum() > 100 and hit[email].mean() > 0.2  # the interrupt binds
        assert not hit[~email].any()
        assert rec.acw_s is not None
        work = c["handle_s"].sum() + rec.acw_s.sum()
        assert rec.pool_busy_s.sum() == pytest.approx(work, rel=1e-9)
        # an interrupted email was in hand longer than it was worked
        span = (c["end_s"] - c["answer_s"])[hit]
        assert (span > c["handle_s"][hit]).all()


@st.composite
def interrupt_scenarios(draw) -> dict:
    """The blending-policy scenarios (one fixed pool on phone and email, near or over
    capacity, sometimes a reserve) with the email interrupt on and no age priority."""
    d = draw(policy_scenarios())
    d["pools"]["team"].pop("age_priority", None)  # an aged email is not interrupted
    d["pools"]["team"]["interrupt"] = {"channel": "email"}
    return d


@SETTINGS
@given(interrupt_scenarios())
def test_no_call_waits_while_an_agent_is_on_an_email(d):
    """After all events of each moment: a call waits only while every agent of the pool
    is on a call (answer to end of calls; no wrap-up); an email is worked at most as
    long as it was in hand, and ends handled or open, nothing else."""
    s = Scenario.from_dict(d)
    rec = simulate(s, 0)
    check_records(rec)
    c = rec.contacts
    # in hand from answer to end: all of it worked, unless put aside meanwhile
    hit = rec.extra["interruptions"] > 0
    served = c["outcome"] == HANDLED
    span = c["end_s"] - c["answer_s"]
    assert np.allclose(c["handle_s"][served & ~hit], span[served & ~hit])
    assert (c["handle_s"][served & hit] < span[served & hit] + EPS).all()
    size = s.pools["team"].size
    call = (c["channel"] == PHONE) & (c["outcome"] != BLOCKED)
    arrival, answer, end = c["arrival_s"][call], c["answer_s"][call], c["end_s"][call]
    answered = ~np.isnan(answer)
    leave_q = np.where(answered, answer, np.where(np.isnan(end), np.inf, end))
    done = np.where(np.isnan(end), np.inf, end)
    n, m = len(arrival), int(answered.sum())
    times = np.concatenate([arrival, leave_q, answer[answered], done[answered]])
    dq = np.concatenate([np.ones(n), -np.ones(n), np.zeros(2 * m)])
    dv = np.concatenate([np.zeros(2 * n), np.ones(m), -np.ones(m)])
    t, queued = _sweep(times, dq)
    _, talking = _sweep(times, dv)
    keep = t < rec.cutoff
    bad = (queued[keep] > 0.5) & (talking[keep] < size - 0.5)
    assert not bad.any(), f"a call waits at t={t[keep][bad][0]:.2f}s with agents on emails"
    email = c["channel"] == EMAIL
    assert np.isin(c["outcome"][email], (HANDLED, OPEN)).all()


# ------------------------------------------------------------- an interrupt never binding
def test_an_interrupt_that_never_binds_changes_nothing():
    """Twelve agents for 3.4 Erlangs: a call always finds one free, so no email is put
    aside and every record is identical with and without the interrupt."""
    over = {"pools": {"team": {"size": 12, "channels": ["phone", "email"]}}}
    base = _blend(False, horizon="1d", **over)
    d = copy.deepcopy(base.raw)
    d["pools"]["team"]["interrupt"] = {"channel": "email"}
    on = Scenario.from_dict(d)
    a, b = simulate(base, 0), simulate(on, 0)
    assert not b.extra["interruptions"].any()
    for col in a.contacts:
        assert np.array_equal(a.contacts[col], b.contacts[col], equal_nan=True), col
    assert np.array_equal(a.pool_busy_s, b.pool_busy_s)


# --------------------------------------------------------------- KPIs, report, summary
def test_kpis_count_the_interrupted_emails_by_channel_and_pool():
    rec = simulate(_blend(True, horizon="1d"), 0)
    k = replication_kpis(rec)
    check_kpis(k)
    c = rec.contacts
    email = c["in_window"] & (c["channel"] == EMAIL) & (c["step"] == 0)
    hit = rec.extra["interruptions"] > 0
    n = float((email & hit).sum())
    assert n > 50
    assert pick(k, "emails_interrupted")[0] == n
    assert pick(k, "emails_interrupted", "channel", "email")[0] == n
    assert pick(k, "emails_interrupted", "channel", "phone")[0] == 0
    assert pick(k, "emails_interrupted", "pool", "team")[0] == n
    answered = float((email & ~np.isnan(c["answer_s"])).sum())
    assert pick(k, "emails_interrupted_share", "channel", "email")[0] == pytest.approx(
        n / answered)
    plain = replication_kpis(simulate(_blend(False, horizon="1d"), 0))
    assert "emails_interrupted" not in set(plain.kpi)


TEXT = """\
name: Interrupt
horizon: 1d
channels:
  phone: {kind: voice}
  chat: {kind: chat}
  email: {kind: email}
demand:
  - {channel: phone, rate: 40/h}
  - {channel: email, rate: 20/h}
intents:
  general: {handle_time: {dist: exponential, mean: 4min}}
pools:
  care:
    size: 4
    channels: [phone, chat, email]
    interrupt: {channel: email, by: [phone]}
"""


def test_interrupt_end_to_end_through_the_cli(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from sim.cli import app

    src = tmp_path / "intr.yaml"
    src.write_text(TEXT)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out), "--executor",
                                      "serial", "-n", "2"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    for name in ("emails_interrupted", "emails_interrupted_share"):
        assert name in summary["kpis"] and name in summary["by_channel"]["email"], name
        assert name in summary["by_pool"]["care"], name
    assert summary["kpis"]["emails_interrupted"]["mean"] > 0
    contacts = pd.read_parquet(out / "contacts.parquet")
    assert contacts["interruptions"].max() >= 1
    assert (contacts.loc[contacts["channel"] != "email", "interruptions"] == 0).all()
    html = (out / "report.html").read_text()
    assert "Emails interrupted" in html and "puts the e-mail in hand aside" in html


def test_the_summary_states_the_interrupt():
    text = describe(load_text(TEXT, file="s.yaml"))
    assert "phone calls interrupt email (resumed by the same agent after)" in text
    plain = describe(load_text(TEXT.replace("interrupt: {channel: email, by: [phone]}",
                                            "interrupt: {channel: email}"), file="s.yaml"))
    assert "voice calls interrupt email" in plain


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"), [
    ("{channel: email, by", "{channel: emial, by", "pools.care.interrupt.channel", 16,
     "unknown channel 'emial'"),
    ("{channel: email, by", "{channel: phone, by", "pools.care.interrupt.channel", 16,
     "'phone' is voice"),
    ("by: [phone]", "by: [chat]", "pools.care.interrupt.by[0]", 16,
     "chats do not interrupt emails"),
    ("by: [phone]", "by: [email]", "pools.care.interrupt.by[0]", 16,
     "only calls interrupt emails"),
    ("by: [phone]", "by: []", "pools.care.interrupt.by", 16, ""),
    ("channels: [phone, chat, email]", "channels: [chat, email]",
     "pools.care.interrupt.by[0]", 16, "does not serve 'phone'"),
    ("channels: [phone, chat, email]\n    interrupt: {channel: email, by: [phone]}",
     "channels: [chat, email]\n    interrupt: {channel: email}", "pools.care.interrupt", 16,
     "serves no voice channel"),
])
def test_interrupt_mistakes_are_one_located_line(old, new, path, line, fragment):
    err = error_of(replace(TEXT, old, new))
    assert err.path == path, str(err)
    assert err.line == line, str(err)
    assert fragment in err.message, str(err)
