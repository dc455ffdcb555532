"""FMEA by simulation: failure modes ranked by frequency-weighted impact."""

from __future__ import annotations

import json

from sim.experiment.fmea import busiest_hour, failure_modes, fmea
from tests.experiment.conftest import tiny


def _two_systems(**over):
    return tiny(
        horizon="6h", warmup="30min", replications=3,
        intents={"bills": {"share": 0.9, "handle_time": {"dist": "exponential", "mean": "1min"},
                           "resolution": 0.95},
                 "archive": {"share": 0.1,
                             "handle_time": {"dist": "exponential", "mean": "1min"}}},
        recontact={"delay": "20min"},
        backstage={
            "core": {"capacity": 100, "latency": "5s", "needed_by": {"intents": ["bills"]},
                     "on_outage": "fail"},
            "records": {"capacity": 100, "latency": "5s", "needed_by": {"intents": ["archive"]},
                        "on_outage": "fail"}},
        outages=[{"target": "core", "mtbf": "30d", "mttr": "2h"},
                 {"target": "records", "mtbf": "730d", "mttr": "10min"}],
        **over)


def test_failure_modes_frequency_and_repair_time():
    modes = {m.target: m for m in failure_modes(_two_systems())}
    assert modes["core"].per_year == 365 / 30 and modes["core"].duration_s == 7200
    assert modes["records"].duration_s == 600 and not modes["records"].per_year_assumed
    assert modes["phone"].per_year_assumed and modes["agents"].kind == "pool"


def test_busiest_hour_follows_the_profile():
    weights = [1.0] * 24
    weights[3] = 5.0
    sc = tiny(horizon="10h", warmup="0s",
              demand=[{"channel": "phone", "rate": "45/min", "profile": {"weights": weights}}])
    assert busiest_hour(sc) == 3 * 3600.0


def test_fmea_ranks_long_frequent_outage_of_busy_system_first(tmp_path):
    result = fmea(_two_systems(), replications=3, executor="serial",
                  targets=["core", "records"])
    table = result.table
    assert list(table.target) == ["core", "records"]
    core = table.iloc[0]
    assert core.recontact_rate_diff > 0 and core.recontact_rate_ci_low > 0
    assert core.score > table.iloc[1].score
    result.write(tmp_path)
    doc = json.loads((tmp_path / "fmea.json").read_text())
    assert doc["modes"][0]["target"] == "core"
    assert (tmp_path / "fmea.csv").read_text().startswith("rank,target")
