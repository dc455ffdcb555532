"""A hand-made journey story: every journey figure and KPI computed by hand.

Window: warm-up 50 s, end 10000 s. Channels phone (voice), chat, bot. Pools front
(36/h, staffed 19900 s, busy 1990 s: loaded x10) and back (72/h, 9950 s staffed,
995 s busy: x10). Fees: phone 0.1, chat 0.05, bot 0.5 (0.8 when not contained).
Recontact window 3700 s, counted from the end of the served contact.

==  =========================================================================
J0  bot 0-120 contained (before the warm-up: not counted)
J1  bot 100-250 escalated -> phone, waits 50, 200 s with repeated info, resolved
J2  phone 1000: waits 20, 180 s, unresolved; back on chat at 4800 (3600 s after the
    call ended: a recontact), waits 10, 290 s, transferred (async, 600 s delay) to
    back: waits 300, 400 s, resolved at 6400
J3  phone 2000 abandons after 60 s; retries at 2660 and is blocked: gave up (a retry,
    not a recontact)
J4  phone 9000 still in service (open)
J5  chat 7000-7300 unresolved, a recontact scheduled after the end (open)
J6  bot 3000-3100 contained
==  =========================================================================
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.invariants import check_records
from sim.metrics import contacts_table, journeys_table, replication_kpis
from sim.metrics.effort import effort_score
from sim.records import (
    ABANDONED,
    BLOCKED,
    CONTACT_COLUMNS,
    ESCALATED,
    HANDLED,
    JOURNEY_COLUMNS,
    OPEN,
    TRANSFERRED,
    Records,
)

NAN = float("nan")
CH = {"phone": 0, "chat": 1, "bot": 2}
IN = {"billing": 0, "tech": 1}
PO = {"front": 0, "back": 1, None: -1}

# journey, step, channel, intent, pool, arrival, answer, end, wait, handle, outcome,
# in_window, attempt, resolved, repeated_info, asynchronous
ROWS = [
    (0, 0, "bot", "billing", None, 0, NAN, 120, NAN, 120, HANDLED, False, 0, 1, 0, 0),
    (1, 0, "bot", "tech", None, 100, NAN, 250, NAN, 150, ESCALATED, True, 0, 0, 0, 0),
    (1, 0, "phone", "tech", "front", 250, 300, 500, 50, 200, HANDLED, True, 0, 1, 1, 0),
    (2, 0, "phone", "billing", "front", 1000, 1020, 1200, 20, 180, HANDLED, True, 0, 0, 0, 0),
    (3, 0, "phone", "tech", None, 2000, NAN, 2060, 60, NAN, ABANDONED, True, 0, 0, 0, 0),
    (3, 0, "phone", "tech", None, 2660, NAN, 2660, NAN, NAN, BLOCKED, True, 1, 0, 0, 0),
    (6, 0, "bot", "billing", None, 3000, NAN, 3100, NAN, 100, HANDLED, True, 0, 1, 0, 0),
    (2, 0, "chat", "billing", "front", 4800, 4810, 5100, 10, 290, TRANSFERRED, True, 1, 0, 0,
     0),
    (2, 1, "chat", "billing", "back", 5700, 6000, 6400, 300, 400, HANDLED, True, 1, 1, 0, 1),
    (5, 0, "chat", "tech", "front", 7000, 7000, 7300, 0, 300, HANDLED, True, 0, 0, 0, 0),
    (4, 0, "phone", "billing", "front", 9000, 9000, NAN, 0, NAN, OPEN, True, 0, 0, 0, 0),
]


def story() -> Records:
    cols = {
        "contact_id": range(len(ROWS)), "journey_id": [r[0] for r in ROWS],
        "step": [r[1] for r in ROWS], "channel": [CH[r[2]] for r in ROWS],
        "intent": [IN[r[3]] for r in ROWS], "segment": [0] * len(ROWS),
        "pool": [PO[r[4]] for r in ROWS], "arrival_s": [r[5] for r in ROWS],
        "answer_s": [r[6] for r in ROWS], "end_s": [r[7] for r in ROWS],
        "wait_s": [r[8] for r in ROWS], "handle_s": [r[9] for r in ROWS],
        "outcome": [r[10] for r in ROWS], "in_window": [r[11] for r in ROWS],
        "attempt": [r[12] for r in ROWS], "resolved": [r[13] for r in ROWS],
        "repeated_info": [r[14] for r in ROWS], "asynchronous": [r[15] for r in ROWS],
    }
    dtypes = {**CONTACT_COLUMNS, **JOURNEY_COLUMNS}
    return Records(
        replication=3, warmup_s=50.0, end_s=10000.0, interval_s=10000.0, start_s=0.0,
        channels=tuple(CH), intents=tuple(IN), segments=("retail",), pools=("front", "back"),
        sl_target_s=np.array([20.0, 60.0, NAN]),
        contacts={k: np.asarray(list(cols[k]), dtype=dt) for k, dt in dtypes.items()},
        pool_staffed_s=np.array([[19900.0], [9950.0]]),
        pool_busy_s=np.array([[1990.0], [995.0]]),
        queue_area=np.zeros((3, 1)),
        channel_kinds=("voice", "chat", "bot"),
        pool_cost_per_hour=np.array([36.0, 72.0]),
        contact_cost=np.array([0.1, 0.05, 0.5]),
        failed_contact_cost=np.array([0.1, 0.05, 0.8]),
        recontact_window_s=3700.0,
        pending_journeys=np.array([5]),
    )


def kpis(group: str = "all", member: str = "") -> dict[str, float]:
    k = replication_kpis(story())
    rows = k[(k.group == group) & (k.member == member)]
    return dict(zip(rows.kpi, rows.value, strict=False))


def score(**drivers: float) -> float:
    return float(effort_score({k: np.array([v]) for k, v in drivers.items()})[0])


EFFORT = {
    1: score(contacts=1, channel_switches=1, repeated_info=1, waiting_per_min=50 / 60,
             failed_self_service=1),
    2: score(contacts=1, transfers=1, channel_switches=1, waiting_per_min=30 / 60),
    3: score(contacts=1, waiting_per_min=1, unresolved=1),
    6: 1.0,
}


def test_the_story_satisfies_the_invariants():
    check_records(story())


def test_journeys_table_by_hand():
    j = journeys_table(story()).set_index("journey_id")
    assert list(j.index) == [0, 1, 2, 3, 4, 5, 6]
    assert j.status.tolist() == ["resolved", "resolved", "resolved", "gave_up", "open", "open",
                                 "resolved"]
    assert j.channel.tolist() == ["bot", "bot", "phone", "phone", "phone", "chat", "bot"]
    assert j.loc[1, "resolution_latency_s"] == 400 and j.loc[2, "resolution_latency_s"] == 5400
    assert math.isnan(j.loc[3, "resolution_latency_s"])
    assert j.contacts.tolist() == [1, 2, 2, 2, 1, 1, 1]
    assert j.attempts.tolist() == [1, 1, 2, 2, 1, 1, 1]
    assert j.transfers.tolist() == [0, 0, 1, 0, 0, 0, 0]
    assert j.channel_switches.tolist() == [0, 1, 1, 0, 0, 0, 0]
    assert j.repeated_info.tolist() == [0, 1, 0, 0, 0, 0, 0]
    assert j.failed_self_service.tolist() == [0, 1, 0, 0, 0, 0, 0]
    assert j.hold_s.tolist() == [0, 50, 30, 60, 0, 0, 0]      # J2's back-office wait is not hold
    assert j.recontacted.tolist() == [False, False, True, False, False, False, False]
    assert j.retried.tolist() == [False, False, False, True, False, False, False]
    assert j.reached_agent.tolist() == [False, True, True, False, False, True, False]
    # first agent contact resolved, nothing after it: J1 (escalated from the bot)
    assert j.fcr.tolist() == [False, True, False, False, False, False, False]
    two = j.loc[2]
    assert (two.stage_self_service_s, two.stage_queue_s, two.stage_handling_s,
            two.stage_handoff_delay_s, two.stage_backstage_s, two.stage_recontact_gap_s,
            two.stage_closed_s) == (0, 330, 870, 600, 0, 3600, 0)
    one = j.loc[1]
    assert (one.stage_self_service_s, one.stage_queue_s, one.stage_handling_s) == (150, 50, 200)
    for jid, value in EFFORT.items():
        assert j.loc[jid, "effort_score"] == pytest.approx(value)
    # cost: fees + each pool's staffed cost shared in proportion to handle time over
    # the window's journeys (front: 199 over 970 s; back: 199 over J2's 400 s); J0
    # started before the window and is charged nothing
    front = 199 / 970
    assert j.cost.tolist() == pytest.approx(
        [0, 0.9 + 200 * front, 0.15 + 470 * front + 199, 0.1, 0.1, 0.05 + 300 * front, 0.5])
    assert j.cost[j.in_window].sum() == pytest.approx(199 + 199 + 1.8)
    assert j.completed.tolist() == [False, True, True, False, False, False, True]


def test_journey_kpis_by_hand():
    got = kpis()
    expected = {
        "journeys": 6,
        "resolution_rate": 3 / 6,
        "resolution_latency_s": (400 + 5400 + 100) / 3,
        "resolution_latency_s_p50": 400,
        "resolution_latency_s_p90": 400 + 0.8 * 5000,
        "recontact_rate": 1 / 4,               # J2, of J1, J2, J5, J6 (served)
        "retry_rate": 1 / 6,                   # J3
        "fcr": 1 / 3,                          # J1, of J1, J2, J5 (reached an agent)
        "open_at_cutoff": 2 / 6,               # J4, J5
        "containment_rate": 1 / 2,             # J1 escalated, J6 contained (J0 before warm-up)
        "contacts_per_journey": 9 / 6,
        "transfers_per_journey": 1 / 6,
        "effort_score": np.mean([EFFORT[k] for k in (1, 2, 3, 6)]),
        "cost_total": 19900 * 0.01 + 9950 * 0.02 + 1.8,   # staffed time + in-window fees
        "cost_per_journey": (398 + 1.8) / 6,
        "mean_sojourn_s": (400 + 5400 + 100) / 3,
        # the contact-centre KPIs leave the bot sessions out of waiting and handling
        "offered": 7,                          # the two bot sessions are not offered
        "sessions": 2,
        "handled": 4,
        "aht_s": (200 + 180 + 290 + 300) / 4,
        "service_level": 4 / 7,                # J4, in service at the end, was answered at once
        "asa_s": (50 + 20 + 10 + 0 + 0) / 5,
    }
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=1e-12), k


def test_breakdowns_by_first_channel_and_pool_costs():
    bot, phone, chat = kpis("channel", "bot"), kpis("channel", "phone"), kpis("channel", "chat")
    assert (bot["journeys"], phone["journeys"], chat["journeys"]) == (2, 3, 1)
    front = 199 / 970
    assert bot["cost_total"] == pytest.approx(1.4 + 200 * front)
    assert bot["cost_per_journey"] == pytest.approx((1.4 + 200 * front) / 2)
    assert phone["cost_total"] == pytest.approx(0.35 + 470 * front + 199)
    assert chat["cost_per_journey"] == pytest.approx(0.05 + 300 * front)
    parts = bot["cost_total"] + phone["cost_total"] + chat["cost_total"]
    assert parts == pytest.approx(kpis()["cost_total"])      # the channels add up
    assert bot["containment_rate"] == 0.5 and math.isnan(phone["containment_rate"])
    assert bot["fcr"] == 1.0 and bot["resolution_latency_s"] == 250  # J1 reached an agent
    assert math.isnan(chat["effort_score"])                 # J5 is still open
    assert kpis("pool", "front")["cost_total"] == pytest.approx(199)
    assert kpis("pool", "back")["cost_total"] == pytest.approx(199)
    tech = kpis("intent", "tech")                           # J1, J3, J5
    assert tech["journeys"] == 3 and tech["recontact_rate"] == 0   # J3 retried
    assert tech["retry_rate"] == pytest.approx(1 / 3)


def test_contacts_table_carries_the_journey_columns():
    df = contacts_table(story())
    assert list(df.columns) == ["replication", *CONTACT_COLUMNS, *JOURNEY_COLUMNS]
    assert df["outcome"].tolist()[1] == "escalated"
    assert df["resolved"].dtype == bool and df["attempt"].dtype == np.int16


def test_effort_weights_travel_with_the_records():
    rec = story()
    rec.effort_weights = {"repeated_info": 3.0}
    j = journeys_table(rec).set_index("journey_id")
    drivers = {"contacts": 1, "channel_switches": 1, "repeated_info": 1,
               "waiting_per_min": 50 / 60, "failed_self_service": 1}
    heavier = effort_score({k: np.array([v]) for k, v in drivers.items()},
                           {"repeated_info": 3.0})[0]
    assert j.loc[1, "effort_score"] == pytest.approx(heavier)
    assert heavier > EFFORT[1]
    assert j.loc[2, "effort_score"] == pytest.approx(EFFORT[2])   # no repeated info there


def test_time_queued_as_an_email_is_not_time_on_hold():
    """The customer is not on the line while an email waits: no hold effort for it."""
    import dataclasses

    as_email = dataclasses.replace(story(), channel_kinds=("voice", "email", "bot"))
    j = journeys_table(as_email).set_index("journey_id")
    assert j.hold_s.tolist() == [0, 50, 20, 60, 0, 0, 0]      # J2's 10 s in the mail queue
