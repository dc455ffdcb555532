"""KPIs inside versus outside demand shocks: a hand-computed story, invariants, and
the ``by_event`` block of summary.json and the report from a real run.

Story (see conftest): with a shock window [700, 1000), the customer contacts inside
are B, C0, D, E, F (arrivals 700-950) and outside L0, G0, J, H, I (1000-2050); A
arrived before the warm-up and G1, C1, L1, L2 are not customer contacts.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.experiment import run
from sim.metrics import replication_kpis
from sim.metrics.shocks import EVENT_KPIS, event_windows
from sim.report.run_report import build_run_html
from sim.scenario.schema import Scenario
from tests.metrics.conftest import make_records


def _with_events(records, windows):  # noqa: ANN001, ANN202
    names, starts, ends = zip(*windows, strict=True)
    records.extra["events"] = {"name": np.asarray(names, dtype=object),
                               "start_s": np.asarray(starts, dtype=float),
                               "end_s": np.asarray(ends, dtype=float)}
    return records


def _value(frame, member: str, kpi: str) -> float:  # noqa: ANN001
    rows = frame[(frame.group == "event") & (frame.member == member) & (frame.kpi == kpi)]
    assert len(rows) == 1, (member, kpi)
    return float(rows.value.iloc[0])


def test_the_story_split_by_a_shock_window_by_hand():
    frame = replication_kpis(_with_events(make_records(), [("spike", 700.0, 1000.0)]))
    assert _value(frame, "spike/inside", "offered") == 5
    assert _value(frame, "spike/outside", "offered") == 5
    # window 300 s of the measured 1500 s: 5 contacts in 1/12 h, 5 in 1/3 h
    assert _value(frame, "spike/inside", "offered_per_hour") == pytest.approx(60.0)
    assert _value(frame, "spike/outside", "offered_per_hour") == pytest.approx(15.0)
    # inside: B (5 s <= 20) and F (chat, 0 s) within target; C0 late, D abandoned, E blocked
    assert _value(frame, "spike/inside", "service_level") == pytest.approx(2 / 5)
    # outside: L0 and H (open, answered after 10 s) within, G0 late (80 s > 60); J has no
    # target; I is still waiting but within its target, so undecided
    assert _value(frame, "spike/outside", "service_level") == pytest.approx(2 / 3)
    assert _value(frame, "spike/inside", "abandon_rate") == pytest.approx(1 / 5)
    assert _value(frame, "spike/outside", "abandon_rate") == 0.0
    assert _value(frame, "spike/inside", "asa_s") == pytest.approx((5 + 30 + 0) / 3)
    assert _value(frame, "spike/outside", "asa_s") == pytest.approx((0 + 80 + 600 + 10) / 4)


def test_inside_and_outside_add_up_to_the_whole_for_every_shock():
    windows = [("a", 700.0, 1000.0), ("b", 0.0, 5000.0), ("c", 1500.0, 1600.0)]
    frame = replication_kpis(_with_events(make_records(), windows))
    whole = frame[(frame.group == "all") & (frame.kpi.isin(["offered", "journeys"]))]
    for name, *_ in windows:
        for kpi in ("offered", "journeys", "handled"):
            both = _value(frame, f"{name}/inside", kpi) + _value(frame, f"{name}/outside", kpi)
            total = frame[(frame.group == "all") & (frame.kpi == kpi)].value.iloc[0]
            assert both == total, (name, kpi)
    assert len(whole) == 2
    # a window covering the whole run leaves nothing outside (NaN rates, no hours)
    assert _value(frame, "b/outside", "offered") == 0
    assert np.isnan(_value(frame, "b/outside", "offered_per_hour"))
    kpis = frame[(frame.group == "event") & (frame.member == "a/inside")].kpi.tolist()
    assert kpis == [k for k in EVENT_KPIS if k in kpis] and "fcr" in kpis


def test_records_without_shocks_have_no_event_rows():
    records = make_records()
    assert event_windows(records) == []
    assert "event" not in set(replication_kpis(records).group)


def _tight(events: list[dict] | None) -> Scenario:
    d = {
        "name": "tight pool",
        "horizon": "20h", "warmup": "1h", "replications": 5, "seed": 3,
        "channels": {"phone": {"kind": "voice", "service_level_target": "20s",
                               "patience": {"dist": "exponential", "mean": "3min"}}},
        "intents": {"billing": {"share": 0.5, "resolution": 0.8,
                                "handle_time": {"dist": "exponential", "mean": "3min"}},
                    "other": {"share": 0.5, "resolution": 0.9,
                              "handle_time": {"dist": "exponential", "mean": "3min"}}},
        "demand": [{"channel": "phone", "rate": "9/min"}],
        "pools": {"agents": {"size": 31, "channels": ["phone"]}},
        "recontact": {"probability": 0.5, "delay": "2h"},
    }
    if events is not None:
        d["events"] = events
    return Scenario.from_dict(d)


@pytest.fixture(scope="module")
def shocked():  # noqa: ANN201
    shock = {"name": "billing_error", "intent": "billing", "from": "day 1 08:00", "for": "6h",
             "peak": "2.5x", "shape": "decay", "half_life": "3h"}
    return run(_tight([shock]), executor="serial", keep_contacts=False)


def test_summary_has_by_event_with_inside_and_outside(shocked):  # noqa: ANN001
    doc = json.loads(json.dumps(shocked.summary_dict(), allow_nan=False))
    block = doc["by_event"]["billing_error"]
    assert block["window"] == [8 * 3600.0, 14 * 3600.0]
    assert block["from"] == "day 1 08:00 (Mon)" and block["to"] == "day 1 14:00 (Mon)"
    assert block["selection"] == {"intent": ["billing"]}
    assert block["shape"] == "decay" and block["peak"] == 2.5
    assert block["arrivals_multiplier"] == pytest.approx(
        1 + 1.5 * 3 / (6 * np.log(2)) * (1 - 0.25), rel=1e-9)
    for side in ("inside", "outside"):
        for kpi in ("offered", "service_level", "asa_s", "abandon_rate",
                    "resolution_latency_s", "recontact_rate", "fcr"):
            entry = block[side][kpi]
            assert set(entry) == {"mean", "ci95"} and entry["mean"] is not None, (side, kpi)
    # billing is half the fresh demand: inside, the operation sees about
    # 1 + 0.5 x (1.81 - 1) = 1.4 times its usual rate (recontacts blur it a little)
    rate_in = block["inside"]["offered_per_hour"]["mean"]
    rate_out = block["outside"]["offered_per_hour"]["mean"]
    assert rate_in > 1.2 * rate_out


def test_the_tight_pool_misses_its_target_inside_the_shock(shocked):  # noqa: ANN001
    block = shocked.summary_dict()["by_event"]["billing_error"]
    inside, outside = block["inside"], block["outside"]
    assert inside["service_level"]["ci95"][1] < outside["service_level"]["ci95"][0]
    assert inside["asa_s"]["ci95"][0] > outside["asa_s"]["ci95"][1]
    assert inside["abandon_rate"]["mean"] > outside["abandon_rate"]["mean"]


def test_the_report_shows_the_shock_section(shocked):  # noqa: ANN001
    page = build_run_html(shocked, manifest={}, plots=[])
    assert 'id="shocks"' in page and "billing_error: inside" in page
    assert "billing_error: outside" in page and "<script" not in page.lower()


def test_a_run_without_events_writes_no_by_event():
    sc = _tight(None).model_copy(update={"horizon": 4 * 3600.0, "replications": 2})
    results = run(sc, executor="serial", keep_contacts=False)
    assert "by_event" not in results.summary_dict()
    assert "event" not in set(results.summary.group)
    assert 'id="shocks"' not in build_run_html(results, manifest={}, plots=[])
