"""Fixtures for the report tests: real (tiny) results of a run, a comparison and a sweep.

The scenario is small but rich enough to fill every section: two channels, two
segments, two intents, three pools with a handoff, a few simulated hours, two
replications. Each experiment runs once per test session (serial executor).
"""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from sim.scenario import Scenario

SMALL: dict[str, Any] = {
    "name": "Report test: phone and chat",
    "description": "Two channels, a back office reached by handoff.",
    "start": "Mon 08:00",
    "horizon": "2h",
    "warmup": "15min",
    "replications": 2,
    "seed": 11,
    "channels": {
        "phone": {"kind": "voice", "service_level_target": "20s",
                  "patience": {"dist": "exponential", "mean": "2min"}},
        "chat": {"kind": "chat", "service_level_target": "60s"},
    },
    "segments": {"retail": {"share": 0.8}, "premium": {"share": 0.2, "priority": 5}},
    "intents": {
        "billing": {"share": 0.6, "handle_time": {"dist": "exponential", "mean": "3min"}},
        "fault": {"share": 0.4, "handle_time": {"dist": "lognormal", "mean": "4min",
                                                "cv": 0.8}},
    },
    "demand": [{"channel": "phone", "rate": "4/min"}, {"channel": "chat", "rate": "1/min"}],
    "pools": {
        "front": {"size": 15, "channels": ["phone"],
                  "handoffs": [{"to": "back", "probability": 0.15}]},
        "chatters": {"size": 5, "channels": ["chat"]},
        "back": {"size": 3, "channels": ["phone"]},
    },
}


def small_dict(**over: Any) -> dict[str, Any]:
    """The test scenario as a dict, with top-level keys replaced."""
    d = copy.deepcopy(SMALL)
    d.update(copy.deepcopy(over))
    return d


def small(**over: Any) -> Scenario:
    """The test scenario, validated."""
    return Scenario.from_dict(small_dict(**over))


@pytest.fixture(scope="session")
def results() -> Any:
    """Results of 2 replications of the test scenario (tables kept)."""
    from sim.experiment import run

    return run(small(), executor="serial")


@pytest.fixture(scope="session")
def run_dir(results: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder written by ``Results.write`` (which calls the report hook)."""
    out = tmp_path_factory.mktemp("run")
    results.write(out, command="servicesim run report-test.yaml")
    return out


@pytest.fixture(scope="session")
def comparison() -> Any:
    """Baseline vs a variant with more front agents and a shorter billing handle time."""
    from sim.experiment import compare

    base = small()
    variant = base.with_changes({"name": "More front agents", "pools.front.size": 17,
                                 "intents.billing.handle_time.mean": "150s"})
    # 5 paired replications: enough for differences to survive Holm's correction
    return compare([base, variant], replications=5, executor="serial")


@pytest.fixture(scope="session")
def compare_dir(comparison: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sim.report import write_compare_report

    out = tmp_path_factory.mktemp("compare")
    comparison.write(out, command="servicesim compare a.yaml b.yaml")
    write_compare_report(comparison, out)
    return out


SWEEP_GRID = {"pools.front.size": [13, 15, 17], "channels.phone.service_level_target":
              ["20s", "30s"]}


@pytest.fixture(scope="session")
def sweep_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A 3 x 2 sweep of the test scenario (45 minutes measured, 2 replications)."""
    from sim.experiment import sweep

    out = tmp_path_factory.mktemp("sweep")
    base = small(horizon="45min", warmup="10min")
    table = sweep(base, SWEEP_GRID, out, executor="serial", command="servicesim sweep ...")
    return table, out


@pytest.fixture(scope="session")
def sweep_dir(sweep_run: tuple[Any, Path]) -> Path:
    from sim.report import write_sweep_report

    table, out = sweep_run
    write_sweep_report(table, out, list(SWEEP_GRID), ["service_level>=0.7", "abandon_rate<=10%"],
                       scenario=small(horizon="45min", warmup="10min"))
    return out


class Page(HTMLParser):
    """A parsed page: every start tag with its attributes, text, and nesting facts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.style_text: list[str] = []
        self.stack: list[str] = []
        self.th_in: list[str] = []  # parent section of each <th>: thead / tbody
        self.doctype = ""
        self.feed(text)
        self.close()

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "th":
            self.th_in.append(next((t for t in reversed(self.stack) if t in ("thead", "tbody")),
                                   ""))
        if tag not in ("img", "br", "meta", "link", "input", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.style_text.append(data)
        elif not (self.stack and self.stack[-1] == "title"):
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]
