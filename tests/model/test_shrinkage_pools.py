"""Shrinkage as it happens on pools with a ``size`` or a ``schedule`` (sim.model.shrinkage).

The roster is read in layers, one clock day at a time: agent k is on duty where the
headcount is above k. Each test would fail if the feature did nothing: a break takes
exactly n x length agent-minutes (n the agents present), agents who come on duty
inside a window break in the part of it they work, absence of share a removes about a
of the rostered time in whole agent-days, adherence thins the available time to its
share, and in the engine the staffed agents fall below the scheduled ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.invariants import check_records
from sim.metrics import replication_kpis
from sim.model import simulate
from sim.model.shrinkage import pool_steps
from sim.model.staffing import headcount_steps
from sim.model.streams import Streams
from sim.scenario.schema import Scenario
from tests.model.helpers import base, build, pick

AGENTS = 20
DAY = 86400.0
BREAKS = [{"length": "15min", "window": ["10:00", "11:00"]},
          {"length": "30min", "window": ["12:00", "14:00"]}]
# 10 agents 08:00-12:00, 20 agents 12:00-16:00, nobody at night (hourly schedule)
RAMP = [0] * 8 + [10] * 4 + [20] * 4 + [0] * 8


def _scenario(pool: dict, days: int = 7, rate: str = "0.2/min") -> Scenario:
    return build(base(horizon=f"{days}d", warmup="0s", run_out="1h", replications=1,
                      demand=[{"channel": "phone", "rate": rate}],
                      intents={"general": {"handle_time": {"dist": "exponential",
                                                           "mean": "3min"}}},
                      pools={"agents": {"channels": ["phone"], **pool}}))


def _steps(sc: Scenario, replication: int = 0) -> tuple[list[float], list[int]]:
    return pool_steps(sc.pools["agents"], "agents", sc.start, sc.end_s,
                      Streams(sc.seed, replication))


def _minutes(times: list[float], counts: list[int], end_s: float) -> np.ndarray:
    """Agents at each minute of [0, end_s) of a step function (changes on whole minutes)."""
    edges = (np.append(np.asarray(times), end_s) / 60.0).astype(np.int64)
    return np.repeat(np.asarray(counts), np.diff(edges))


@pytest.mark.parametrize("breaks", [BREAKS, [{"length": "20min", "at": "10:30"}]])
def test_size_pool_breaks_take_exactly_n_times_length(breaks):
    sc = _scenario({"size": AGENTS, "breaks": breaks})
    per_min = _minutes(*_steps(sc), sc.end_s).reshape(7, 1440)
    off = sum(int(b["length"].removesuffix("min")) for b in breaks)
    # every day: 20 agents x the breaks' minutes, and nothing outside the windows
    assert (AGENTS - per_min).sum(axis=1).tolist() == [AGENTS * off] * 7
    spans = [(600, 660), (720, 840)] if len(breaks) == 2 else [(630, 650)]
    outside = np.ones(1440, dtype=bool)
    for a, z in spans:
        outside[a:z] = False
    assert (per_min[:, outside] == AGENTS).all()
    if len(breaks) == 1:  # a fixed break: everyone at once
        assert (per_min[:, 630:650] == 0).all()
    else:  # staggered: 20 starts spread over 45 min, at most ceil(19 x 15/45) + 1 = 8 away
        assert per_min[:, 600:660].min() >= AGENTS - 8 and per_min[:, 600:660].max() < AGENTS


def test_schedule_pool_agents_break_in_the_part_of_the_window_they_work():
    lunch = {"length": "30min", "window": ["11:00", "14:00"]}
    sc = _scenario({"schedule": {"interval": "1h", "headcount": RAMP}, "breaks": [lunch]})
    day = _minutes(*_steps(sc), sc.end_s).reshape(7, 1440)[0]
    scheduled = np.repeat(RAMP, 60)
    away = scheduled - day
    # every agent on duty takes lunch: 20 x 30 agent-minutes, none outside 11:00-14:00
    assert away.sum() == AGENTS * 30 and away[:660].sum() == away[840:].sum() == 0
    # the first 10 (on since 08:00) spread over 11:00-14:00: agent k starts
    # floor(k x 150 / 9) min after 11:00, so before 12:00 they take
    # 30 + 30 + 27 + 10 = 97 agent-minutes; the 10 who come at 12:00 none of them
    assert away[660:720].sum() == 97
    # the other 10 spread over 12:00-14:00 (starts floor(k x 90 / 9) = 10k min after 12:00)
    starts = [60 + 10 * k for k in range(10)] + [0, 16, 33, 50, 66, 83, 100, 116, 133, 150]
    expected = np.zeros(180, dtype=np.int64)
    for s in starts:
        expected[s:s + 30] += 1
    assert away[660:840].tolist() == expected.tolist()
    # a fixed break at 11:30 reaches only the agents on duty throughout it
    early = _scenario({"schedule": {"interval": "1h", "headcount": RAMP},
                       "breaks": [{"length": "30min", "at": "11:30"}]})
    day = _minutes(*_steps(early), early.end_s).reshape(7, 1440)[0]
    assert (day[690:720] == 0).all() and (scheduled - day).sum() == 10 * 30


def test_absence_takes_its_share_of_each_days_rostered_agents():
    a, days = 0.1, 400
    size = _scenario({"size": AGENTS, "absence": a}, days=days)
    per_day = _minutes(*_steps(size), size.end_s).reshape(days, 1440)
    assert (per_day == per_day[:, :1]).all()  # an absent agent misses the whole day
    absent = AGENTS - per_day[:, 0]
    n = days * AGENTS
    assert abs(absent.sum() - n * a) < 4 * np.sqrt(n * a * (1 - a))
    assert absent.var() == pytest.approx(AGENTS * a * (1 - a), rel=0.3)  # binomial per day
    # a schedule: the day's rostered agents are its peak (20); expected absent time is
    # a x the scheduled time, each agent-day missing its whole layer of the schedule
    ramp = _scenario({"schedule": {"interval": "1h", "headcount": RAMP}, "absence": a},
                     days=days)
    got = _minutes(*_steps(ramp), ramp.end_s).reshape(days, 1440)
    scheduled = np.repeat(RAMP, 60)
    lost = (scheduled - got).sum() / 60.0  # agent-hours
    # agents 0-9 lose 8 h when absent, agents 10-19 lose 4 h: sd of the total
    sd = np.sqrt(days * 10 * a * (1 - a) * (8 ** 2 + 4 ** 2))
    assert abs(lost - a * days * 10 * (8 + 4)) < 4 * sd
    assert _steps(ramp, 1) != _steps(ramp, 0)  # another replication, other days


def test_adherence_thins_scheduled_time_by_15_minute_slots():
    adh, days = 0.9, 200
    sc = _scenario({"schedule": {"interval": "1h", "headcount": RAMP}, "adherence": adh,
                    "breaks": BREAKS}, days=days)
    got = _minutes(*_steps(sc), sc.end_s)
    # on duty and not on break: 10 agents take the 15-min break (10:00-11:00), 20 lunch
    scheduled = days * (10 * (8 + 4) * 60 - 10 * 15 - AGENTS * 30)
    slots = days * 10 * (8 + 4) * 4  # agent-slots of 15 min on duty
    sd = np.sqrt(slots * adh * (1 - adh)) * 15
    assert abs(got.sum() - adh * scheduled) < 4 * sd
    # whole slots: availability changes only at :00, :15, :30, :45 or inside a break window
    t = np.flatnonzero(np.diff(got.reshape(days, 1440), axis=1).any(axis=0)) + 1
    in_window = ((t >= 600) & (t <= 660)) | ((t >= 720) & (t <= 840))
    assert (t[~in_window] % 15 == 0).all()


def test_engine_reports_scheduled_beside_staffed_and_waits_rise():
    pool = {"size": AGENTS, "breaks": BREAKS, "absence": 0.1}
    light = _scenario(pool, days=14)
    records = simulate(light, 0)
    check_records(records)
    k = replication_kpis(records)
    assert pick(k, "scheduled_agents_mean")[0] == pytest.approx(AGENTS)
    # staffed: 20 x (1 - 45/1440) less the day's absentees (2 a day on average), plus
    # a little for busy agents finishing the call in hand before a break (0.6 Erlang)
    roster = _minutes(*_steps(light), light.end_s).mean()
    assert roster < AGENTS * (1 - 45 / 1440) - 1
    assert pick(k, "staffed_agents_mean")[0] == pytest.approx(roster, rel=0.01)
    # at load (15 Erlang on 20 rostered), absence and breaks lengthen the waits
    loaded = {n: replication_kpis(simulate(_scenario(p, days=14, rate="5/min"), 0))
              for n, p in {"plain": {"size": AGENTS}, "shrunk": pool}.items()}
    assert pick(loaded["plain"], "scheduled_agents_mean").size == 0  # not reported
    assert pick(loaded["shrunk"], "asa_s")[0] > 2 * pick(loaded["plain"], "asa_s")[0]


def test_pools_without_these_fields_draw_nothing():
    for pool in ({"size": AGENTS}, {"schedule": {"interval": "1h", "headcount": RAMP}}):
        sc = _scenario(pool)
        streams = Streams(sc.seed, 0)
        steps = pool_steps(sc.pools["agents"], "agents", sc.start, sc.end_s, streams)
        assert steps == headcount_steps(sc.pools["agents"], sc.start, sc.end_s)
        assert not streams._cache
        assert simulate(sc, 0).pool_scheduled_s is None
