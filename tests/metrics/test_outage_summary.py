"""Outages per replication and the ``by_outage`` block of summary.json.

A hand-computed story first (the records of conftest: measured window [600, 2100)),
then a small real run: a backstage system the agents wait on goes down for an hour
on a loaded pool, the chat channel goes down (failing over to phone) and the system
also fails at random.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.experiment import run
from sim.metrics import replication_kpis
from sim.metrics.outage_summary import OUTAGE_LOG_GROUP, outage_log_frame
from sim.scenario.schema import Scenario
from tests.metrics.conftest import make_records


def _with_outages(records, rows, specs):  # noqa: ANN001, ANN202
    target, index, start, end = zip(*rows, strict=True)
    records.outages = {"target": np.asarray(target, dtype=object),
                       "kind": np.asarray(["backstage"] * len(rows), dtype=object),
                       "start_s": np.asarray(start, dtype=float),
                       "end_s": np.asarray(end, dtype=float),
                       "outage": np.asarray(index, dtype=np.int64)}
    records.outage_specs = tuple(specs)
    return records


def _log(frame, member: str, kpi: str) -> float:  # noqa: ANN001
    rows = frame[(frame.group == OUTAGE_LOG_GROUP) & (frame.member == member)
                 & (frame.kpi == kpi)]
    assert len(rows) == 1, (member, kpi)
    return float(rows.value.iloc[0])


def test_outages_and_downtime_in_the_measured_window_by_hand():
    # a: [500, 800) -> 200 s measured; b: [700, 1000) -> 300 s and [2000, 2500) -> 100 s;
    # b again [2200, 2300) lies after the end; c never failed
    rows = [("a", 0, 500, 800), ("b", 1, 700, 1000), ("b", 1, 2000, 2500),
            ("b", 1, 2200, 2300)]
    frame = outage_log_frame(_with_outages(make_records(), rows, ["a", "b", "c"]))
    assert _log(frame, "all", "outages") == 3
    assert _log(frame, "all", "downtime_s") == 600
    assert _log(frame, "all", "any_down_s") == 400 + 100  # [600, 1000) and [2000, 2100)
    assert (_log(frame, "0", "outages"), _log(frame, "0", "downtime_s")) == (1, 200)
    assert (_log(frame, "1", "outages"), _log(frame, "1", "downtime_s")) == (2, 400)
    assert (_log(frame, "2", "outages"), _log(frame, "2", "downtime_s")) == (0, 0)


def test_the_log_is_part_of_the_replication_kpis_only_with_outages():
    records = make_records()
    assert OUTAGE_LOG_GROUP not in set(replication_kpis(records).group)
    frame = replication_kpis(_with_outages(records, [("a", 0, 700, 1000)], ["a"]))
    assert {"outage", OUTAGE_LOG_GROUP} <= set(frame.group)


def _loaded(**over) -> Scenario:  # noqa: ANN003
    d = {
        "name": "crm outage on a loaded pool",
        "horizon": "12h", "warmup": "1h", "replications": 4, "seed": 5,
        "channels": {"phone": {"kind": "voice", "service_level_target": "20s",
                               "patience": {"dist": "exponential", "mean": "3min"}},
                     "chat": {"kind": "chat", "service_level_target": "60s"}},
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "3min"}}},
        "demand": [{"channel": "phone", "rate": "6/min"}, {"channel": "chat", "rate": "2/min"}],
        "pools": {"agents": {"size": 28, "channels": ["phone", "chat"]}},
        "backstage": {"crm": {"latency": "2s", "on_outage": "wait"}},
        "outages": [
            {"target": "crm", "at": "day 1 04:00", "for": "1h"},
            {"target": "chat", "at": "day 1 08:00", "for": "1h"},
            {"target": "crm", "mtbf": {"dist": "exponential", "mean": "4h"}, "mttr": "5min"},
        ],
        "failover": [{"from": "chat", "to": "phone", "share": 1.0, "detection": "2min"}],
    }
    d.update(over)
    return Scenario.from_dict(d)


@pytest.fixture(scope="module")
def outaged():  # noqa: ANN201
    return run(_loaded(), executor="serial", keep_contacts=False)


def test_summary_has_by_outage_with_during_and_outside(outaged):  # noqa: ANN001
    doc = json.loads(json.dumps(outaged.summary_dict(), allow_nan=False))
    block = doc["by_outage"]
    for side in ("during", "outside"):
        for kpi in ("offered", "service_level", "asa_s", "abandon_rate", "blocked_rate"):
            entry = block[side][kpi]
            assert set(entry) == {"mean", "ci95"} and entry["mean"] is not None, (side, kpi)
    total = doc["kpis"]["offered"]["mean"]
    assert block["during"]["offered"]["mean"] + block["outside"]["offered"]["mean"] == (
        pytest.approx(total))
    crm, chat, rnd = block["outages"]
    assert crm == {**crm, "target": "crm", "target_kind": "backstage", "kind": "scheduled",
                   "from": "day 1 04:00 (Mon)", "to": "day 1 05:00 (Mon)",
                   "duration_s": 3600.0}
    assert chat["target_kind"] == "channel" and chat["from"] == "day 1 08:00 (Mon)"
    assert rnd["kind"] == "random" and rnd["mtbf_mean_s"] == 4 * 3600.0
    assert rnd["mttr_mean_s"] == 300.0 and "from" not in rnd
    for scheduled in (crm, chat):
        assert scheduled["per_replication"]["outages"]["mean"] == 1.0
        assert scheduled["per_replication"]["downtime_s"]["mean"] == 3600.0
    # about 13 h / (4 h + 5 min) failures; each lasts exactly 5 min (cut at the end)
    n_random = rnd["per_replication"]["outages"]["mean"]
    assert n_random > 0
    assert rnd["per_replication"]["downtime_s"]["mean"] <= 300.0 * n_random + 1e-9
    every = block["per_replication"]
    assert every["outages"]["mean"] == pytest.approx(2 + n_random)
    assert every["downtime_s"]["mean"] == pytest.approx(
        7200 + rnd["per_replication"]["downtime_s"]["mean"])
    assert every["any_down_s"]["mean"] <= every["downtime_s"]["mean"]
    assert all(e["ci95"][0] >= 0 for e in every.values())
    assert block["failover"] == [{"from": "chat", "to": "phone", "share": 1.0,
                                  "detection_s": 120.0, "context_loss": 0.0}]


def test_service_is_worse_during_outages_on_a_loaded_pool(outaged):  # noqa: ANN001
    block = outaged.summary_dict()["by_outage"]
    during, outside = block["during"], block["outside"]
    assert during["service_level"]["ci95"][1] < outside["service_level"]["ci95"][0]
    assert during["asa_s"]["ci95"][0] > outside["asa_s"]["ci95"][1]


def test_a_run_without_outages_writes_no_by_outage():
    sc = _loaded(outages=[], failover=[], horizon="3h", replications=2)
    results = run(sc, executor="serial", keep_contacts=False)
    doc = results.summary_dict()
    assert "by_outage" not in doc
    assert {"outage", OUTAGE_LOG_GROUP}.isdisjoint(set(results.summary.group))
