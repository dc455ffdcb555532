"""Backstage systems, outages and failover (issue 5): queueing oracles and conservation."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analytic.erlang import erlang_c_mean_wait
from sim.invariants import check_records
from sim.metrics import interval_table, replication_kpis
from sim.model import World, simulate
from tests.model.helpers import base, build


def _backstage(capacity: int, mean: str = "1min", **extra) -> dict:
    return {"billing": {"capacity": capacity,
                        "latency": {"dist": "exponential", "mean": mean}, **extra}}


def test_backstage_only_bottleneck_is_mm_k():
    """Agents never queue (huge pool, 1s handling): the system is an M/M/k queue."""
    k, rate_per_min, mean_s = 4, 3.0, 60.0
    sc = build(base(horizon="30h", warmup="2h", seed=5,
                    demand=[{"channel": "phone", "rate": f"{rate_per_min}/min"}],
                    intents={"general": {"handle_time": {"dist": "deterministic",
                                                         "value": "1s"}}},
                    pools={"agents": {"size": 1000, "channels": ["phone"]}},
                    backstage=_backstage(k)))
    waits = []
    for r in range(3):
        rec = simulate(sc, r)
        check_records(rec)
        assert rec.backstage_wait_s is not None
        win = rec.contacts["in_window"] & ~np.isnan(rec.contacts["end_s"])
        waits.append(rec.backstage_wait_s[win].mean())
        # the agent is held while the request waits and runs
        handle = rec.contacts["handle_s"][win]
        assert np.allclose(handle, 1.0 + rec.backstage_s[win], atol=1e-6)
        assert (rec.contacts["wait_s"][win] == 0).all()
    expected = erlang_c_mean_wait(k, rate_per_min * mean_s / 60.0, mean_s)
    assert np.mean(waits) == pytest.approx(expected, rel=0.15)


def _backlog_world(replication: int, mode: str = "wait") -> tuple[World, dict]:
    sc = build(base(horizon="5h", warmup="0s", seed=9,
                    demand=[{"channel": "phone", "rate": "2/min"}],
                    intents={"general": {"handle_time": {"dist": "deterministic",
                                                         "value": "1s"}}},
                    pools={"agents": {"size": 500, "channels": ["phone"]}},
                    backstage=_backstage(5, on_outage=mode),
                    outages=[{"target": "billing", "at": "day 1 01:00", "for": "1h"}]))
    world = World(sc, replication)
    probes: dict[float, int] = {}
    for t in (7200 - 1, 7200 + 1200, 7200 + 4500):
        world.after(t, lambda t=t: probes.__setitem__(t, world.bs.queue_lengths()["billing"]))
    return world, probes


def test_scheduled_outage_builds_backlog_then_drains():
    """λ = 2/min for D = 1h with `wait`: ≈ λ·D = 120 requests queue; afterwards the
    queue drains at k/mean − λ = 5/min − 2/min = 3/min (≈ 40 min)."""
    backlog, after20 = [], []
    for r in range(4):
        world, probes = _backlog_world(r)
        rec = world.run().records()
        check_records(rec)
        backlog.append(probes[7199])
        after20.append(probes[7200 + 1200])
        assert probes[7200 + 4500] <= 5  # drained 75 min after the restoration
        assert rec.outages is not None and list(rec.outages["target"]) == ["billing"]
        assert rec.outages["end_s"][0] - rec.outages["start_s"][0] == pytest.approx(3600)
    assert np.mean(backlog) == pytest.approx(120, rel=0.15)
    drained = np.mean(backlog) - np.mean(after20)
    assert drained == pytest.approx(3.0 * 20, rel=0.3)


def _failover(share: float = 0.6) -> dict:
    return base(horizon="6h", warmup="0s", seed=3,
                channels={"chat": {"kind": "chat"}, "phone": {"kind": "voice"}},
                demand=[{"channel": "chat", "rate": "4/min"}],
                pools={"agents": {"size": 100, "channels": ["chat", "phone"]}},
                outages=[{"target": "chat", "at": "day 1 02:00", "for": "2h"}],
                failover=[{"from": "chat", "to": "phone", "share": share,
                           "detection": "5min", "context_loss": 0.3}])


def test_failover_moves_share_during_outage_only():
    sc = build(_failover())
    moved, total = 0, 0
    for r in range(3):
        rec = simulate(sc, r)
        check_records(rec)
        c = rec.contacts
        phone = c["channel"] == 1
        t = c["arrival_s"]
        detected = (t >= 7200 + 300) & (t < 14400)
        assert not (phone & ~detected).any(), "no failover outside the outage"
        moved += int((phone & detected).sum())
        total += int(detected.sum())
        blocked = (c["channel"] == 0) & (t >= 7200) & (t < 14400)
        assert (c["outcome"][blocked] == 2).all()  # the rest cannot reach chat
        # context loss on about 30% of moved contacts
        assert 0.15 < c["repeated_info"][phone].mean() < 0.45
    assert moved / total == pytest.approx(0.6, abs=0.05)


@pytest.mark.parametrize("mode", ["wait", "workaround", "fail", "defer"])
def test_nothing_lost_across_outages(mode):
    d = base(horizon="6h", warmup="30min", seed=4,
             channels={"phone": {"kind": "voice",
                                 "patience": {"dist": "exponential", "mean": "3min"}},
                       "chat": {"kind": "chat"},
                       "email": {"kind": "email"}},
             demand=[{"channel": "phone", "rate": "3/min"}, {"channel": "chat", "rate": "1/min"},
                     {"channel": "email", "rate": "1/min"}],
             pools={"agents": {"size": 20, "channels": ["phone", "chat", "email"]},
                    "back": {"size": 4, "channels": ["phone", "chat", "email"]}},
             recontact={"delay": "30min", "retry": {"probability": 0.5, "delay": "10min"}},
             backstage={"billing": {"capacity": 6, "latency": "20s", "on_outage": mode,
                                    "workaround": {"handle_factor": 1.5,
                                                   "error_probability": 0.3}}},
             outages=[{"target": "billing", "at": "day 1 01:00", "for": "1h"},
                      {"target": "agents", "at": "day 1 02:30", "for": "30min",
                       "share": 0.5},
                      {"target": "billing", "mtbf": "3h", "mttr": "20min"}],
             failover=[{"from": "agents", "to": "back", "share": 0.5, "detection": "2min"}])
    sc = build(d)
    for r in range(2):
        world = World(sc, r).run()
        rec = world.records()
        check_records(rec)
        ids = np.unique(rec.contacts["journey_id"])
        assert np.array_equal(ids, np.arange(world.arrivals.next_journey)), "every journey recorded"
        k = replication_kpis(rec)
        out = k[k.group == "outage"]
        assert set(out.member) == {"during", "outside"}
        offered = out[out.kpi == "offered"].value.sum()
        assert offered == k[(k.group == "all") & (k.kpi == "offered")].value.iloc[0]
        it = interval_table(rec)
        assert "outage" in it.columns and (it.outage != "").any()


def test_scenarios_without_the_sections_replay_identically():
    plain = build(base(horizon="3h"))
    empty = build(base(horizon="3h", backstage={}, outages=[], failover=[]))
    a, b = simulate(plain, 0), simulate(empty, 0)
    for name, col in a.contacts.items():
        assert np.array_equal(col, b.contacts[name], equal_nan=True), name
    assert a.outages is None and a.backstage_s is None
    assert "outage" not in interval_table(a).columns
