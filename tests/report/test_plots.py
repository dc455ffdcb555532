"""Figures: PNG bytes plus a text alternative with the numbers; absent data is skipped."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.report import build_run_html
from sim.report.plots import (
    fig_intraday,
    fig_latency,
    fig_outages,
    fig_segments,
    fig_stages,
    fig_utilization,
    interval_means,
    run_figures,
)
from sim.report.stages import bottleneck_text, latency_sample, stage_breakdown

PNG = b"\x89PNG\r\n\x1a\n"


def check(fig: Any) -> str:
    assert fig is not None
    png, alt = fig  # a (png_bytes, alt_text) pair
    assert isinstance(png, bytes) and png.startswith(PNG) and len(png) > 5000
    assert isinstance(alt, str) and len(alt) > 60 and re.search(r"\d", alt)
    return alt


def test_intraday_alt_names_extremes_by_clock_time(results: Any) -> None:
    alt = check(fig_intraday(results))
    m = interval_means(results.intervals, "channel")
    phone = m[m["name"] == "phone"]
    peak = phone.loc[phone["offered"].idxmax()]
    assert f"phone highest {peak['offered']:,.0f} at {peak['clock']}" in alt
    sl = phone.loc[phone["service_level"].idxmin()]
    assert f"phone lowest {sl['service_level'] * 100:.1f}% at {sl['clock']}" in alt
    assert "Mean queue length" in alt and "chat" in alt
    assert "mean of 2 replications" in alt


def test_interval_means_average_over_replications(results: Any) -> None:
    iv = results.intervals
    m = interval_means(iv, "pool")
    rows = iv[(iv["scope"] == "pool") & (iv["name"] == "front") & (iv["interval"] == 1)]
    got = m[(m["name"] == "front") & (m["interval"] == 1)]["utilization"].iloc[0]
    assert got == pytest.approx(rows["utilization"].mean())


def test_utilization_alt_per_pool(results: Any) -> None:
    alt = check(fig_utilization(results))
    for pool in ("front", "chatters", "back"):
        assert f"{pool} averages" in alt


def test_latency_uses_completed_journeys(results: Any) -> None:
    values, what = latency_sample(results)
    j = results.journeys
    assert values.size == int(j["completed"].sum())
    assert "journey" in what
    alt = check(fig_latency(results))
    assert f"{values.size:,} completed" in alt and "median" in alt


def test_latency_prefers_resolution_latency_column(results: Any) -> None:
    j = results.journeys.assign(resolution_latency_s=np.where(results.journeys["completed"],
                                                              600.0, np.nan))
    values, what = latency_sample(dataclasses.replace(results, journeys=j))
    assert "resolution latency" in what and np.all(values == 600.0)


def test_latency_falls_back_to_contacts(results: Any) -> None:
    values, what = latency_sample(dataclasses.replace(results, journeys=None))
    assert "per contact" in what and values.size > 100


def test_stage_decomposition_adds_up_to_the_mean_sojourn(results: Any) -> None:
    stages = stage_breakdown(results)
    assert {"Queue for front", "Service by front", "Queue for back", "Service by back"} <= set(
        stages["stage"])
    j = results.journeys
    mean_sojourn = j.loc[j["completed"], "sojourn_s"].mean()
    assert stages["seconds"].sum() == pytest.approx(mean_sojourn, rel=1e-6)
    assert stages["share"].sum() == pytest.approx(1.0)
    top = stages.loc[stages["seconds"].idxmax(), "stage"]
    assert top in bottleneck_text(stages)
    assert f"bottleneck, is '{top}'" in check(fig_stages(results))


def test_stage_columns_of_journeys_are_used_when_present(results: Any) -> None:
    j = results.journeys.assign(stage_bot_s=30.0, stage_backstage_wait_s=400.0,
                                stage_agent_s=120.0)
    stages = stage_breakdown(dataclasses.replace(results, journeys=j))
    assert list(stages["stage"]) == ["Bot", "Backstage wait", "Agent"]
    assert "Backstage wait" in bottleneck_text(stages)


def test_segments_figure_only_when_effort_or_recontact_kpis_exist(results: Any) -> None:
    assert fig_segments(results) is None
    extra = []
    for seg, effort, rec in (("retail", 2.5, 0.12), ("premium", 1.8, 0.05)):
        extra.append({"group": "segment", "member": seg, "kpi": "effort_score", "n": 2,
                      "mean": effort, "std": 0.1, "ci_low": effort - 0.2,
                      "ci_high": effort + 0.2, "half_width": 0.2})
        extra.append({"group": "segment", "member": seg, "kpi": "recontact_rate", "n": 2,
                      "mean": rec, "std": 0.01, "ci_low": rec - 0.02, "ci_high": rec + 0.02,
                      "half_width": 0.02})
    summary = pd.concat([results.summary, pd.DataFrame(extra)], ignore_index=True)
    alt = check(fig_segments(dataclasses.replace(results, summary=summary)))
    assert "retail 2.50" in alt and "premium 5.0%" in alt


def test_outage_timeline_when_outages_exist(results: Any) -> None:
    assert fig_outages(results) is None

    @dataclasses.dataclass
    class WithOutages:
        scenario: Any
        outages: pd.DataFrame
        intervals: Any = None

    outages = pd.DataFrame({"replication": [0, 1, 1], "system": ["crm", "crm", "billing"],
                            "start_s": [3600.0, 5400.0, 2000.0],
                            "end_s": [4500.0, 6000.0, 2600.0]})
    alt = check(fig_outages(WithOutages(results.scenario, outages)))
    assert "crm: 2 outage(s) in 2 replication(s)" in alt and "billing" in alt
    assert "Mon 09:00" in alt  # clock time of the first crm outage (start Mon 08:00 + 1h)


def test_report_without_tables_still_builds(results: Any) -> None:
    bare = dataclasses.replace(results, contacts=None, journeys=None, intervals=None)
    for fn in (fig_intraday, fig_utilization, fig_latency, fig_stages):
        assert fn(bare) is None
    assert run_figures(bare) == []
    text = build_run_html(bare)
    assert "Headline results" in text and "<img" not in text


def test_figures_are_reproducible(results: Any) -> None:
    assert fig_utilization(results) == fig_utilization(results)
