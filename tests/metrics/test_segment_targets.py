"""Service-level targets per segment (issue 21, item 8).

Two segments share one FCFS queue (same priority), so their waits have the same
distribution: Erlang C's. With a premium target of 5 s and a standard one of
60 s, each segment's service level must match Erlang C's P(wait <= its own
target), not the channel's 20 s.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analytic.erlang import erlang_c_service_level
from sim.metrics import replication_kpis
from sim.metrics.intervals import interval_table
from sim.model import simulate
from tests.model.helpers import base, build, pick

N, LOAD, AHT = 48, 45.0, 60.0


def _scenario(targets: bool):
    segs = {"premium": {"share": 0.3}, "standard": {"share": 0.7}}
    if targets:
        segs["premium"]["service_level_target"] = "5s"
        segs["standard"]["service_level_target"] = {"phone": "60s"}
    return build(base(horizon="60h", warmup="2h", replications=5, segments=segs,
                      pools={"agents": {"size": N, "channels": ["phone"]}}))


@pytest.fixture(scope="module")
def frames():
    sc = _scenario(True)
    return sc, [replication_kpis(simulate(sc, r)) for r in range(sc.replications)]


def _check(values: np.ndarray, expected: float) -> None:
    se = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - expected) < 4 * se + 0.01, (values, expected)


def test_each_segment_is_judged_on_its_own_target(frames):
    _, ks = frames
    for seg, target in (("premium", 5.0), ("standard", 60.0)):
        sl = np.array([pick(k, "service_level", "segment", seg)[0] for k in ks])
        _check(sl, erlang_c_service_level(N, LOAD, AHT, target))
    # the channel and the whole operation mix the two targets by the segments' shares
    mixed = 0.3 * erlang_c_service_level(N, LOAD, AHT, 5.0) \
        + 0.7 * erlang_c_service_level(N, LOAD, AHT, 60.0)
    _check(np.array([pick(k, "service_level", "channel", "phone")[0] for k in ks]), mixed)
    _check(np.array([pick(k, "service_level")[0] for k in ks]), mixed)


def test_without_segment_targets_the_channel_target_applies():
    sc = _scenario(False)
    k = replication_kpis(simulate(sc, 0))
    channel_sl = erlang_c_service_level(N, LOAD, AHT, 20.0)
    for seg in ("premium", "standard"):
        assert pick(k, "service_level", "segment", seg)[0] == pytest.approx(channel_sl,
                                                                            abs=0.05)


def test_row_targets_follow_segment_and_channel(frames):
    sc, _ = frames
    rec = simulate(sc, 0)
    target = rec.row_sl_target()
    seg = np.asarray(rec.contacts["segment"])
    assert set(target[seg == 0]) == {5.0} and set(target[seg == 1]) == {60.0}
    # the intervals table counts answers within the row's own target too
    iv = interval_table(rec)
    within = iv.loc[iv["scope"] == "channel", "answered_within_target"].sum()
    wait = np.asarray(rec.contacts["wait_s"])
    inw = np.asarray(rec.contacts["in_window"])
    expected = float((inw & (wait <= target)).sum())
    assert within == pytest.approx(expected, rel=0.01)
    assert expected > float((inw & (wait <= 20.0)).sum())  # not the channel's 20 s
