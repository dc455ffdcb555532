"""Breaks, absence and adherence on pools with a size or a schedule: the fields load,
show in the summary, and every mistake is one located line."""

from __future__ import annotations

import pytest

from sim.scenario import load_text
from sim.scenario.describe import describe
from tests.scenario.helpers import assert_one_located_line, error_of, replace

TEXT = """\
name: Pool shrinkage check
horizon: 2d
channels:
  phone: {kind: voice}
demand:
  - {channel: phone, rate: 20/h}
intents:
  general: {handle_time: {dist: exponential, mean: 4min}}
pools:
  care:
    size: 12
    channels: [phone]
    breaks: [{length: 30min, window: ["12:00", "14:00"]}, {length: 15min, at: "16:00"}]
    absence: 0.06
    adherence: 0.9
"""

BREAKS = '    breaks: [{length: 30min, window: ["12:00", "14:00"]}, {length: 15min, at: "16:00"}]'

CASES = [
    ("on a pool with shifts", "    size: 12",
     '    shifts: [{start: "08:00", end: "18:00", agents: 12}]',
     "pools.care.breaks", 13, "a pool with shifts takes 'breaks' on each shift"),
    ("crossing midnight", BREAKS, '    breaks: [{length: 30min, window: ["23:00", "01:00"]}]',
     "pools.care.breaks", 13, "crosses midnight"),
    ("overlapping windows", BREAKS,
     '    breaks: [{length: 30min, window: ["12:00", "14:00"]}, {length: 15min, at: "13:00"}]',
     "pools.care.breaks", 13, "break windows of a pool overlap"),
    ("a schedule in seconds", "    size: 12",
     "    schedule: {interval: 90s, headcount: [" + ", ".join(["3"] * 960) + "]}",
     "pools.care.breaks", 13, "needs a schedule in whole minutes"),
    ("absence of one", "    absence: 0.06", "    absence: 1",
     "pools.care.absence", 14, "< 1"),
    ("adherence of zero", "    adherence: 0.9", "    adherence: 0",
     "pools.care.adherence", 15, "> 0"),
    ("a break with neither at nor window", BREAKS, "    breaks: [{length: 30min}]",
     "pools.care.breaks[0]", 13, "exactly one of 'at'"),
]


def test_pool_shrinkage_loads_and_is_summarised():
    sc = load_text(TEXT, file="s.yaml")
    pool = sc.pools["care"]
    assert (len(pool.breaks), pool.absence, pool.adherence) == (2, 0.06, 0.9)
    assert pool.uses_shrinkage
    assert ("breaks 30.0min staggered 12:00-14:00, 15.0min at 16:00, absence 6% per day, "
            "adherence 90%") in describe(sc)
    plain = load_text(TEXT.split("    breaks")[0], file="s.yaml")
    assert not plain.pools["care"].uses_shrinkage
    assert "absence" not in describe(plain)


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pool_shrinkage_mistakes_are_one_located_line(old, new, path, line, fragment):
    assert_one_located_line(error_of(replace(TEXT, old, new)), path, line, fragment)
