"""Field operations (technician visits) against closed forms, stories and conservation.

Oracles
-------
* Calendar: with technicians on duty around the clock and ample of them, the
  first visit's slot is the first slot boundary at or after ``booking + lead``, so
  the appointment lead lies in ``[lead, lead + slot)``; with working hours, a brute
  force walk over the working blocks gives the same slot. With bookings at rate
  ``λ`` per day into ``c`` slots per day (``λ > c``) the calendar's frontier moves at
  ``λ / c`` days per day, so the lead grows at ``λ / c - 1`` days per day.
* Missing parts: with ``fix = 1``, no no-shows and a missing part on a visit with
  probability ``q`` (the repeat always brings the ordered part), visits per need
  are ``1 + q``.
* No-shows and failed fixes: each visit succeeds with ``p = (1 - no_show) · fix``;
  with a cap of ``m`` visits, visits per need are ``(1 - (1 - p)^m) / p`` and the
  need stays unresolved with probability ``(1 - p)^m``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.invariants import check_records
from sim.metrics import journeys_table, replication_kpis, visits_table
from sim.model import World, simulate
from sim.model.field import working_blocks
from sim.records import FIXED, MISSING_PART, NO_SHOW, NOT_FIXED, UNBOOKED, VISIT_OPEN
from sim.scenario.schema import Scenario

from .helpers import base

DAY = 86400.0
ALL_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MADE = (FIXED, MISSING_PART, NO_SHOW, NOT_FIXED)


def _det(value: str) -> dict[str, str]:
    return {"dist": "deterministic", "value": value}


def field_scenario(size: int = 50, hours: Any = None, visits: dict | None = None,
                   rate: str = "2/h", needed: float = 0.5, **over: Any) -> Scenario:
    """One phone line (ample agents, 1 min handling) booking visits of one crew."""
    v = {"needed": {"general": needed}, "lead_time": "1d", "slot": "15min",
         "travel": _det("4min"), "on_site": _det("8min")}
    v.update(visits or {})
    d = base(horizon="20d", warmup="1d", seed=3,
             channels={"phone": {"kind": "voice"}, "vans": {"kind": "field", "visits": v}},
             demand=[{"channel": "phone", "rate": rate}],
             intents={"general": {"handle_time": _det("1min")}},
             pools={"agents": {"size": 30, "channels": ["phone"]}},
             technicians={"crew": {"size": size, "hours": hours or {
                 "start": "00:00", "end": "24:00", "days": ALL_DAYS}}})
    d.update(over)
    return Scenario.from_dict(d)


def _visits(scenario: Scenario, replication: int = 0) -> tuple[pd.DataFrame, Any]:
    rec = simulate(scenario, replication)
    check_records(rec)
    assert rec.visits is not None
    return pd.DataFrame(rec.visits), rec


def _kpi(frame: pd.DataFrame, kpi: str, group: str = "all", member: str = "") -> float:
    row = frame[(frame.group == group) & (frame.member == member) & (frame.kpi == kpi)]
    return float(row.value.iloc[0])


# -- the calendar ------------------------------------------------------------------
def test_ample_technicians_days_to_visit_is_the_lead_time():
    s = field_scenario()
    v, rec = _visits(s)
    first = v[v.visit == 1]
    assert len(first) > 300
    lead = first.slot_start_s - first.booked_s
    assert (lead >= DAY - 1e-6).all() and (lead < DAY + 900.0).all()
    assert (first.slot_start_s % 900.0 == 0).all()           # on a slot boundary
    days = _kpi(replication_kpis(rec), "days_to_visit")
    assert 1.0 <= days < 1.0 + 900.0 / DAY


def _first_slot(t: float, blocks: list[tuple[float, float]], slot: float) -> float:
    """Brute force: the first slot start >= t in the working blocks."""
    for a, b in blocks:
        for i in range(int((b - a) / slot + 1e-9)):
            if a + i * slot >= t - 1e-6:
                return a + i * slot
    raise AssertionError("no slot")


def test_story_slots_follow_working_hours_and_visits_follow_slots():
    """Weekday hours 08:00-17:00, 2h slots (four a day), a crew too big to fill up:
    every first visit takes the first slot >= booking + 1d; the technician sets off at
    the slot start, arrives after the travel time and leaves after the on-site time."""
    hours = {"start": "08:00", "end": "17:00"}
    s = field_scenario(hours=hours, visits={"slot": "2h"}, rate="1/h")
    v, _ = _visits(s)
    blocks = working_blocks(s.technicians["crew"], s.start, 0.0, s.end_s + 10 * DAY)
    first = v[v.visit == 1]
    expect = [_first_slot(t + DAY, blocks, 7200.0) for t in first.booked_s]
    np.testing.assert_allclose(first.slot_start_s, expect)
    assert {(t % DAY) / 3600 for t in first.slot_start_s} <= {8.0, 10.0, 12.0, 14.0}
    done = first[first.outcome.isin(MADE)]
    assert len(done) > 100
    np.testing.assert_allclose(done.start_s, done.slot_start_s)
    np.testing.assert_allclose(done.arrive_s - done.start_s, 240.0)
    np.testing.assert_allclose(done.end_s - done.arrive_s, 480.0)


def test_fewer_technicians_longer_days_to_visit():
    """Monotone in the crew size (common random numbers): 2 < 3 < 4 < 8 technicians."""
    hours = {"start": "08:00", "end": "17:00"}
    days = []
    for size in (2, 3, 4, 8):
        s = field_scenario(size=size, hours=hours, visits={"slot": "2h"}, rate="3/h",
                           needed=0.3)
        days.append(np.mean([_kpi(replication_kpis(simulate(s, r)), "days_to_visit")
                             for r in range(2)]))
    assert days[0] > days[1] > days[2] > days[3] >= 1.0, days
    assert days[0] > 2 * days[3]


def test_lead_grows_when_bookings_exceed_slot_capacity():
    """λ = 288 bookings a day into c = 8 x 24 = 192 slots a day: the lead grows by
    λ/c - 1 = 0.5 day per day. The tolerance is the regression's own noise: the lead
    is a line plus (N(t) - λt)/c, a random walk of variance λ/c² per day, whose
    least-squares slope over T days has variance 6/5 · λ/c² / T."""
    lam, c, reps = 288.0, 192.0, 2
    s = field_scenario(size=8, visits={"slot": "1h"}, rate="24/h", needed=0.5)
    slopes, span = [], 0.0
    for r in range(reps):
        v, _ = _visits(s, r)
        first = v[(v.visit == 1) & (v.booked_s > 2 * DAY)]
        t = first.booked_s / DAY
        lead = (first.slot_start_s - first.booked_s) / DAY
        slopes.append(np.polyfit(t, lead, 1)[0])
        span = float(t.max() - t.min())
        half = len(first) // 2
        assert lead.iloc[half:].mean() > lead.iloc[:half].mean() + 3.0
    se = math.sqrt(6 / 5 * lam / c**2 / span / reps)
    assert se < 0.03
    assert abs(np.mean(slopes) - (lam / c - 1)) < 4 * se, (slopes, se)


# -- repeats -------------------------------------------------------------------------
def _finished_first(v: pd.DataFrame, before_s: float) -> pd.DataFrame:
    """Per journey first booked before ``before_s``: visits made, fixed, and last outcome."""
    firsts = v[v.visit == 1].set_index("journey_id").booked_s
    keep = firsts[firsts < before_s].index
    rows = v[v.journey_id.isin(keep)]
    assert not (rows.outcome == VISIT_OPEN).any(), "early journeys must be finished"
    return rows.groupby("journey_id").agg(
        visits=("outcome", lambda o: int(np.isin(o, MADE).sum())),
        fixed=("outcome", lambda o: int((o == FIXED).sum())),
        last=("outcome", "last"))


def test_missing_parts_raise_visits_per_journey_by_q():
    q = 0.25
    s = field_scenario(visits={"parts": {"missing": q, "delivery": "2d"}, "fix": 1.0},
                       rate="12/h")
    per, kpis = [], []
    for r in range(2):
        v, rec = _visits(s, r)
        f = _finished_first(v, s.end_s - 6 * DAY)
        assert (f.fixed == 1).all() and (f.visits <= 2).all()
        per.append(f.visits.to_numpy())
        kpis.append(_kpi(replication_kpis(rec), "visits_per_journey"))
        # the repeat after a missing part waits for the delivery
        repeat = v[v.visit == 2]
        assert (repeat.slot_start_s - repeat.booked_s >= 2 * DAY - 1e-6).all()
    visits = np.concatenate(per)
    se = math.sqrt(q * (1 - q) / visits.size)
    assert visits.size > 2000 and se < 0.01
    assert abs(visits.mean() - (1 + q)) < 4 * se, (visits.mean(), 1 + q, se)
    assert np.mean(kpis) == pytest.approx(1 + q, abs=0.03)


def test_no_shows_and_failed_fixes_repeat_up_to_the_cap():
    a, fix, m = 0.2, 0.6, 2
    p = (1 - a) * fix
    s = field_scenario(visits={"no_show": a, "fix": fix, "max_visits": m}, rate="12/h")
    rows = []
    for r in range(2):
        v, _ = _visits(s, r)
        assert v.visit.max() <= m
        assert (v.outcome == NO_SHOW).any() and (v.outcome == NOT_FIXED).any()
        rows.append(_finished_first(v, s.end_s - 4 * DAY))
    f = pd.concat(rows)
    n = len(f)
    ev = (1 - (1 - p) ** m) / p
    law = np.array([p * (1 - p) ** (k - 1) for k in range(1, m)] + [(1 - p) ** (m - 1)])
    ks = np.arange(1, m + 1)
    assert (law * ks).sum() == pytest.approx(ev)
    var_v = (law * ks**2).sum() - ev**2
    assert abs(f.visits.mean() - ev) < 4 * math.sqrt(var_v / n)
    unresolved = (f.fixed == 0).mean()
    p_u = (1 - p) ** m
    assert abs(unresolved - p_u) < 4 * math.sqrt(p_u * (1 - p_u) / n)
    # an unresolved need used up its visits
    assert (f[f.fixed == 0].visits == m).all()


def test_nothing_is_lost():
    """Every contact that booked a visit has its journey in the visits table, and every
    such journey ends fixed (once, as its last visit), unresolved after the cap, without
    a slot, or still open; its status in the journeys table agrees."""
    s = field_scenario(size=4, hours={"start": "08:00", "end": "17:00"},
                       visits={"slot": "2h", "no_show": 0.1, "fix": 0.5, "max_visits": 2,
                               "parts": {"missing": 0.1}, "booking_window": "6d"},
                       rate="1/h", run_out="0s")  # no follow-up: some visits stay open
    v, rec = _visits(s)
    c = rec.contacts
    booked = (c["outcome"] == 0) & ~c["resolved"]   # handled, not resolved: booked a visit
    assert set(np.unique(c["journey_id"][booked])) == set(v.journey_id)
    j = journeys_table(rec).set_index("journey_id")
    kinds = {"fixed": 0, "cap": 0, "unbooked": 0, "open": 0}
    for jid, rows in v.groupby("journey_id"):
        out = rows.outcome.to_numpy()
        assert list(rows.visit) == list(range(1, len(rows) + 1))
        assert (out[:-1] != FIXED).all() and np.isin(out[:-1], MADE).all()
        status = j.loc[jid, "status"]
        if out[-1] == FIXED:
            kinds["fixed"] += 1
            assert status == "resolved"
            assert j.loc[jid, "resolution_latency_s"] == pytest.approx(
                rows.end_s.iloc[-1] - j.loc[jid, "start_s"])
        elif out[-1] == VISIT_OPEN:
            kinds["open"] += 1
            assert status == "open"
        elif out[-1] == UNBOOKED:
            kinds["unbooked"] += 1
            assert status == "gave_up"
        else:
            kinds["cap"] += 1
            assert len(rows) == 2 and status == "gave_up"
        assert j.loc[jid, "visits"] == int(np.isin(out, MADE).sum())
    assert all(kinds.values()), kinds


# -- the parts system ------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["delay", "missing"])
def test_inventory_outage_delays_or_fails_visits(mode: str):
    """Inventory down day 6 08:00-11:00 (sim 5d 8h - 5d 11h)."""
    s = field_scenario(visits={"parts": {"system": "inventory", "on_outage": mode,
                                         "recheck": "5min"}},
                       backstage={"inventory": {"latency": "2s"}}, rate="12/h",
                       outages=[{"target": "inventory", "at": "day 6 08:00", "for": "3h"}])
    v, rec = _visits(s)
    assert rec.backstage_s is not None and not rec.backstage_s.any()  # contacts never use it
    # a slot starting at the very moment of the restoration may still find it down
    down = (v.start_s >= 5 * DAY + 8 * 3600) & (v.start_s <= 5 * DAY + 11 * 3600)
    hit, rest = v[down], v[~down & v.outcome.isin(MADE)]
    assert len(hit) > 5
    if mode == "delay":
        set_off = hit.arrive_s - 240.0
        assert (set_off >= 5 * DAY + 11 * 3600).all()
        assert (set_off < 5 * DAY + 11 * 3600 + 300 + 1e-6).all()
        assert (hit.outcome == FIXED).all()
    else:
        assert (hit.outcome == MISSING_PART).all()
        np.testing.assert_allclose(hit.arrive_s - hit.start_s, 240.0)
    assert (rest.outcome == FIXED).all()
    repeated = set(rest[rest.visit > 1].journey_id)
    assert repeated == (set(hit.journey_id) if mode == "missing" else set())


# -- utilisation, determinism, common random numbers --------------------------------
def test_technician_utilization_is_busy_over_working_time():
    """Deterministic 4 + 8 minutes per visit, around-the-clock hours: utilisation is
    the visits made in the window times 12 minutes over size x window."""
    s = field_scenario(size=3, visits={"slot": "1h"})
    v, rec = _visits(s)
    inside = v[(v.start_s >= s.warmup) & (v.end_s <= s.end_s)]
    expected = len(inside) * 720.0 / (3 * s.horizon)
    got = _kpi(replication_kpis(rec), "technician_utilization")
    assert got == pytest.approx(expected, rel=0.01)
    pools = replication_kpis(rec)
    assert _kpi(pools, "technician_utilization", "pool", "crew") == pytest.approx(got)


def test_same_seed_same_visits_and_field_leaves_contacts_alone():
    s = field_scenario(visits={"no_show": 0.1, "fix": 0.8, "parts": {"missing": 0.1}})
    a, b = simulate(s, 1), simulate(s, 1)
    for k in a.visits:
        np.testing.assert_array_equal(a.visits[k], b.visits[k])
    # the field draws come from their own streams: contacts are the same as with no
    # visit ever needed (common random numbers)
    none = field_scenario(needed=0.0, visits={"no_show": 0.1, "fix": 0.8})
    c = simulate(none, 1)
    assert len(c.visits["journey_id"]) == 0
    for k in ("arrival_s", "answer_s", "handle_s", "intent"):
        np.testing.assert_array_equal(a.contacts[k], c.contacts[k])


def test_visits_table_and_costs():
    s = field_scenario(size=4, visits={"cost_per_visit": 20.0, "slot": "1h"})
    s = s.with_changes({"technicians.crew.cost_per_hour": 36.0})
    rec = simulate(s, 0)
    t = visits_table(rec)
    assert t is not None and list(t.columns[:3]) == ["replication", "journey_id", "visit"]
    assert set(t.pool.astype(str)) == {"crew"} and set(t.territory.astype(str)) == {"default"}
    k = replication_kpis(rec)
    start = rec.visits["start_s"]
    set_off = ((start >= s.warmup) & (start < s.end_s)).sum()
    assert _kpi(k, "cost_total") == pytest.approx(4 * 36.0 * s.horizon / 3600 + 20.0 * set_off)
    assert _kpi(k, "cost_total", "pool", "crew") == pytest.approx(4 * 36.0 * s.horizon / 3600)


def test_world_without_field_has_no_field_facts():
    rec = World(Scenario.from_dict(base(horizon="2h", warmup="0s")), 0).run().records()
    assert rec.visits is None and rec.field_ops is None
    assert not {"visits", "days_to_visit"} & set(replication_kpis(rec).kpi)
