"""Sweep targets and the cheapest point; the diff of compared scenarios; formatting."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.report import cheapest_point, parse_targets, scenario_diff
from sim.report.format import fmt_ci, fmt_diff, fmt_duration, fmt_value
from sim.report.targets import evaluate_points

from .conftest import small


def test_parse_targets() -> None:
    ts = parse_targets("service_level>=0.8, abandon_rate<=5%; asa_s<=1min")
    assert [(t.kpi, t.op, t.value) for t in ts] == [
        ("service_level", ">=", 0.8), ("abandon_rate", "<=", 0.05), ("asa_s", "<=", 60.0)]
    ts = parse_targets(["service_level>=80% @20s", "occupancy<=0.85", "effort_score<=3",
                        "recontact_rate<10%", "resolution_latency_s<=2h"])
    assert [(t.kpi, t.op, t.value) for t in ts] == [
        ("service_level", ">=", 0.8), ("utilization", "<=", 0.85), ("effort_score", "<=", 3.0),
        ("recontact_rate", "<", 0.1), ("resolution_latency_s", "<=", 7200.0)]
    assert parse_targets(None) == []
    with pytest.raises(ValueError):
        parse_targets("service level is great")
    with pytest.raises(ValueError):
        parse_targets("service_level>=lots")


def _table(points: list[tuple[int, str, float, float]]) -> pd.DataFrame:
    rows = []
    for i, (size, target, sl, ab) in enumerate(points):
        for kpi, mean in (("service_level", sl), ("abandon_rate", ab)):
            rows.append({"pools.a.size": size, "channels.phone.service_level_target": target,
                         "point_id": f"p{i}", "kpi": kpi, "n": 5, "mean": mean,
                         "ci_low": mean - 0.02, "ci_high": mean + 0.02, "half_width": 0.02})
    return pd.DataFrame(rows)


PARAMS = ["pools.a.size", "channels.phone.service_level_target"]


def test_cheapest_point_is_the_fewest_agents_meeting_every_target() -> None:
    table = _table([(10, "20s", 0.70, 0.08), (10, "30s", 0.85, 0.08), (12, "20s", 0.81, 0.04),
                    (12, "30s", 0.90, 0.04), (14, "20s", 0.95, 0.01), (14, "30s", 0.97, 0.01)])
    targets = parse_targets(["service_level>=0.8", "abandon_rate<=5%"])
    best = cheapest_point(table, PARAMS, targets)
    assert best is not None
    assert best["point"] == {"pools.a.size": 12, "channels.phone.service_level_target": "20s"}
    assert best["meets_ci"] is False  # 0.81 - 0.02 < 0.8
    assert "fewest agents" in best["basis"]
    ev = evaluate_points(table, PARAMS, targets)
    assert list(ev["meets"]) == [False, False, True, True, True, True]
    assert list(ev["meets_ci"]) == [False, False, False, False, True, True]


def test_cheapest_point_without_pool_sizes_uses_the_first_setting() -> None:
    table = _table([(3, "20s", 0.9, 0.0), (1, "20s", 0.9, 0.0), (2, "20s", 0.5, 0.0)])
    table = table.rename(columns={"pools.a.size": "intents.x.share"})
    best = cheapest_point(table, ["intents.x.share", PARAMS[1]],
                          parse_targets("service_level>=0.8"))
    assert best["point"]["intents.x.share"] == 1
    assert "smallest value of intents.x.share" in best["basis"]


def test_no_point_meets_or_unknown_kpi() -> None:
    table = _table([(10, "20s", 0.5, 0.2)])
    assert cheapest_point(table, PARAMS, parse_targets("service_level>=0.8")) is None
    assert cheapest_point(table, PARAMS, parse_targets("effort_score<=2")) is None
    assert cheapest_point(table, PARAMS, []) is None


def test_scenario_diff_lists_changed_paths_as_written() -> None:
    a = small()
    b = a.with_changes({"pools.front.size": 18, "intents.billing.handle_time.mean": "150s",
                        "channels.phone.service_level_target": "20s"})  # unchanged value
    assert scenario_diff(a, b) == [("intents.billing.handle_time.mean", "3min", "150s"),
                                   ("pools.front.size", "15", "18")]
    c = a.with_changes({"channels.phone.queue_capacity": 10, "demand[1].rate": "2/min"})
    diff = dict((p, (o, n)) for p, o, n in scenario_diff(a, c))
    assert diff["channels.phone.queue_capacity"] == ("(not set)", "10")
    assert diff["demand[1].rate"] == ("1/min", "2/min")
    assert scenario_diff(a, a) == []


def test_formatting() -> None:
    assert fmt_duration(8.64) == "8.6 s"
    assert fmt_duration(45.2) == "45 s"
    assert fmt_duration(210) == "3.5 min"
    assert fmt_duration(3 * 3600) == "3.0 h"
    assert fmt_value("service_level", 0.7143) == "71.4%"
    assert fmt_value("offered", 1842.0) == "1,842"
    assert fmt_value("asa_s", float("nan")) == "–"
    assert fmt_ci("service_level", 0.65, 1.07) == "65.0%–100.0%"  # clipped to what is possible
    assert fmt_ci("asa_s", -12.0, 40.0) == "0.0 s–40 s"
    assert fmt_diff("service_level", 0.021) == "+2.1 pp"
    assert fmt_diff("asa_s", -12.0) == "−12 s"
