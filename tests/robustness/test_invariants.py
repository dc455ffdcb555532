"""Invariants on every replication of varied scenarios: the example files (with
short horizons), the richest test scenario, and scenarios drawn over the schema.

``sim.invariants`` holds the rules no correct simulation can break (every contact
accounted for, no negative waits, busy agents never above those on duty, shares in
[0, 1]); this file adds a few from the output contract (no infinite KPI, times
non-negative, effort on its 1..7 scale) and shows that the checks do catch a
broken replication, so a pass means something.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from sim.invariants import InvariantError, check_kpis, check_records
from sim.metrics import replication_kpis
from sim.model import simulate
from sim.scenario import Scenario, load, load_text
from sim.scenario.loader import validate
from tests.robustness.strategies import valid_scenarios
from tests.scenario.helpers import RICH

SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


def check_contract(kpis: pd.DataFrame) -> None:
    """KPI rules of the output contract, beyond :func:`sim.invariants.check_kpis`."""
    values = kpis["value"].to_numpy(dtype=float)
    bad = kpis[np.isinf(values)]
    assert bad.empty, f"infinite KPIs:\n{bad}"
    times = kpis[kpis.kpi.str.endswith("_s") | kpis.kpi.str.contains("_s_p")].value.dropna()
    assert (times >= 0).all(), "a time KPI is negative"
    counts = kpis[kpis.kpi.isin(["offered", "handled", "journeys"])].value.dropna()
    assert (counts >= 0).all() and (counts == np.round(counts)).all(), "counts are whole"
    effort = kpis[kpis.kpi == "effort_score"].value.dropna()
    assert ((effort >= 1 - 1e-9) & (effort <= 7 + 1e-9)).all(), "effort outside 1..7"


def check_replications(scenario: Scenario, replications: int) -> None:
    for r in range(replications):
        records = simulate(scenario, r)
        try:
            check_records(records)
            kpis = replication_kpis(records)
            check_kpis(kpis)
            check_contract(kpis)
        except (InvariantError, AssertionError) as exc:
            raise AssertionError(f"{scenario.name!r}, replication {r}: {exc}") from exc


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_example_scenarios_keep_the_invariants(path: Path) -> None:
    scenario = load(path).with_changes({"horizon": "4h", "replications": 2})
    check_replications(scenario, 2)


def test_rich_scenario_keeps_the_invariants() -> None:
    # queue capacities, shifts, a schedule, overflow, handoffs, segments, self-service
    scenario = load_text(RICH).with_changes({"horizon": "3h", "warmup": "30min",
                                             "replications": 1})
    check_replications(scenario, 1)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=valid_scenarios(max_rate_per_h=300))
def test_generated_scenarios_keep_the_invariants(data: dict) -> None:
    scenario = validate(data)
    check_replications(scenario, min(2, scenario.replications))


def test_the_checks_catch_a_broken_replication() -> None:
    """Corrupt one fact at a time: each corruption must be caught."""
    scenario = load(SCENARIOS[0]).with_changes({"horizon": "2h", "replications": 1})
    clean = simulate(scenario, 0)
    check_records(clean)

    def broken(column: str, fix) -> None:  # noqa: ANN001
        records = simulate(scenario, 0)
        fix(records.contacts[column])
        with pytest.raises(InvariantError):
            check_records(records)

    def negative_first_wait(a: np.ndarray) -> None:
        a[np.flatnonzero(~np.isnan(a))[0]] = -1.0

    broken("wait_s", negative_first_wait)
    broken("outcome", lambda a: a.__setitem__(0, 99))
    broken("end_s", lambda a: a.__setitem__(0, 1e12))
    broken("contact_id", lambda a: a.__setitem__(0, 7))
    kpis = replication_kpis(clean)
    kpis.loc[kpis.kpi == "utilization", "value"] = 1.5
    with pytest.raises(InvariantError):
        check_kpis(kpis)
    kpis = replication_kpis(clean)
    kpis.loc[kpis.kpi == "asa_s", "value"] = math.inf
    with pytest.raises(AssertionError):
        check_contract(kpis)
