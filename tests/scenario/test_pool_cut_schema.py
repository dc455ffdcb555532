"""``shrinkage`` (the headcount cut) on pools with a size or a schedule: it loads, shows
in the summary with the agents left on duty, and every mistake is one located line."""

from __future__ import annotations

import pytest

from sim.report.method import _staffing
from sim.scenario import load_text
from sim.scenario.describe import describe
from tests.scenario.helpers import assert_one_located_line, error_of, replace

TEXT = """\
name: Pool cut check
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
    shrinkage: 0.3
    channels: [phone]
"""

CASES = [
    ("on a pool with shifts", "    size: 12",
     '    shifts: [{start: "08:00", end: "18:00", agents: 12}]',
     "pools.care.shrinkage", 12, "a pool with shifts takes 'shrinkage' on each shift"),
    ("a cut of one", "    shrinkage: 0.3", "    shrinkage: 1", "pools.care.shrinkage", 12,
     "< 1"),
    ("a negative cut", "    shrinkage: 0.3", "    shrinkage: -0.1", "pools.care.shrinkage",
     12, ">= 0"),
    ("not a number", "    shrinkage: 0.3", "    shrinkage: lots", "pools.care.shrinkage",
     12, "number"),
]


def test_pool_cut_loads_and_is_summarised():
    sc = load_text(TEXT, file="s.yaml")
    assert sc.pools["care"].shrinkage == 0.3
    # 12 x 0.7 = 8.4 -> 8 on duty
    assert "shrinkage 30% (headcount cut: 8 of 12 on duty)" in describe(sc)
    assert "rostered all the time" in _staffing(sc)
    assert "rounded to the nearest agent (halves up)" in _staffing(sc)
    plain = load_text(TEXT.replace("    shrinkage: 0.3\n", ""), file="s.yaml")
    assert plain.pools["care"].shrinkage == 0.0
    assert "shrinkage" not in describe(plain) and "Shrinkage" not in _staffing(plain)


def test_pool_cut_on_a_schedule_of_any_interval():
    sched = "    schedule: {interval: 90s, headcount: [" + ", ".join(["3"] * 960) + "]}"
    sc = load_text(replace(TEXT, "    size: 12", sched), file="s.yaml")
    assert sc.pools["care"].shrinkage == 0.3
    assert "shrinkage 30% (headcount cut)" in describe(sc)


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pool_cut_mistakes_are_one_located_line(old, new, path, line, fragment):
    assert_one_located_line(error_of(replace(TEXT, old, new)), path, line, fragment)
