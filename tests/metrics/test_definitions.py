"""Every KPI the model produces is defined, once, for the report's method section."""

from __future__ import annotations

from pathlib import Path

from sim.metrics import kpi_names
from sim.metrics.definitions import KPI_DEFINITIONS
from sim.report.method import definitions_html
from sim.scenario import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_every_kpi_has_one_definition():
    assert set(kpi_names()) == set(KPI_DEFINITIONS)
    assert all(text.strip().endswith(".") for text in KPI_DEFINITIONS.values())


def test_the_method_section_states_every_definition_in_one_table():
    html = definitions_html(load(SCENARIOS / "field_operations.yaml"))
    assert html.count("<table") == 1
    for kpi in kpi_names():
        assert f"<code>{kpi}</code>" in html, kpi
    plain = definitions_html(load(SCENARIOS / "retail_bank.yaml"))
    assert "<code>visits</code>" not in plain and "<code>fcr</code>" in plain
