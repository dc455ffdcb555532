"""The Erlang start of ``staff`` with a voice reserve (a pool's blending policy).

A chat or email is taken only while the reserve stays idle, so the agents beyond the
reserve carry the whole load (calls take them too) at the other channels' targets:
the start is the larger of the Erlang count of the whole load at the strictest target
(as without a reserve) and that count at the other channels' target plus the agents
the reserve keeps. Oracle: Erlang C by hand (sim.analytic).
"""

from __future__ import annotations

import math

import numpy as np

from sim.analytic import required_agents
from sim.experiment import run
from sim.experiment.staffing import staff
from sim.experiment.staffing_erlang import erlang_counts, parse_goal, pool_loads, with_reserve
from sim.scenario.operations import Reserve

from .conftest import tiny

GOAL = "service_level>=0.8"  # each channel at its own target: phone 20 s, chat 60 s
#: Erlang C counts for 12 Erlangs of 1-min contacts (phone 3/min + chat 9/min)
WHOLE_20S = required_agents(12 / 60, 60.0, "service_level>=0.8 @20s")
WHOLE_60S = required_agents(12 / 60, 60.0, "service_level>=0.8 @60s")


def _blended(reserve: dict | None, other: str = "chat", days: dict | None = None):
    """Phone 3/min and chat (or email) 9/min of 1-min contacts on one team: 12 Erlangs."""
    pool = {"size": 20, "channels": ["phone", other]}
    if reserve is not None:
        pool["reserve"] = {"channel": "phone", **reserve}
    line = {"channel": other, "rate": "9/min", **({"day_factors": days} if days else {})}
    second = {"kind": other, **({"service_level_target": "60s"} if other == "chat" else {})}
    return tiny(horizon="3h", warmup="30min", replications=6,
                channels={"phone": {"kind": "voice", "service_level_target": "20s"},
                          other: second},
                demand=[{"channel": "phone", "rate": "3/min"}, line],
                pools={"care": pool})


def _start(s) -> np.ndarray:
    """The Erlang start of pool ``care`` on each weekday (one interval a day)."""
    loads = pool_loads(s, 86400.0, 1)["care"]
    return erlang_counts(s, "care", loads, [parse_goal(GOAL)], range(7))[:, 0]


def test_with_reserve_adds_the_agents_kept_idle() -> None:
    assert with_reserve(15, Reserve(channel="phone", agents=2)) == 17
    # share 0.1: 17 - ceil(1.7) = 15 meets, 16 - ceil(1.6) = 14 does not
    assert with_reserve(15, Reserve(channel="phone", share=0.1)) == 17
    assert with_reserve(30, Reserve(channel="phone", share=0.25)) == 40  # 40 - 10 = 30
    assert with_reserve(0, Reserve(channel="phone", agents=2)) == 0  # no load, no agents


def test_erlang_start_counts_the_reserve_where_other_work_waits() -> None:
    assert (WHOLE_20S, WHOLE_60S) == (15, 14)  # Erlang C by hand, 12 Erlangs
    plain = _start(_blended(None, days={"Sat": 0}))
    kept = _start(_blended({"agents": 4}, days={"Sat": 0}))
    share = _start(_blended({"share": 0.25}, days={"Sat": 0}))
    assert plain[0] == WHOLE_20S
    assert kept[0] == WHOLE_60S + 4 == 18  # above the 15 of the whole load at 20 s
    n = int(share[0])  # the fewest agents leaving 14 beside ceil(0.25 x agents)
    assert n - math.ceil(0.25 * n) >= WHOLE_60S > n - 1 - math.ceil(0.25 * (n - 1))
    assert np.all(kept[:5] == 18) and np.all(share[:5] == n)
    # Saturday: no chats, so the reserve never holds anyone back (phone alone, 3 Erlangs)
    phone_only = required_agents(3 / 60, 60.0, "service_level>=0.8 @20s")
    assert plain[5] == kept[5] == share[5] == phone_only
    # email at 24 h: the whole load needs 13 beyond a reserve of 2, fewer than 15 at 20 s
    assert _start(_blended({"agents": 2}, other="email"))[0] == max(WHOLE_20S, 12 + 1 + 2)


def test_staff_with_a_reserve_starts_from_the_adjusted_count_and_meets_the_target() -> None:
    s = _blended({"agents": 4})
    plan = staff(s, [GOAL], executor="serial")
    assert plan.flat and int(plan.erlang_agents["care"][0]) == 18
    assert plan.converged and plan.meets_targets
    answer = int(plan.agents["care"][0])
    assert abs(answer - 18) <= 2  # the start is close to the simulated answer
    # the count without the reserve (15) leaves chats waiting beyond their target
    res = run(s.with_changes({"pools.care.size": 15}), executor="serial",
              keep_contacts=False, keep_intervals=False)
    chat = res.kpis[(res.kpis.group == "channel") & (res.kpis.member == "chat")
                    & (res.kpis.kpi == "service_level")]["value"]
    assert chat.mean() < 0.8
