"""Demand shocks in the engine: exact arrival counts, selectors, common random numbers.

Oracles: the arrivals of a non-homogeneous Poisson process in a window are Poisson
with mean ``∫ λ(t) · m(t) dt``; summed over replications they still are, so the
tolerance is a few exact standard errors ``sqrt(expected)`` (not a pinned number).
The common-random-number checks compare arrival columns bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from sim.model import simulate
from sim.model.demand import ArrivalBatch
from sim.model.world import World
from sim.records import CONTACT_COLUMNS
from sim.scenario.schema import Scenario
from tests.model.helpers import base, build

H = 3600.0
Z = 4.0  # standard errors of tolerance (exact Poisson standard errors)

#: hourly profile with uneven pieces, so windows cut pieces in the middle
WEIGHTS = [1 + (h % 3) for h in range(24)]
TWO_INTENTS = {
    "a": {"share": 0.4, "handle_time": {"dist": "exponential", "mean": "1min"}},
    "b": {"share": 0.6, "handle_time": {"dist": "exponential", "mean": "2min"}},
}


def scenario(events: list[dict] | None = None, **over) -> Scenario:
    settings = dict(
        horizon="3d", warmup="0s", replications=40, intents=TWO_INTENTS,
        channels={"phone": {"kind": "voice", "patience": {"dist": "exponential",
                                                           "mean": "3min"}},
                  "chat": {"kind": "chat"}},
        pools={"agents": {"size": 50, "channels": ["phone", "chat"]}},
        demand=[{"channel": "phone", "rate": "120/h",
                 "profile": {"interval": "1h", "weights": WEIGHTS}},
                {"channel": "chat", "rate": "30/h", "intent": "b"}])
    d = base(**{**settings, **over})
    if events is not None:
        d["events"] = events
    return build(d)


def arrivals(sc: Scenario, replication: int) -> ArrivalBatch:
    """Every fresh arrival of one replication, as the demand generates them."""
    demand = World(sc, replication).demand
    days = [demand.batch(a, b) for a, b in demand.day_edges(sc.end_s)]
    cols = ("time_s", "line", "intent", "segment", "patience_s", "handle_s")
    return ArrivalBatch(*(np.concatenate([getattr(d, c) for d in days]) for c in cols))


def base_rate(sc: Scenario, line: int, t: float) -> float:
    """λ(t) of a demand line (contacts per second), from the scenario itself."""
    spec = sc.demand[line]
    if spec.profile is None:
        return spec.rate
    w = np.asarray(spec.profile.weights, dtype=float)
    return spec.rate * w[int(((t + sc.start) % 86400) // 3600)] / w.mean()


def expected(sc: Scenario, line: int, share: float, a: float, b: float,
             intent: str = "a") -> float:
    """∫ λ(t) · share · Π m_s(t) dt over [a, b) for contacts of ``intent`` on ``line``."""
    channel = sc.demand[line].channel
    shocks = [s for s in sc.events if s.selects(channel, intent, "default")]

    def rate(t: float) -> float:
        m = 1.0
        for s in shocks:
            t0, _ = s.window_s(sc.start)
            m *= float(s.multiplier(t - t0))
        return base_rate(sc, line, t) * share * m

    cuts = sorted({a, b, *(x for s in shocks for x in s.window_s(sc.start) if a < x < b),
                   *(h * H for h in range(int(a // H) + 1, int(math.ceil(b / H))))})
    return sum(integrate.quad(rate, lo, hi, limit=200)[0]
               for lo, hi in zip(cuts[:-1], cuts[1:], strict=True))


def count(sc: Scenario, a: float, b: float, line: int = 0, intent: str | None = None,
          reps: int | None = None) -> int:
    """Arrivals in [a, b) of ``line`` (and ``intent``), summed over replications."""
    code = None if intent is None else list(sc.intents).index(intent)
    total = 0
    for r in range(reps or sc.replications):
        batch = arrivals(sc, r)
        sel = (batch.time_s >= a) & (batch.time_s < b) & (batch.line == line)
        if code is not None:
            sel &= batch.intent == code
        total += int(sel.sum())
    return total


def assert_poisson(observed: int, mean: float) -> None:
    tol = Z * math.sqrt(mean)
    assert mean > 2000, "too few expected arrivals for a meaningful test"
    assert abs(observed - mean) <= tol, f"observed {observed}, expected {mean:.1f} ± {tol:.1f}"


STEP = {"name": "step", "from": "day 1 18:30", "for": "12h", "peak": "2x"}
T0, T1 = 18.5 * H, 30.5 * H  # its window: across midnight, cutting hourly pieces in half


def test_a_step_shock_doubles_arrivals_in_its_window_only():
    plain, shocked = scenario(), scenario([STEP])
    reps = 40
    inside = expected(plain, 0, 1.0, T0, T1, intent="a")  # the plain rate (share 1: any intent)
    assert_poisson(count(shocked, T0, T1, reps=reps), reps * 2 * inside)
    # the half-pieces on either side of each window edge: the split is exact
    for a, b, m in ((18 * H, T0, 1), (T0, 19 * H, 2), (30 * H, T1, 2), (T1, 31 * H, 1)):
        mean = reps * m * expected(plain, 0, 1.0, a, b)
        observed = count(shocked, a, b, reps=reps)
        assert abs(observed - mean) <= Z * math.sqrt(mean), (a, b, observed, mean)
    # and outside the window nothing moved at all: the same arrivals, bit for bit
    for r in range(3):
        p, s = arrivals(plain, r), arrivals(shocked, r)
        out_p = (p.time_s < T0) | (p.time_s >= T1)
        out_s = (s.time_s < T0) | (s.time_s >= T1)
        assert np.array_equal(p.time_s[out_p], s.time_s[out_s])
        assert np.array_equal(p.handle_s[out_p], s.handle_s[out_s])
        assert np.isin(p.time_s, s.time_s).all()  # a boost only adds arrivals


@pytest.mark.parametrize("shape", ["decay", "linear"])
def test_a_shaped_shock_adds_the_integral_of_its_multiplier(shape: str):
    shock = {"from": "day 2 00:00", "for": "16h", "peak": "3x", "shape": shape}
    if shape == "decay":
        shock["half_life"] = "3h"
    sc = scenario([shock])
    t0 = 24 * H
    reps = 40
    for a, b in ((t0, t0 + 4 * H), (t0 + 4 * H, t0 + 16 * H)):  # front-loaded excess
        mean = reps * expected(sc, 0, 1.0, a, b)
        observed = count(sc, a, b, reps=reps)
        assert abs(observed - mean) <= Z * math.sqrt(mean), (shape, a, b, observed, mean)
    # the scenario's own arithmetic agrees with the numerical integral (flat check)
    (s,) = sc.events
    flat = scenario([dict(shock)], demand=[{"channel": "phone", "rate": "120/h"},
                                           {"channel": "chat", "rate": "30/h", "intent": "b"}])
    whole = reps * 120 / H * s.length_s * s.mean_multiplier
    assert_poisson(count(flat, t0, t0 + 16 * H, reps=reps), whole)


def test_a_dip_thins_the_selected_arrivals():
    dip = {"from": "day 2 08:00", "for": "8h", "peak": "0.5x", "intent": "a"}
    plain, dipped = scenario(), scenario([dip])
    a, b, reps = 32 * H, 40 * H, 40
    assert_poisson(count(dipped, a, b, intent="a", reps=reps),
                   reps * 0.5 * expected(plain, 0, 0.4, a, b))
    for r in range(3):  # thinning keeps a subset of the same customers; 'b' is untouched
        p, d = arrivals(plain, r), arrivals(dipped, r)
        assert np.isin(d.time_s, p.time_s).all() and len(d) < len(p)
        assert np.array_equal(p.time_s[p.intent == 1], d.time_s[d.intent == 1])


def test_overlapping_shocks_multiply():
    events = [
        {"name": "dip", "from": "day 1 11:00", "for": "3h", "peak": "0.3x", "shape": "linear"},
        {"name": "boost", "intent": "a", "from": "day 1 12:00", "for": "8h", "peak": "3x",
         "shape": "decay", "half_life": "2h"},
        {"name": "step", "from": "day 1 10:00", "for": "6h", "peak": "2x"},
    ]
    sc = scenario(events)
    reps = 40
    for a, b in ((10 * H, 12 * H), (12 * H, 14 * H), (14 * H, 16 * H), (16 * H, 20 * H)):
        for intent, share in (("a", 0.4), ("b", 0.6)):
            mean = reps * expected(sc, 0, share, a, b, intent=intent)
            observed = count(sc, a, b, intent=intent, reps=reps)
            assert abs(observed - mean) <= Z * math.sqrt(mean), (intent, a, b, observed, mean)


def test_a_shock_on_one_intent_leaves_the_others_bit_identical():
    plain = scenario()
    shocked = scenario([{"intent": "a", "from": "day 1 06:00", "for": "2d", "peak": "2.5x",
                         "shape": "decay"}])
    for r in range(3):
        p, s = arrivals(plain, r), arrivals(shocked, r)
        assert len(s) > len(p)
        for mask_p, mask_s in ((p.intent == 1, s.intent == 1), (p.line == 1, s.line == 1)):
            for col in ("time_s", "segment", "patience_s", "handle_s"):
                assert np.array_equal(getattr(p, col)[mask_p], getattr(s, col)[mask_s]), col
        # the base customers of the shocked intent are all still there, unchanged
        keep = np.isin(s.time_s, p.time_s)
        assert np.array_equal(s.handle_s[keep], p.handle_s)


def test_a_shock_selecting_a_channel_leaves_other_channels_alone():
    sc = scenario([{"channel": "chat", "from": "day 1 06:00", "for": "1d", "peak": "2x"}])
    p, s = arrivals(scenario(), 0), arrivals(sc, 0)
    assert np.array_equal(p.time_s[p.line == 0], s.time_s[s.line == 0])
    assert (s.line == 1).sum() > (p.line == 1).sum()


def _records_equal(a, b) -> None:  # noqa: ANN001
    for name in CONTACT_COLUMNS:
        assert np.array_equal(a.contacts[name], b.contacts[name], equal_nan=name.endswith("_s")
                              ), name
    for name in ("pool_staffed_s", "pool_busy_s", "queue_area"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_no_events_and_an_empty_list_and_a_1x_shock_give_identical_records():
    small = {"horizon": "1d"}
    plain = simulate(scenario(**small), 0)
    _records_equal(plain, simulate(scenario([], **small), 0))
    assert plain.extra.get("events") is None
    neutral = simulate(scenario([{"from": "day 1 09:00", "for": "6h", "peak": "1x"}], **small), 0)
    _records_equal(plain, neutral)  # the shock's streams are its own: nothing else moved
    names = neutral.extra["events"]
    assert list(names["name"]) == ["demand_shock"]
    assert names["start_s"].tolist() == [9 * H] and names["end_s"].tolist() == [15 * H]


def test_in_a_full_run_the_unshocked_intent_arrives_identically():
    small = {"horizon": "1d"}
    plain = simulate(scenario(**small), 0)
    shocked = simulate(scenario([{"intent": "a", "from": "day 1 09:00", "for": "6h",
                                  "peak": "3x"}], **small), 0)
    for rec in (plain, shocked):
        assert (rec.contacts["step"] == 0).all()  # no handoffs or recontacts here
    t_p = np.sort(plain.contacts["arrival_s"][plain.contacts["intent"] == 1])
    t_s = np.sort(shocked.contacts["arrival_s"][shocked.contacts["intent"] == 1])
    assert np.array_equal(t_p, t_s)
    assert shocked.n_contacts > plain.n_contacts
