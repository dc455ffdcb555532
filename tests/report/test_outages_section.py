"""The run report's "Outages and failover" section: present with outages, absent without,
self-contained, and every scenario string in it shown as text."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sim.report import build_run_html

from .conftest import Page, small
from .test_html import check_self_contained
from .test_injection import DESCRIPTION, NAME, check_escaped

OUTAGES = [
    {"target": "billing", "at": "day 1 08:45", "for": "30min",
     "description": "the billing platform"},
    {"target": "chat", "at": "day 1 09:00", "for": "20min"},
    {"target": "billing", "mtbf": "3h", "mttr": "10min"},
]


@pytest.fixture(scope="module")
def outage_results() -> Any:
    from sim.experiment import run

    sc = small(backstage={"billing": {"latency": "2s", "needed_by": {"intents": ["billing"]},
                                      "on_outage": "wait"}},
               outages=OUTAGES,
               failover=[{"from": "chat", "to": "phone", "share": 0.5, "detection": "3min",
                          "context_loss": 0.25}])
    return run(sc, executor="serial", keep_contacts=False)


def test_the_section_shows_kpis_outages_and_failover(outage_results: Any) -> None:
    text = build_run_html(outage_results, manifest={}, plots=[])
    page = check_self_contained(text)
    assert 'id="outages"' in text and "Outages and failover" in page.text
    assert "During an outage" in page.text and "Outside outages" in page.text
    assert "Service level" in page.text and "Average speed of answer" in page.text
    assert "billing (backstage system): the billing platform" in page.text
    assert "scheduled: day 1 08:45 (Mon) to day 1 09:15 (Mon)" in page.text
    assert "chat (channel)" in page.text
    assert "random: about every 3.0 h" in page.text and "10.0 min on average" in page.text
    assert "All outages" in page.text
    assert ("While chat is down, 50% of its new customer contacts go to phone once the "
            "outage is noticed, 3.0 min after it starts") in page.text
    assert "25% of the customers moved have to repeat themselves" in page.text


def test_no_section_without_outages(results: Any) -> None:
    assert 'id="outages"' not in build_run_html(results, manifest={}, plots=[])


def test_outage_targets_and_descriptions_are_escaped(outage_results: Any) -> None:
    # names are validated to [A-Za-z0-9_.-] at load time; the page must not rely on that
    sc = outage_results.scenario
    evil = sc.model_copy(update={
        "outages": tuple(o.model_copy(update={"target": NAME, "description": DESCRIPTION})
                         for o in sc.outages),
        "failover": tuple(f.model_copy(update={"from_": NAME, "to": NAME})
                          for f in sc.failover),
    })
    text = build_run_html(dataclasses.replace(outage_results, scenario=evil), manifest={},
                          plots=[])
    check_escaped(text)
    section = text[text.index('id="outages"'):]
    section = section[:section.index("</section>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<script" not in section and "<img" not in section
    assert f"While {NAME} is down" in Page(section).text
