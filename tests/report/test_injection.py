"""Scenario text is shown as text: a hostile name or description cannot inject markup."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from sim.report import build_compare_html, build_run_html, build_sweep_html

from .conftest import SWEEP_GRID, Page, small
from .test_html import check_self_contained

NAME = "<script>alert(1)</script>"
DESCRIPTION = ('Evil "><img src=x onerror=alert(2)> & <a href="https://evil.example/">'
               "click</a>\n<style>body{background:url(https://evil.example/x)}</style>")


def hostile() -> Any:
    return small(name=NAME, description=DESCRIPTION)


def check_escaped(text: str) -> None:
    # no <script, no handlers, no foreign tags, no URL in any attribute or style sheet
    check_self_contained(text, text_may_mention_urls=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text and "onerror=alert" not in text.replace(
        "onerror=alert(2)&gt;", "")
    page = Page(text)
    assert NAME in page.text, "the name is shown, as text"
    assert "onerror=alert(2)>" in page.text
    assert len(page.all("style")) == 1, "only the report's own style sheet"
    assert not page.all("a")


def test_hostile_scenario_in_run_report(results: Any) -> None:
    evil = dataclasses.replace(results, scenario=hostile())
    manifest = {**evil.manifest(command=f"servicesim run '{NAME}'"), "scenario": NAME}
    text = build_run_html(evil, manifest, plots=[])
    check_escaped(text)
    assert Page(text).all("title")
    assert f"<title>Simulation report: {NAME}" not in text


def test_hostile_scenario_in_compare_report(comparison: Any) -> None:
    base = hostile()
    variant = base.with_changes({"pools.front.size": 17, "description": NAME + DESCRIPTION})
    evil = dataclasses.replace(comparison, scenarios=[base, variant],
                               labels=[NAME, DESCRIPTION.splitlines()[0]],
                               notes=[f"note with {NAME}"])
    evil.table = comparison.table.assign(scenario=comparison.table["variant"].map(
        {0: NAME, 1: DESCRIPTION.splitlines()[0]}))
    check_escaped(build_compare_html(evil, manifest={"scenario": NAME, "command": NAME},
                                     plots=[]))


def test_figure_title_caption_and_alt_are_escaped() -> None:
    from sim.report.html import figure_html

    png = b"\x89PNG\r\n\x1a\n" + bytes(16)
    text = figure_html(NAME, DESCRIPTION, png, f'alt with {NAME} and " quotes')
    page = Page(text)
    img = page.all("img")[0]
    assert img["alt"] == f'alt with {NAME} and " quotes'
    assert "<script" not in text and not page.all("a") and len(page.all("img")) == 1


def test_hostile_text_in_sweep_report(sweep_run: tuple[Any, Any]) -> None:
    table, _ = sweep_run
    evil = table.copy()
    col = "channels.phone.service_level_target"
    evil[col] = evil[col].map({"20s": NAME, "30s": DESCRIPTION})
    text = build_sweep_html(pd.DataFrame(evil), list(SWEEP_GRID), ["service_level>=0.7"],
                            plots=[], manifest={"scenario": NAME, "command": NAME},
                            scenario=hostile())
    check_escaped(text)
