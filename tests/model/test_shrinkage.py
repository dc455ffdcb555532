"""Shrinkage as it happens (sim.model.shrinkage): breaks, daily absence, adherence.

Each test would fail if the feature did nothing: a break rule takes exactly
n_breaks x length agent-minutes per present agent off duty, absence of share a takes
about a of the rostered agent time (within binomial limits over days), adherence
thins the available time to its share, waits rise accordingly, and the records keep
their invariants (busy agents never above those on duty: an agent going on a break
finishes the contact in hand first).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.invariants import check_records
from sim.metrics import replication_kpis
from sim.model import simulate
from sim.model.shrinkage import break_starts, pool_steps, scheduled_steps
from sim.model.staffing import headcount_steps
from sim.model.streams import Streams
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from tests.model.helpers import base, build, pick

AGENTS = 20
SHIFT_MIN = 8 * 60  # 08:00-16:00
BREAKS = [{"length": "15min", "window": ["10:00", "11:00"]},
          {"length": "30min", "window": ["12:00", "14:00"]}]
# demand only while the shift is on duty, so waits measure the shift alone (rates are
# means over the day: 1.6/min is 4.8/min, 14.4 Erlang of 3-min calls, during the shift)
PROFILE = {"interval": "1h", "weights": [0] * 8 + [1] * 8 + [0] * 8}


def _scenario(days: int = 7, rate: str = "1.6/min", **shift) -> Scenario:
    sh = {"start": "08:00", "end": "16:00", "agents": AGENTS, **shift}
    return build(base(horizon=f"{days}d", warmup="0s", run_out="1h", replications=1,
                      demand=[{"channel": "phone", "rate": rate, "profile": PROFILE}],
                      intents={"general": {"handle_time": {"dist": "exponential",
                                                           "mean": "3min"}}},
                      pools={"agents": {"shifts": [sh], "channels": ["phone"]}}))


def _area(times: list[float], counts: list[int], end_s: float) -> float:
    """Agent-seconds of a step function over [0, end_s)."""
    edges = np.append(np.asarray(times), end_s)
    return float(np.sum(np.diff(edges) * np.asarray(counts)))


def _steps(sc: Scenario, replication: int = 0) -> tuple[list[float], list[int]]:
    pool = sc.pools["agents"]
    return pool_steps(pool, "agents", sc.start, sc.end_s, Streams(sc.seed, replication))


def test_stagger_rule_spreads_breaks_evenly():
    sc = _scenario(shrinkage=0.0, breaks=BREAKS)
    brk = sc.pools["agents"].shifts[0].breaks[0]
    starts = break_starts(brk, 8 * 3600.0, AGENTS)  # minutes after 08:00
    assert starts[0] == 120 and starts[-1] == 120 + 45  # window start .. last start inside
    assert np.all(np.diff(starts) >= 0) and np.all(np.diff(starts) <= 3)
    times, counts = _steps(sc)
    t = np.asarray(times) % 86400
    c = np.asarray(counts)
    in_window = (t >= 10 * 3600) & (t < 11 * 3600)
    # at most ceil(19 x 15 / 45) + 1 = 8 away at a time, never everyone: staggered
    assert AGENTS - 8 <= c[in_window].min() <= AGENTS - 6
    fixed = _scenario(breaks=[{"length": "15min", "at": "10:30"}])
    times, counts = _steps(fixed)
    day = np.asarray(counts)[(np.asarray(times) % 86400 == 10.5 * 3600)]
    assert (day == 0).all() and day.size == 7  # a fixed break: all of them at once


@pytest.mark.parametrize("breaks", [BREAKS, [{"length": "15min", "at": "10:30"}]])
def test_breaks_take_exactly_their_agent_minutes(breaks):
    plain, with_breaks = _scenario(), _scenario(breaks=breaks)
    off_min = sum(int(b["length"].removesuffix("min")) for b in breaks)
    expected = 7 * AGENTS * off_min * 60.0
    # the roster itself: exactly n_days x agents x (sum of lengths)
    a0 = _area(*headcount_steps(plain.pools["agents"], 0.0, plain.end_s), plain.end_s)
    a1 = _area(*_steps(with_breaks), with_breaks.end_s)
    assert a0 - a1 == pytest.approx(expected, abs=1e-6)
    # in the engine (light load, 1.8 Erlang): agents are on duty for the roster, plus the
    # few minutes a busy agent takes to finish its contact before a break or the shift end
    light0, light1 = _scenario(rate="0.2/min"), _scenario(rate="0.2/min", breaks=breaks)
    s0, s1 = (simulate(sc, 0).pool_staffed_s.sum() for sc in (light0, light1))
    assert 0 <= s1 - a1 < 0.02 * a1 and 0 <= s0 - a0 < 0.02 * a0
    assert s0 - s1 == pytest.approx(expected, rel=0.05)
    # loaded (14.4 Erlang on 20): waits rise; busy agents finish first, so the drop is less
    r0, r1 = simulate(plain, 0), simulate(with_breaks, 0)
    check_records(r1)
    assert r1.pool_scheduled_s is not None
    assert r1.pool_scheduled_s.sum() == pytest.approx(7 * AGENTS * SHIFT_MIN * 60.0)
    k0, k1 = replication_kpis(r0), replication_kpis(r1)
    sched = pick(k1, "scheduled_agents_mean")[0]
    assert sched == pytest.approx(pick(k0, "staffed_agents_mean")[0], rel=0.01)
    assert pick(k1, "staffed_agents_mean")[0] < sched
    assert pick(k1, "asa_s")[0] > pick(k0, "asa_s")[0]  # fewer on duty: longer waits


def test_absence_takes_its_share_of_rostered_time():
    a, days = 0.1, 400
    sc = _scenario(days=days, absence=a)
    present = _area(*_steps(sc), sc.end_s)
    rostered = days * AGENTS * SHIFT_MIN * 60.0
    # absent agents over the run: Binomial(days x agents, a), each missing a whole shift
    absent = (rostered - present) / (SHIFT_MIN * 60.0)
    assert absent == pytest.approx(round(absent))
    n = days * AGENTS
    assert abs(absent - n * a) < 4 * np.sqrt(n * a * (1 - a))
    # drawn per day: the daily absentee counts vary as a binomial does
    _, counts = _steps(sc)
    daily = AGENTS - np.asarray([c for c in counts if c > 0])
    assert daily.var() == pytest.approx(AGENTS * a * (1 - a), rel=0.3)
    # another replication, other days; another stream than adherence's
    assert _steps(sc, 1) != _steps(sc, 0)


def test_adherence_thins_available_time_to_its_share():
    adh, days = 0.9, 200
    sc = _scenario(days=days, adherence=adh, breaks=BREAKS)
    scheduled = days * AGENTS * (SHIFT_MIN - 45) * 60.0  # on duty and not on break
    available = _area(*_steps(sc), sc.end_s)
    slots = days * AGENTS * SHIFT_MIN / 15
    sd = np.sqrt(slots * adh * (1 - adh)) * 15 * 60.0  # binomial slots of 15 min
    assert abs(available - adh * scheduled) < 4 * sd


def test_waits_rise_with_absence_and_invariants_hold():
    frames = {}
    for name, extra in {"plain": {}, "absence": {"absence": 0.15},
                        "adherence": {"adherence": 0.85}}.items():
        sc = _scenario(days=14, rate="1.5/min", breaks=BREAKS, **extra)  # 13.5 Erlang
        records = simulate(sc, 0)
        check_records(records)
        frames[name] = replication_kpis(records)
    asa = {n: pick(k, "asa_s")[0] for n, k in frames.items()}
    staffed = {n: pick(k, "staffed_agents_mean")[0] for n, k in frames.items()}
    assert staffed["absence"] < staffed["plain"] * 0.92
    assert staffed["adherence"] < staffed["plain"] * 0.92
    assert asa["absence"] > asa["plain"] and asa["adherence"] > asa["plain"]


def test_without_shrinkage_nothing_changes():
    sc = _scenario()
    streams = Streams(sc.seed, 0)
    steps = pool_steps(sc.pools["agents"], "agents", sc.start, sc.end_s, streams)
    assert steps == headcount_steps(sc.pools["agents"], sc.start, sc.end_s)
    assert not streams._cache  # nothing drawn
    assert simulate(sc, 0).pool_scheduled_s is None
    # the roster alone (no breaks) is the same whether or not other shifts shrink
    with_breaks = _scenario(breaks=BREAKS)
    assert scheduled_steps(with_breaks.pools["agents"], 0.0, sc.end_s) == steps


@pytest.mark.parametrize(("brk", "message"), [
    ({"length": "15min"}, "exactly one of 'at'"),
    ({"length": "15min", "at": "07:00"}, "does not lie inside the shift"),
    ({"length": "90min", "window": ["12:00", "13:00"]}, "shorter than the break"),
    ({"length": "30s", "at": "12:00"}, "whole minutes"),
])
def test_bad_breaks_are_refused(brk, message):
    d = base(pools={"agents": {"shifts": [{"start": "08:00", "end": "16:00", "agents": 5,
                                           "breaks": [brk]}], "channels": ["phone"]}})
    with pytest.raises(ScenarioError, match=message):
        Scenario.from_dict(d)


def test_overlapping_break_windows_are_refused():
    d = base(pools={"agents": {"shifts": [{
        "start": "08:00", "end": "16:00", "agents": 5,
        "breaks": [{"length": "15min", "window": ["10:00", "11:00"]},
                   {"length": "30min", "window": ["10:30", "12:00"]}]}],
        "channels": ["phone"]}})
    with pytest.raises(ScenarioError, match="overlap"):
        Scenario.from_dict(d)
