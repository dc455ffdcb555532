"""The "How this model works" section describes what the scenario actually uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.report.method import model_html
from sim.scenario import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _html(name: str) -> str:
    sc = load(SCENARIOS / name)
    return model_html(sc, sc.replications)


def test_plain_scenario_says_what_it_leaves_out() -> None:
    html = _html("quickstart.yaml")
    assert "Customer journeys" not in html and "Backstage systems and outages" not in html
    assert "Nothing fails" in html and "not part of this scenario" in html


@pytest.mark.parametrize(("name", "fragments"), [
    ("billing_outage.yaml", ["Backstage systems and outages", "billing", "Failover"]),
    ("chatbot_rollout.yaml", ["Customer journeys", "Self-service and bot sessions"]),
    ("field_operations.yaml", ["Field visits", "appointment slot"]),
    ("billing_error_shock.yaml", ["Demand shocks"]),
])
def test_sections_follow_the_scenario(name: str, fragments: list[str]) -> None:
    html = _html(name)
    for fragment in fragments:
        assert fragment in html, fragment
    if name == "billing_outage.yaml":
        assert "Nothing fails" not in html


def test_shrinkage_on_a_size_pool_is_described() -> None:
    sc = load(SCENARIOS / "quickstart.yaml")
    pool = next(iter(sc.pools))
    shrunk = sc.with_changes({f"pools.{pool}.absence": 0.05,
                              f"pools.{pool}.breaks": [{"length": "30min", "at": "12:00"}]})
    plain, html = model_html(sc, 1), model_html(shrunk, 1)
    assert "on duty all the time" in plain and "absence is drawn per day" not in plain
    assert "rostered all the time" in html and "absence is drawn per day" in html
    assert "Staff follow their schedules exactly" in plain
    assert "Staff follow their schedules exactly" not in html
