"""Field work in the output contract: visits.parquet, summary.json and the report.

A scenario with a field channel writes ``visits.parquet`` (one row per visit, with a
``replication`` column), the field KPIs with 95% CIs in ``summary.json`` (technician
pools under ``by_pool`` next to the agent pools) and a field section in the report;
a scenario without one writes none of it (and removes a stale ``visits.parquet``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from sim.experiment import run
from sim.scenario.loader import validate
from tests.experiment.conftest import tiny_dict

FIELD_KPIS = ("visits", "days_to_visit", "days_to_visit_p90", "first_visit_fix_rate",
              "visits_per_journey", "technician_utilization")


def _field_dict() -> dict:
    return tiny_dict(
        name="tiny field", horizon="6d", warmup="1d", replications=3,
        channels={"phone": {"kind": "voice"},
                  "vans": {"kind": "field", "visits": {
                      "needed": {"general": 0.3}, "lead_time": "1d", "slot": "2h",
                      "travel": {"dist": "exponential", "mean": "30min"},
                      "on_site": {"dist": "exponential", "mean": "1h"},
                      "no_show": 0.1, "fix": 0.8, "cost_per_visit": 20}}},
        demand=[{"channel": "phone", "rate": "2/h"}],
        pools={"agents": {"size": 5, "channels": ["phone"]}},
        technicians={"crew": {"size": 3, "hours": {"start": "08:00", "end": "18:00",
                                                  "days": ["Mon", "Tue", "Wed", "Thu", "Fri",
                                                           "Sat", "Sun"]},
                              "cost_per_hour": 30}})


def test_field_run_writes_visits_and_field_kpis(tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = run(validate(_field_dict()), executor="serial")
    results.write(out)
    visits = pq.read_table(out / "visits.parquet").to_pandas()
    assert sorted(visits["replication"].unique()) == [0, 1, 2]
    assert {"journey_id", "pool", "territory", "booked_s", "slot_start_s", "arrive_s", "end_s",
            "travel_s", "onsite_s", "outcome"} <= set(visits.columns)
    assert set(visits["outcome"].astype(str)) <= {"fixed", "missing_part", "no_show",
                                                 "not_fixed", "open", "unbooked"}
    summary = json.loads((out / "summary.json").read_text())
    for kpi in FIELD_KPIS:
        entry = summary["kpis"][kpi]
        assert entry["mean"] is not None and len(entry["ci95"]) == 2, kpi
    assert list(summary["by_pool"]) == ["agents", "crew"]
    assert list(summary["by_channel"]) == ["phone"]    # visits report by technician pool
    assert summary["by_pool"]["crew"]["technician_utilization"]["mean"] > 0
    journeys = pq.read_table(out / "journeys.parquet").to_pandas()
    assert {"visits", "stage_field_s"} <= set(journeys.columns)
    html = (out / "report.html").read_text()
    assert 'id="field"' in html and "Technician utilisation" in html and "<script" not in html
    manifest = json.loads((out / "manifest.json").read_text())
    assert "visits.parquet" in manifest["files"]


def test_run_without_field_work_writes_none_of_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "visits.parquet").write_bytes(b"stale")  # left by an earlier field run
    results = run(validate(tiny_dict(replications=2)), executor="serial")
    results.write(out)
    assert results.visits is None and not (out / "visits.parquet").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert not set(FIELD_KPIS) & set(summary["kpis"])
    journeys = pq.read_table(out / "journeys.parquet")
    assert "visits" not in journeys.column_names
    assert 'id="field"' not in (out / "report.html").read_text()
