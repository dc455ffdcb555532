"""``servicesim staff`` keeps a planned pool's shrinkage: head counts are rostered agents.

Oracles, derived by hand:

* 20 calls/min of 1 min, service level 80% @20s, nobody abandons: Erlang C needs 23
  agents on duty (``required_agents``). With a headcount cut of 25%, N rostered agents
  put ``floor(0.75 N + 0.5)`` on duty (halves up), and the simulation of N rostered is
  the simulation of that many on duty (same streams), so the search answers the fewest
  N with ``floor(0.75 N + 0.5) >= 23``: N = 30 (22.5 -> 23; 29 gives 21.75 -> 22). The
  Erlang start grosses up: ``ceil(23 / 0.75) = 31``.
* Shifts that differ carry the agent-hour-weighted means (weights agents x hours x
  days), and breaks only some shifts have fold into the cut as their share of paid
  time (numbers in the test).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from sim.analytic import required_agents
from sim.experiment.staffing import staff, write_scenario
from sim.experiment.staffing_shrinkage import carry, gross_up
from sim.scenario import load
from sim.scenario.loader import validate

from .conftest import tiny_dict

TARGET = "service_level>=0.78 @20s"

SHIFTS_YAML = """\
name: shifts with shrinkage
horizon: 2h
warmup: 15min
replications: 8
seed: 7
channels:
  phone: {kind: voice, service_level_target: 20s}
demand:
  - {channel: phone, rate: 20/min}
intents:
  general: {handle_time: {dist: exponential, mean: 1min}}
pools:
  agents:
    shifts:   # two half-day blocks
      - {start: "00:00", end: "12:00", agents: 20, shrinkage: 0.25}
      - {start: "12:00", end: "00:00", agents: 20, shrinkage: 0.25}
    channels: [phone]
"""


def _pool(pool: dict[str, Any]) -> dict[str, Any]:
    return tiny_dict(horizon="2h", replications=8,
                     channels={"phone": {"kind": "voice", "service_level_target": "20s"}},
                     demand=[{"channel": "phone", "rate": "20/min"}],
                     pools={"agents": {"channels": ["phone"], **pool}})


def test_gross_up_is_on_duty_over_one_minus_the_equivalent():
    assert gross_up([23, 0, 3], 0.25).tolist() == [31, 0, 4]  # 30.67 -> 31; 4.0 -> 4
    assert gross_up([23], 0.0).tolist() == [23]


def test_staff_on_a_shifts_pool_with_shrinkage_plans_rostered_agents(tmp_path: Path) -> None:
    on_duty = required_agents(20 / 60, 60.0, TARGET)
    assert on_duty == 23  # Erlang C, no shrinkage
    plain = staff(validate(_pool({"size": 40})), [TARGET], executor="serial")
    assert plain.agents["agents"][0] == on_duty
    path = tmp_path / "shifts.yaml"
    path.write_text(SHIFTS_YAML)
    plan = staff(load(path), [TARGET], executor="serial")
    n = int(plan.agents["agents"][0])
    assert plan.converged and plan.meets_targets
    assert n == math.ceil((on_duty - 0.5) / 0.75) == 30  # halves up: 0.75 x 30 = 22.5 -> 23
    assert plan.erlang_agents["agents"][0] == math.ceil(on_duty / 0.75) == 31
    assert plan.carried["agents"].changes == {"shrinkage": 0.25}
    assert any("rostered (paid) agents" in note and "shrinkage 25% (every shift)" in note
               and "(1 - shrinkage equivalent 25%)" in note for note in plan.notes)
    staffed = plan.to_scenario().pools["agents"]
    assert (staffed.size, staffed.shrinkage, staffed.shifts) == (30, 0.25, None)
    # the written scenario keeps the cut, says so beside the head count, and validates
    out = write_scenario(plan, path, tmp_path / "staffed.yaml")
    assert (out.pools["agents"].size, out.pools["agents"].shrinkage) == (30, 0.25)
    text = (tmp_path / "staffed.yaml").read_text()
    assert "size: 30  # servicesim staff: service_level>=0.78 @20s; rostered agents; " \
           "shrinkage from the shifts: shrinkage 25% (every shift)" in text
    assert "    shrinkage: 0.25\n" in text
    assert load(tmp_path / "staffed.yaml").pools["agents"].shrinkage == 0.25


def test_staff_keeps_a_size_pools_own_cut() -> None:
    plan = staff(validate(_pool({"size": 40, "shrinkage": 0.25})), [TARGET],
                 executor="serial")
    assert plan.agents["agents"][0] == 30 and plan.erlang_agents["agents"][0] == 31
    assert plan.carried["agents"].changes == {}  # the pool keeps its own
    assert plan.carried["agents"].text == "kept on the pool: shrinkage 25%"
    assert plan.to_scenario().pools["agents"].shrinkage == 0.25


def test_differing_shifts_carry_agent_hour_weighted_means() -> None:
    lunch = {"length": "30min", "window": ["12:00", "14:00"]}
    a = {"start": "08:00", "end": "16:00", "agents": 10, "days": ["Mon", "Tue", "Wed", "Thu",
                                                                  "Fri"],
         "shrinkage": 0.2, "absence": 0.04, "adherence": 0.9,
         "breaks": [{"length": "15min", "at": "09:00"}, lunch]}
    b = {"start": "10:00", "end": "18:00", "agents": 5, "shrinkage": 0.4, "absence": 0.1,
         "adherence": 0.95, "breaks": [lunch]}
    sc = validate(_pool({"shifts": [a, b]}))
    c = carry(sc, "agents")
    # agent-hours a week: A 10 x 8h x 5 days = 400, B 5 x 8h x 7 days = 280
    # the 15-min break only A has: 15/480 = 3.125% of A's paid time, folded into the cut:
    # 1 - (400 x 0.8 x 0.96875 + 280 x 0.6 x 1) / 680 = 1 - 478/680 = 0.29706
    assert c.changes["shrinkage"] == 0.2971
    assert c.changes["absence"] == round((400 * 0.04 + 280 * 0.1) / 680, 4) == 0.0647
    assert c.changes["adherence"] == round((400 * 0.9 + 280 * 0.95) / 680, 4) == 0.9206
    assert c.changes["breaks"] == [lunch]  # the lunch every shift has stays a break
    assert "agent-hour-weighted mean of the shifts' 4%, 10%" in c.text
    assert "15min at 09:00 (shift 1)" in c.text
    # Erlang: available share (1-s)(1-a)(1-all breaks/length) d per shift, weighted:
    # A 0.8 x 0.96 x (1 - 45/480) x 0.9 = 0.6264, B 0.6 x 0.9 x (1 - 30/480) x 0.95
    # = 0.4809375; 1 - (400 x 0.6264 + 280 x 0.4809375) / 680 = 0.433496
    assert c.equivalent == pytest.approx(1 - (400 * 0.6264 + 280 * 0.4809375) / 680)
    # the carried fields make a valid pool (a per-interval plan)
    changed = sc.with_changes({"pools.agents.shifts": None, "pools.agents.size": 12,
                               **{f"pools.agents.{k}": v for k, v in c.changes.items()}})
    assert changed.pools["agents"].breaks[0].length == 1800


def test_shifts_that_agree_carry_their_values_unchanged() -> None:
    shift = {"start": "08:00", "end": "16:00", "agents": 10, "shrinkage": 0.25,
             "absence": 0.05, "breaks": [{"length": "15min", "at": "10:00"}]}
    later = {**shift, "start": "09:00", "end": "17:00", "agents": 3}
    c = carry(validate(_pool({"shifts": [shift, later]})), "agents")
    assert c.changes == {"shrinkage": 0.25, "absence": 0.05,
                         "breaks": [{"length": "15min", "at": "10:00"}]}
    assert c.text == ("from the shifts: shrinkage 25% (every shift); absence 5% (every "
                      "shift); breaks 15min at 10:00 (every shift)")
    # a schedule in whole seconds takes no breaks or absence: all of it folds into the cut,
    # 1 - 0.75 x (1 - 15/480) x (1 - 0.05) = 0.309766
    whole_s = carry(validate(_pool({"shifts": [shift, later]})), "agents", whole_minutes=False)
    assert whole_s.changes == {"shrinkage": 0.3098}
    assert carry(validate(_pool({"shifts": [{**shift, "shrinkage": 0.0, "absence": 0.0,
                                             "breaks": []}]})), "agents").text == ""
