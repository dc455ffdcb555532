"""Opening hours of live channels: contacts landing on a closed channel wait for it to open.

Oracles: the clock arithmetic of ``next_open`` by hand; bit-identical records when
the hours never close; every arrival on the channel inside its hours; recontacts of
the night at the next opening; conservation (every journey's contacts accounted for).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import simulate
from sim.model.hours import day_blocks, next_open
from sim.records import ABANDONED, BLOCKED, HANDLED, OPEN, Records
from sim.scenario.field import WorkingHours
from sim.scenario.units import DAY_S, WEEK_S
from tests.model.helpers import base, build

H = 3600.0
OPEN_8_20 = {"start": "08:00", "end": "20:00", "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]}


def _blocks(**hours):
    return day_blocks([WorkingHours.model_validate(hours)])


def test_next_open_by_hand():
    blocks = _blocks(**OPEN_8_20)
    assert next_open(blocks, 9 * H) == 0.0                     # Mon 09:00: open
    assert next_open(blocks, 3 * H) == 5 * H                   # Mon 03:00 -> 08:00
    assert next_open(blocks, 20 * H) == 12 * H                 # Mon 20:00 -> Tue 08:00
    sat_21 = 5 * DAY_S + 21 * H                                # Sat 21:00 -> Mon 08:00
    assert next_open(blocks, sat_21) == pytest.approx(WEEK_S - sat_21 + 8 * H)
    assert next_open(blocks, WEEK_S + 3 * H) == 5 * H          # the week repeats
    assert next_open([], 0.0) == float("inf")


def _week_clock(t: np.ndarray, start_s: float) -> tuple[np.ndarray, np.ndarray]:
    w = (t + start_s) % WEEK_S
    day = (w // DAY_S).astype(int)
    return day, w - day * DAY_S


def _assert_inside(t: np.ndarray, start_s: float, tol: float = 1e-3) -> None:
    day, tod = _week_clock(t, start_s)
    assert np.all(day < 6), "a contact arrived on Sunday"
    assert np.all(tod >= 8 * H - tol) and np.all(tod < 20 * H + tol), np.sort(tod / H)[:5]


def _journey_scenario(**channel) -> dict:
    d = base(
        horizon="4d", warmup="0s", replications=2,
        channels={"phone": {"kind": "voice", "patience": {"dist": "exponential",
                                                          "mean": "3min"}, **channel}},
        demand=[{"channel": "phone", "rate": "40/h"}],
        intents={"general": {"handle_time": {"dist": "exponential", "mean": "5min"},
                             "resolution": 0.6}},
        pools={"agents": {"size": 4, "channels": ["phone"]}},
        recontact={"probability": 0.8, "delay": {"dist": "exponential", "mean": "8h"},
                   "max_attempts": 4,
                   "retry": {"probability": 0.7, "delay": {"dist": "exponential",
                                                           "mean": "30min"}}},
    )
    return d


def _same(a: Records, b: Records) -> None:
    assert a.contacts.keys() == b.contacts.keys()
    for k in a.contacts:
        np.testing.assert_array_equal(a.contacts[k], b.contacts[k], err_msg=k)
    np.testing.assert_array_equal(a.pool_busy_s, b.pool_busy_s)
    np.testing.assert_array_equal(a.queue_area, b.queue_area)


def test_hours_that_never_close_change_nothing():
    plain = build(_journey_scenario())
    always = build(_journey_scenario(hours={"start": "00:00", "end": "24:00",
                                            "days": ["Mon", "Tue", "Wed", "Thu", "Fri",
                                                     "Sat", "Sun"]}))
    for r in range(2):
        _same(simulate(plain, r), simulate(always, r))


def test_no_hours_is_deterministic_and_classic():
    d = base(horizon="10h", replications=1)
    _same(simulate(build(d), 0), simulate(build(d), 0))


def test_arrivals_and_answers_only_in_opening_hours():
    d = base(horizon="4d", warmup="0s", replications=1,
             channels={"phone": {"kind": "voice", "hours": OPEN_8_20}},
             demand=[{"channel": "phone", "rate": "10/h"}],
             pools={"agents": {"size": 200, "channels": ["phone"]}})
    sc = build(d)
    rec = simulate(sc, 0)
    c = rec.contacts
    assert len(c["arrival_s"]) > 0
    _assert_inside(c["arrival_s"], sc.start)
    answered = c["answer_s"][~np.isnan(c["answer_s"])]
    _assert_inside(answered, sc.start)  # ample staff: answered on arrival
    # the night's arrivals all land at 08:00: a spike at the opening
    _, tod = _week_clock(c["arrival_s"], sc.start)
    assert np.sum(np.abs(tod - 8 * H) < 1e-3) > 50


def test_without_recontacts_only_arrivals_shift():
    """Same demand draws: with hours, each arrival is the plain one moved to the opening."""
    d = base(horizon="3d", warmup="0s", replications=1,
             demand=[{"channel": "phone", "rate": "10/h"}],
             pools={"agents": {"size": 200, "channels": ["phone"]}})
    plain = simulate(build(d), 0).contacts
    d["channels"]["phone"]["hours"] = OPEN_8_20
    sc = build(d)
    shifted = simulate(sc, 0).contacts
    hours_blocks = day_blocks([WorkingHours.model_validate(OPEN_8_20)])
    expected = np.sort([t + next_open(hours_blocks, t + sc.start) for t in plain["arrival_s"]])
    # every deferred arrival is made, those after the horizon in the follow-up
    np.testing.assert_allclose(np.sort(shifted["arrival_s"]), expected, atol=1e-6)
    # handle times are the same draws, attached to the same customers (journeys)
    by_journey = dict(zip(plain["journey_id"].tolist(), plain["handle_s"].tolist(), strict=True))
    for j, h in zip(shifted["journey_id"].tolist(), shifted["handle_s"].tolist(), strict=True):
        if not np.isnan(h):
            assert h == by_journey[j]


def test_recontacts_in_the_night_land_at_the_opening():
    sc = build(_journey_scenario(hours=OPEN_8_20))
    rec = simulate(sc, 0)
    c = rec.contacts
    _assert_inside(c["arrival_s"], sc.start)
    repeat = c["attempt"] > 0
    assert repeat.sum() > 20
    _, tod = _week_clock(c["arrival_s"][repeat], sc.start)
    # an 8h mean delay sends many recontacts into the night: they come at 08:00
    assert np.sum(np.abs(tod - 8 * H) < 1e-3) > 5


def test_conservation_with_hours():
    """Every contact ends in one outcome; every journey's attempts are 0, 1, 2, ...;
    a journey with a pending contact has no later contact than its last one."""
    sc = build(_journey_scenario(hours=OPEN_8_20))
    for r in range(2):
        rec = simulate(sc, r)
        c = rec.contacts
        outcomes = set(np.unique(c["outcome"]).tolist())
        assert outcomes <= {HANDLED, ABANDONED, BLOCKED, OPEN}
        first = c["step"] == 0
        journeys, attempts = c["journey_id"][first], c["attempt"][first]
        for j in np.unique(journeys):
            a = np.sort(attempts[journeys == j])
            np.testing.assert_array_equal(a, np.arange(len(a)))
        # fresh customers: ids 0..n-1, each with a first contact or still pending at the end
        fresh = set(journeys[attempts == 0].tolist())
        pending = set(rec.pending_journeys.tolist()) if rec.pending_journeys is not None else set()
        assert set(range(max(fresh) + 1)) <= fresh | pending
        waits = c["wait_s"][~np.isnan(c["wait_s"])]
        assert np.all(waits >= 0)


def test_bot_escalations_and_failovers_wait_for_the_opening():
    """A bot (always open) escalates to a phone line with hours; the phone's outage
    fails over to a chat that closes at noon: both land only inside opening hours."""
    morning = {"start": "08:00", "end": "12:00", "days": ["Mon", "Tue", "Wed", "Thu", "Fri"]}
    d = base(
        horizon="3d", warmup="0s", replications=1,
        channels={
            "bot": {"kind": "bot", "containment": 0.3, "escalation": {"to": {"phone": 1.0}}},
            "phone": {"kind": "voice", "hours": OPEN_8_20},
            "chat": {"kind": "chat", "hours": morning},
        },
        demand=[{"channel": "bot", "rate": "20/h"}],
        pools={"agents": {"size": 100, "channels": ["phone", "chat"]}},
        outages=[{"target": "phone", "at": "Mon 13:00", "for": "3h"}],
        failover=[{"from": "phone", "to": "chat", "share": 1.0}],
    )
    sc = build(d)
    c = simulate(sc, 0).contacts
    phone, chat = (c["channel"] == 1), (c["channel"] == 2)
    assert phone.sum() > 100 and chat.sum() > 10
    _assert_inside(c["arrival_s"][phone], sc.start)
    day, tod = _week_clock(c["arrival_s"][chat], sc.start)
    assert np.all((tod >= 8 * H - 1e-3) & (tod < 12 * H))
    # the afternoon's failovers came to the chat on Tuesday at 08:00
    assert np.all(day == 1) and np.sum(np.abs(tod - 8 * H) < 1e-3) == chat.sum()
