"""Customer journeys against closed forms: recontacts, containment, context loss, stages.

Oracles
-------
Ample agents (nobody waits), a need resolved with probability ``p`` at each
contact, every unresolved customer coming back after a delay ``D``: the number of
contacts ``N`` is geometric on {1, 2, ...} with mean ``1/p``; a journey has a
repeat contact with probability ``1 - p``; it is resolved at first contact with
probability ``p``; and its resolution latency is the sum of ``N`` handle times and
``N - 1`` delays, so by Wald's identity

    E[latency] = E[N] E[H] + (E[N] - 1) E[D] = (1/p - 1)(E[H] + E[D]) + E[H].

A bot with containment ``c`` sends a Bernoulli(1 - c) share of its sessions on to
agents. Losing context adds the extra handle time to exactly the contact after the
loss (a paired comparison on common random numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.invariants import check_kpis, check_records
from sim.metrics import journeys_table, replication_kpis
from sim.metrics.journeys import STAGES
from sim.model import World, simulate
from sim.records import ABANDONED, BLOCKED, ESCALATED, HANDLED, OPEN, TRANSFERRED

from .helpers import assert_close_to_truth, base, build

P = 0.6
H_S = 240.0      # mean handle time
D_S = 1200.0     # mean recontact delay


def _recontact_scenario(**over):
    d = base(horizon="100h", warmup="2h", replications=6, seed=5,
             demand=[{"channel": "phone", "rate": "60/h"}],
             intents={"general": {"handle_time": {"dist": "exponential", "mean": f"{H_S}s"},
                                  "resolution": P}},
             pools={"agents": {"size": 60, "channels": ["phone"]}},
             recontact={"probability": 1.0, "delay": {"dist": "exponential", "mean": f"{D_S}s"},
                        "max_attempts": 1000, "window": "30d"})
    d.update(over)
    return build(d)


def _kpi(frame: pd.DataFrame, kpi: str, group: str = "all", member: str = "") -> float:
    row = frame[(frame.group == group) & (frame.member == member) & (frame.kpi == kpi)]
    return float(row.value.iloc[0])


def test_recontacts_match_the_geometric_closed_forms():
    s = _recontact_scenario()
    rows = []
    for r in range(s.replications):
        rec = simulate(s, r)
        k = replication_kpis(rec)
        j = journeys_table(rec)
        done = j[j.in_window & j.resolved]
        assert _kpi(k, "p_wait") < 0.01                     # ample agents: nobody waits
        rows.append({name: _kpi(k, name) for name in
                     ("recontact_rate", "contacts_per_journey", "fcr", "resolution_latency_s",
                      "resolution_rate")}
                    | {"gap": done.stage_recontact_gap_s.mean(),
                       "handling": done.stage_handling_s.mean()})
    got = pd.DataFrame(rows)
    assert_close_to_truth(got.recontact_rate.to_numpy(), 1 - P, max_rel_se=0.02)
    assert_close_to_truth(got.fcr.to_numpy(), P, max_rel_se=0.02)
    assert_close_to_truth(got.contacts_per_journey.to_numpy(), 1 / P, max_rel_se=0.02)
    latency = (1 / P - 1) * (H_S + D_S) + H_S
    assert_close_to_truth(got.resolution_latency_s.to_numpy(), latency, max_rel_se=0.02)
    assert_close_to_truth(got.gap.to_numpy(), (1 / P - 1) * D_S, max_rel_se=0.03)
    assert_close_to_truth(got.handling.to_numpy(), H_S / P, max_rel_se=0.02)
    assert (got.resolution_rate > 0.99).all()              # only the last hour is censored
    # the test can tell a wrong model: resolving at the first contact would give 240 s
    assert abs(got.resolution_latency_s.mean() - H_S) > 10 * got.resolution_latency_s.std()


def test_proficiency_scales_resolution_and_escalate_below_hands_over():
    s = build(base(
        horizon="60h", warmup="1h", seed=3,
        demand=[{"channel": "phone", "rate": "80/h"}],
        intents={"billing": {"share": 0.5, "resolution": 0.9,
                             "handle_time": {"dist": "exponential", "mean": "3min"}},
                 "tech": {"share": 0.5, "resolution": 0.8,
                          "handle_time": {"dist": "exponential", "mean": "3min"}}},
        pools={"tier1": {"size": 40, "channels": ["phone"], "skills": {"billing": 1, "tech": 0.5},
                         "escalate_below": 0.6, "escalate_to": "seniors"},
               "seniors": {"size": 20, "channels": ["phone"]}}))
    rec = simulate(s, 0)
    check_records(rec)
    c = rec.contacts
    tier1_tech = (c["pool"] == 0) & (c["intent"] == 1) & (c["outcome"] != OPEN)
    tier1_billing = (c["pool"] == 0) & (c["intent"] == 0)
    # p_resolve = 0.8 * min(1, 0.5) = 0.4 on tier 1; the rest goes to the seniors
    share = (c["outcome"][tier1_tech] == TRANSFERRED).mean()
    n = tier1_tech.sum()
    assert abs(share - 0.6) < 4 * math.sqrt(0.24 / n)
    assert not (c["outcome"][tier1_billing] == TRANSFERRED).any()   # proficient: no escalation
    assert (c["pool"][c["step"] > 0] == 1).all()                     # pieces go to the seniors
    k = replication_kpis(rec)
    tech = _kpi(k, "resolution_rate", "intent", "tech")
    assert abs(tech - (0.4 + 0.6 * 0.8)) < 0.03
    assert abs(_kpi(k, "resolution_rate", "intent", "billing") - 0.9) < 0.03


def _bot(containment, context_transfer=1.0, capacity=None, **over):
    d = base(horizon="40h", warmup="1h", seed=9,
             channels={"phone": {"kind": "voice"},
                       "bot": {"kind": "bot", "duration": {"dist": "exponential", "mean": "2min"},
                               "containment": containment,
                               "escalation": {"to": "phone", "context_transfer": context_transfer},
                               "cost_per_contact": 0.5, "cost_per_failed_contact": 0.8,
                               "capacity": capacity}},
             intents={"billing": {"share": 0.5,
                                  "handle_time": {"dist": "exponential", "mean": "4min"}},
                      "tech": {"share": 0.5,
                               "handle_time": {"dist": "exponential", "mean": "6min"}}},
             demand=[{"channel": "bot", "rate": "150/h"}],
             pools={"agents": {"size": 80, "channels": ["phone"], "cost_per_hour": 36}},
             context_loss={"extra_handle_time": "90s"})
    d.update(over)
    return build(d)


def test_bot_containment_sends_the_rest_on_to_agents():
    c_by_intent = {"billing": 0.7, "tech": 0.2}
    s = _bot(c_by_intent)
    tables, kpis = [], []
    for r in range(3):
        rec = simulate(s, r)
        check_records(rec)
        tables.append(journeys_table(rec))
        kpis.append(replication_kpis(rec))
    j = pd.concat(tables)
    j = j[j.in_window & (j.status != "open")]
    assert (j.channel == "bot").all()
    for intent, c in c_by_intent.items():
        sub = j[j.intent == intent]
        to_agents = (sub.contacts == 2).mean()
        se = math.sqrt(c * (1 - c) / len(sub))
        assert abs(to_agents - (1 - c)) < 4 * se, (intent, to_agents)
        assert (sub.contacts <= 2).all()
        contained = np.mean([_kpi(k, "containment_rate", "intent", intent) for k in kpis])
        assert abs(contained - c) < 4 * se
    k = kpis[0]
    assert _kpi(k, "handled", "channel", "bot") == 0            # no agent serves a session
    assert math.isnan(_kpi(k, "service_level", "channel", "bot"))
    # escalated journeys: a failed session, a channel switch, the live contact resolves
    esc = j[j.contacts == 2]
    assert (esc.failed_self_service == 1).all() and (esc.channel_switches == 1).all()
    # FCR is about the first agent contact: an escalation resolved by its agent is
    # first-contact resolved; contained sessions never reached an agent
    assert esc.resolved.all() and esc.fcr.all() and esc.reached_agent.all()
    assert not j[j.contacts == 1].fcr.any() and not j[j.contacts == 1].reached_agent.any()


def test_lost_context_adds_handle_time_and_effort_on_the_same_customers():
    kept, lost = _bot(0.5, context_transfer=1.0), _bot(0.5, context_transfer=0.0)
    a, b = simulate(kept, 0), simulate(lost, 0)
    ca, cb = a.contacts, b.contacts
    assert np.array_equal(ca["arrival_s"], cb["arrival_s"])     # same customers, same paths
    live = ca["channel"] == 0
    assert live.sum() > 500
    assert not ca["repeated_info"].any() and cb["repeated_info"][live].all()
    done = live & ~np.isnan(ca["handle_s"]) & ~np.isnan(cb["handle_s"])
    assert np.allclose(cb["handle_s"][done] - ca["handle_s"][done], 90.0)
    ka, kb = replication_kpis(a), replication_kpis(b)
    # (a few contacts near the end finish in one run only)
    assert _kpi(kb, "aht_s") - _kpi(ka, "aht_s") == pytest.approx(90.0, rel=2e-3)
    assert _kpi(kb, "effort_score") > _kpi(ka, "effort_score")
    ja, jb = journeys_table(a), journeys_table(b)
    esc = (ja.contacts == 2) & ja.resolved & jb.resolved
    assert (jb.effort_score[esc] > ja.effort_score[esc]).all()
    assert (jb.repeated_info[esc] == 1).all()
    same = ja.contacts == 1
    assert np.array_equal(ja.effort_score[same], jb.effort_score[same])


def test_handoff_context_loss_and_delay_on_a_back_office_queue():
    def scenario(loss):
        return build(base(
            horizon="30h", warmup="1h", seed=4,
            demand=[{"channel": "phone", "rate": "40/h"}],
            pools={"front": {"size": 20, "channels": ["phone"],
                             "handoffs": [{"to": "back", "probability": 0.3, "delay": "1h",
                                           "asynchronous": True, "context_loss": loss}]},
                   "back": {"size": 1, "channels": ["phone"]}},
            context_loss={"extra_handle_time": "90s"}))

    a, b = simulate(scenario(0.0), 0), simulate(scenario(1.0), 0)
    check_records(a)
    check_records(b)
    for rec in (a, b):
        c = rec.contacts
        pieces = np.flatnonzero(c["step"] > 0)
        assert len(pieces) > 100 and c["asynchronous"][pieces].all()
        # each piece arrives exactly 1 h after its transfer ended
        rows = zip(c["journey_id"], c["end_s"], c["outcome"], strict=True)
        prev = {int(j): float(e) for j, e, o in rows if o == TRANSFERRED}
        assert np.allclose([c["arrival_s"][i] - prev[int(c["journey_id"][i])] for i in pieces],
                           3600.0)
        j = journeys_table(rec)
        moved = j[(j.transfers == 1) & j.resolved]
        assert np.allclose(moved.stage_handoff_delay_s, 3600.0)
        # the back office queue is slow, but the customer is not on hold there
        assert (moved.stage_queue_s > moved.hold_s).any()
        front_wait = rec.contacts["wait_s"][rec.contacts["step"] == 0]
        assert moved.hold_s.max() <= np.nanmax(front_wait) + 1e-9
    pa, pb = a.contacts["step"] > 0, b.contacts["step"] > 0
    assert not a.contacts["repeated_info"].any() and b.contacts["repeated_info"][pb].all()
    ha, hb = a.contacts["handle_s"][pa], b.contacts["handle_s"][pb]
    n = min(len(ha), len(hb))
    assert np.nanmean(hb[:n] - ha[:n]) == pytest.approx(90.0, rel=0.01)


def test_abandoned_customers_retry_and_everyone_gives_up_after_max_attempts():
    s = build(base(
        horizon="40h", warmup="1h", seed=8,
        channels={"phone": {"kind": "voice", "patience": {"dist": "exponential", "mean": "40s"}}},
        demand=[{"channel": "phone", "rate": "120/h"}],
        intents={"general": {"handle_time": {"dist": "exponential", "mean": "3min"},
                             "resolution": 0.0}},
        pools={"agents": {"size": 6, "channels": ["phone"]}},
        recontact={"probability": 1.0, "delay": "10min", "max_attempts": 3,
                   "retry": {"probability": 0.5, "delay": "5min"}}))
    rec = simulate(s, 0)
    check_records(rec)
    c = rec.contacts
    j = journeys_table(rec)
    finished = j[j.in_window & (j.status != "open")]
    assert (finished.status == "gave_up").all() and not c["resolved"].any()
    assert j.attempts.max() == 3
    # handled customers always come back until the third attempt; the others may not
    assert (finished.attempts[finished.outcome == "handled"] == 3).all()
    assert (finished.attempts < 3).any()
    # retries: half of the abandoned customers (with attempts left) came back
    early = (c["outcome"] == ABANDONED) & (c["attempt"] < 2) & (c["end_s"] < rec.end_s - 600)
    key = set(zip(c["journey_id"].tolist(), c["attempt"].tolist(), strict=False))
    back = np.array([(jid, att + 1) in key
                     for jid, att in zip(c["journey_id"][early], c["attempt"][early], strict=True)])
    assert abs(back.mean() - 0.5) < 4 * math.sqrt(0.25 / len(back))
    # handled but unresolved customers always come back (probability 1)
    handled = (c["outcome"] == HANDLED) & (c["attempt"] < 2) & (c["end_s"] < rec.end_s - 600)
    assert all((jid, att + 1) in key
               for jid, att in zip(c["journey_id"][handled], c["attempt"][handled], strict=False))


def test_channel_switch_and_routing_rules():
    s = build(base(
        horizon="30h", warmup="1h", seed=6,
        channels={"phone": {"kind": "voice"}, "chat": {"kind": "chat"}},
        segments={"retail": {"share": 0.8}, "premium": {"share": 0.2}},
        intents={"general": {"handle_time": {"dist": "exponential", "mean": "3min"},
                             "resolution": 0.5}},
        demand=[{"channel": "phone", "rate": "60/h"}],
        pools={"agents": {"size": 40, "channels": ["phone", "chat"]},
               "vip": {"size": 15, "channels": ["phone", "chat"]}},
        routing=[{"segment": "premium", "to": "vip"}, {"to": "agents"}],  # first match wins
        recontact={"delay": "30min", "max_attempts": 2,
                   "channel_switch": {"phone": {"chat": 1.0}}}))
    rec = simulate(s, 0)
    c = rec.contacts
    answered = c["pool"] >= 0
    assert (c["pool"][answered & (c["segment"] == 1)] == 1).all()   # premium -> vip
    assert (c["pool"][answered & (c["segment"] == 0)] == 0).all()
    assert (c["channel"][c["attempt"] == 1] == 1).all()             # every repeat is on chat
    j = journeys_table(rec)
    assert ((j.attempts == 2) == (j.channel_switches == 1)).all()


def test_sessions_need_no_agent_and_capacity_blocks():
    s = _bot(1.0, capacity=3)
    rec = simulate(s, 0)
    check_records(rec)
    c = rec.contacts
    bot = c["channel"] == 1
    assert (c["pool"][bot] == -1).all() and np.isnan(c["answer_s"][bot]).all()
    assert (c["outcome"][bot] == BLOCKED).any() and (c["outcome"][bot] == HANDLED).any()
    assert not (c["outcome"][bot] == ESCALATED).any()               # containment 1
    assert not (c["channel"] == 0).any()                            # nobody reached an agent


def test_stages_sum_to_latency_and_every_contact_and_journey_is_accounted_for():
    s = _rich()
    rec = simulate(s, 1)
    check_records(rec)
    k = replication_kpis(rec)
    check_kpis(k)
    c = rec.contacts
    j = journeys_table(rec)
    # every contact belongs to exactly one journey of the table, and vice versa
    assert set(np.unique(c["journey_id"])) == set(j.journey_id)
    assert j.n_contacts.sum() == rec.n_contacts
    assert set(j.status) <= {"resolved", "gave_up", "open"}
    assert {"resolved", "gave_up"} <= set(j.status)
    # the follow-up after the horizon plays every journey to its end
    assert not (j.status[j.in_window] == "open").any()
    cut_rec = simulate(s.model_copy(update={"run_out": 0.0}), 1)
    cut = journeys_table(cut_rec)
    assert (cut.status == "open").any()  # without it, journeys are cut at the horizon
    # at most one resolving contact per journey, and it is the journey's last row
    resolved_rows = np.flatnonzero(c["resolved"])
    assert len(np.unique(c["journey_id"][resolved_rows])) == len(resolved_rows)
    assert int(j.resolved.sum()) == len(resolved_rows)
    lastrow = pd.Series(np.arange(rec.n_contacts)).groupby(c["journey_id"]).max()
    assert (lastrow.loc[c["journey_id"][resolved_rows]].to_numpy() == resolved_rows).all()
    # open journeys (cut at the horizon): a row in progress or something scheduled after it
    cc = cut_rec.contacts
    open_rows = set(cc["journey_id"][cc["outcome"] == OPEN].tolist())
    pending = set(cut_rec.pending_journeys.tolist())
    assert set(cut.journey_id[cut.status == "open"]) == open_rows | pending
    assert cut_rec.pending_handoffs > 0 and len(pending) > 0
    # stages decompose the latency (resolved) and the elapsed time (gave up)
    stage = j[[f"stage_{name}_s" for name in STAGES]].sum(axis=1)
    r = j.resolved
    assert np.allclose(stage[r], j.resolution_latency_s[r], rtol=1e-9, atol=1e-6)
    g = j.status == "gave_up"
    assert np.allclose(stage[g], (j.last_end_s - j.start_s)[g], rtol=1e-9, atol=1e-6)
    assert (j[[f"stage_{name}_s" for name in STAGES]] >= -1e-9).all().all()
    # effort within 1..7; cost: journeys + idle time = the total of the window
    assert j.effort_score.between(1, 7).all()
    assert _kpi(k, "cost_per_journey") > 0
    total = _kpi(k, "cost_total")
    assert 0.8 * total < j.cost[j.in_window].sum() < 1.2 * total


def _rich():
    return build(base(
        horizon="30h", warmup="1h", seed=12,
        channels={"phone": {"kind": "voice", "patience": {"dist": "exponential", "mean": "3min"}},
                  "chat": {"kind": "chat", "max_concurrency": 2},
                  "bot": {"kind": "bot", "duration": {"dist": "lognormal", "mean": "3min",
                                                      "cv": 0.8},
                          "containment": {"billing": 0.6, "tech": {"retail": 0.3, "gold": 0.1}},
                          "escalation": {"to": {"phone": 0.6, "chat": 0.3},
                                         "context_transfer": 0.5},
                          "cost_per_contact": 0.5}},
        segments={"retail": {"share": 0.8}, "gold": {"share": 0.2, "priority": 3}},
        intents={"billing": {"share": 0.6, "resolution": 0.8,
                             "handle_time": {"dist": "exponential", "mean": "4min"}},
                 "tech": {"share": 0.4, "resolution": 0.7, "resolution_by_channel": {"chat": 0.5},
                          "handle_time": {"dist": "exponential", "mean": "6min"}}},
        demand=[{"channel": "bot", "rate": "200/h"}, {"channel": "phone", "rate": "80/h"}],
        pools={"tier1": {"size": 28, "channels": ["phone", "chat"],
                         "skills": {"billing": 1, "tech": 0.5},
                         "escalate_below": 0.6, "escalate_to": "seniors", "cost_per_hour": 30,
                         "handoffs": [{"to": "back", "probability": 0.1, "intents": ["billing"],
                                       "asynchronous": True, "delay": "2h",
                                       "context_loss": 0.5}]},
               "seniors": {"size": 8, "channels": ["phone", "chat"], "cost_per_hour": 50},
               "back": {"size": 2, "channels": ["phone"], "cost_per_hour": 25}},
        routing=[{"segment": "gold", "intent": "tech", "to": "seniors"}],
        recontact={"probability": 0.9, "delay": {"dist": "exponential", "mean": "2h"},
                   "channel_switch": {"phone": {"phone": 0.7, "chat": 0.3}},
                   "max_attempts": 4, "window": "7d",
                   "retry": {"probability": 0.5, "delay": "10min"}}))


def test_without_journey_features_the_classic_model_runs_untouched():
    plain = build(base(horizon="20h"))
    assert World(plain, 0).jm is None
    rec = simulate(plain, 0)
    c = rec.contacts
    assert (c["attempt"] == 0).all() and not c["repeated_info"].any()
    assert np.array_equal(c["resolved"], c["outcome"] == HANDLED)
    # the journey machine switched on but inert (nobody recontacts, every contact
    # resolves) changes no fact of the classic model: its draws are separate streams
    inert = build(base(horizon="20h", recontact={"probability": 0.0, "delay": "1h"},
                       intents={"general": {"handle_time": {"dist": "exponential",
                                                            "mean": "1min"},
                                            "resolution": 1.0}},
                       effort={"contacts": 2.0}))
    assert World(inert, 0).jm is not None
    other = simulate(inert, 0)
    for name, col in c.items():
        assert np.array_equal(col, other.contacts[name], equal_nan=True), name
    assert np.array_equal(rec.pool_busy_s, other.pool_busy_s)


def test_journey_runs_are_reproducible():
    s = _rich()
    a, b = simulate(s, 2), simulate(s, 2)
    for name in a.contacts:
        assert np.array_equal(a.contacts[name], b.contacts[name], equal_nan=True), name
    assert np.array_equal(a.pending_journeys, b.pending_journeys)


def test_chatbot_rollout_scenario_runs_and_holds_together():
    from pathlib import Path

    from sim.scenario import load

    path = Path(__file__).resolve().parents[2] / "scenarios" / "chatbot_rollout.yaml"
    s = load(path).with_changes({"horizon": "1d", "warmup": "6h"})
    rec = simulate(s, 0)
    check_records(rec)
    k = replication_kpis(rec)
    check_kpis(k)
    j = journeys_table(rec)
    r = j[j.resolved]
    stage = r[[f"stage_{name}_s" for name in STAGES]].sum(axis=1)
    assert np.allclose(stage, r.resolution_latency_s, rtol=1e-9, atol=1e-6)
    # the bot contains roughly its intent-weighted containment (0.5*.55+.35*.25+.15*.05)
    assert 0.3 < _kpi(k, "containment_rate", "channel", "bot") < 0.44
    assert _kpi(k, "service_level") > 0.7 and _kpi(k, "recontact_rate") > 0.02
    assert 1 < _kpi(k, "effort_score") < 3 and _kpi(k, "cost_per_journey") > 0
    assert (j.repeated_info > 0).any() and (j.transfers > 0).any()
