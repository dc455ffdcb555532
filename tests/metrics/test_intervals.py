"""The interval table of the story (see conftest.py), checked cell by cell."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.metrics import interval_table
from sim.metrics.intervals import INTERVAL_COLUMNS

NAN = float("nan")
CHANNEL_COLS = ("offered", "handled", "abandoned", "blocked", "answered_within_target",
                "service_level", "asa_s", "queue_length_mean")
POOL_COLS = ("handled", "asa_s", "staffed_agents", "busy_agents", "utilization")

# (interval, name) -> expected values; every unlisted count is 0 and ratio NaN.
CHANNEL = {
    # phone 09:00: B C0 D E L0; handled B C0 L0; within target B L0 of 5 with a target
    (0, "phone"): dict(offered=5, handled=3, abandoned=1, blocked=1, answered_within_target=2,
                       service_level=2 / 5, asa_s=35 / 3, queue_length_mean=300 / 600),
    (0, "chat"): dict(offered=2, handled=2, answered_within_target=1, service_level=1 / 2,
                      asa_s=40, queue_length_mean=80 / 600),
    # email: no target -> not within, no service level
    (1, "email"): dict(offered=1, handled=1, asa_s=600, queue_length_mean=1.0),
    # 09:20 is cut short to 300 s; H is open but was answered within 20 s (so it counts
    # for the service level and has an ASA); I still waits, within its target: undecided
    (2, "phone"): dict(offered=1, answered_within_target=1, service_level=1.0, asa_s=10,
                       queue_length_mean=60 / 300),
    (2, "chat"): dict(offered=1, queue_length_mean=150 / 300),
}
POOL = {
    (0, "front"): dict(handled=6, asa_s=115 / 6),
    (0, "back"): dict(handled=2, asa_s=15),
    (1, "back"): dict(handled=1, asa_s=600),
    (2, "front"): dict(asa_s=10),
}
STAFFED = {"front": [2, 2, 2], "back": [1, 1, 1], "idle": [0, 0, 0]}
BUSY = {"front": [400 / 600, 200 / 600, 300 / 300], "back": [100 / 600, 200 / 600, 200 / 300],
        "idle": [0, 0, 0]}
UTIL = {"front": [1 / 3, 1 / 6, 1 / 2], "back": [1 / 6, 1 / 3, 2 / 3], "idle": [NAN] * 3}


def check(value: float, expected: float, label: str) -> None:
    if math.isnan(expected):
        assert math.isnan(value), label
    else:
        assert value == pytest.approx(expected, rel=1e-12), label


def test_layout(story):
    df = interval_table(story)
    assert list(df.columns) == list(INTERVAL_COLUMNS)
    assert len(df) == 3 * (4 + 3)
    assert df["interval"].tolist() == [i for i in range(3) for _ in range(7)]
    assert df["scope"].tolist()[:7] == ["channel"] * 4 + ["pool"] * 3
    assert df["name"].tolist()[:7] == ["phone", "chat", "email", "video", "front", "back", "idle"]
    assert df.drop_duplicates("interval")["clock"].tolist() == ["Mon 09:00", "Mon 09:10",
                                                                 "Mon 09:20"]
    assert df.drop_duplicates("interval")["start_s"].tolist() == [600.0, 1200.0, 1800.0]
    assert (df["replication"] == 0).all()


def test_channel_rows(story):
    df = interval_table(story)
    rows = df[df["scope"] == "channel"]
    for r in rows.itertuples(index=False):
        exp = CHANNEL.get((r.interval, r.name), {})
        for col in CHANNEL_COLS:
            default = NAN if col in ("service_level", "asa_s") else 0.0
            check(getattr(r, col), exp.get(col, default), f"{r.interval} {r.name} {col}")
        for col in ("staffed_agents", "busy_agents", "utilization"):
            assert math.isnan(getattr(r, col))


def test_pool_rows(story):
    df = interval_table(story)
    rows = df[df["scope"] == "pool"]
    for r in rows.itertuples(index=False):
        exp = POOL.get((r.interval, r.name), {})
        check(r.handled, exp.get("handled", 0.0), f"{r.interval} {r.name} handled")
        check(r.asa_s, exp.get("asa_s", NAN), f"{r.interval} {r.name} asa")
        check(r.staffed_agents, STAFFED[r.name][r.interval], "staffed")
        check(r.busy_agents, BUSY[r.name][r.interval], "busy")
        check(r.utilization, UTIL[r.name][r.interval], "utilization")
        for col in ("offered", "abandoned", "blocked", "answered_within_target",
                    "service_level", "queue_length_mean"):
            assert math.isnan(getattr(r, col))


def test_interval_totals_agree_with_kpis(story):
    from sim.metrics import replication_kpis

    df = interval_table(story)
    kpis = replication_kpis(story)
    offered = kpis.query("group == 'channel' and kpi == 'offered'").set_index("member")["value"]
    by_channel = df[df["scope"] == "channel"].groupby("name", sort=False)["offered"].sum()
    assert np.allclose(by_channel.reindex(offered.index).to_numpy(), offered.to_numpy())
    util = kpis.query("group == 'pool' and kpi == 'utilization'").set_index("member")["value"]
    front = df[(df["scope"] == "pool") & (df["name"] == "front")]
    length = np.array([600.0, 600.0, 300.0])
    busy_s = (front["busy_agents"].to_numpy() * length).sum()
    staffed_s = (front["staffed_agents"].to_numpy() * length).sum()
    assert busy_s / staffed_s == pytest.approx(util["front"])


def test_no_intervals(story):
    story.pool_staffed_s = np.zeros((3, 0))
    story.pool_busy_s = np.zeros((3, 0))
    story.queue_area = np.zeros((4, 0))
    df = interval_table(story)
    assert len(df) == 0 and list(df.columns) == list(INTERVAL_COLUMNS)
