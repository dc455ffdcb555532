"""Figures: PNG bytes plus a text alternative with the numbers; absent data is skipped."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

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


@pytest.fixture(scope="module")
def figures(results: Any) -> dict[str, Any]:
    """The run report's figures, rendered once: key -> (png, alt)."""
    return {p.key: p.figure for p in run_figures(results)}


def check(fig: Any) -> str:
    assert fig is not None
    png, alt = fig  # a (png_bytes, alt_text) pair
    assert isinstance(png, bytes) and png.startswith(PNG) and len(png) > 5000
    assert isinstance(alt, str) and len(alt) > 60 and re.search(r"\d", alt)
    return alt


def test_intraday_alt_names_extremes_by_clock_time(results: Any, figures: dict) -> None:
    alt = check(figures["intraday"])
    m = interval_means(results.intervals, "channel")
    phone = m[m["name"] == "phone"]
    peak = phone.loc[phone["offered"].idxmax()]
    assert f"phone highest {peak['offered']:,.0f} at {peak['clock']}" in alt
    sl = phone.loc[phone["service_level"].idxmin()]
    assert f"phone lowest {sl['service_level'] * 100:.1f}% at {sl['clock']}" in alt
    assert "Customers waiting (mean)" in alt and "chat" in alt
    assert "mean of 2 replications" in alt


def test_interval_means_average_over_replications(results: Any) -> None:
    iv = results.intervals
    m = interval_means(iv, "pool")
    rows = iv[(iv["scope"] == "pool") & (iv["name"] == "front") & (iv["interval"] == 1)]
    got = m[(m["name"] == "front") & (m["interval"] == 1)]["utilization"].iloc[0]
    assert got == pytest.approx(rows["utilization"].mean())


def test_utilization_alt_per_pool(figures: dict) -> None:
    alt = check(figures["utilization"])
    for pool in ("front", "chatters", "back"):
        assert f"{pool} averages" in alt


def test_latency_is_the_resolution_latency_of_the_window(results: Any, figures: dict) -> None:
    values, what = latency_sample(results)
    j = results.journeys
    expected = j.loc[j["in_window"] & j["resolution_latency_s"].notna(), "resolution_latency_s"]
    assert values.size == len(expected) > 100
    assert values.mean() == pytest.approx(expected.mean())
    assert "resolution latency" in what
    alt = check(figures["latency"])
    assert f"{values.size:,} completed" in alt and "median" in alt


def test_latency_without_resolution_uses_completed_journeys(results: Any) -> None:
    j = results.journeys.drop(columns=["resolution_latency_s"])
    values, what = latency_sample(dataclasses.replace(results, journeys=j))
    assert values.size == int(j["completed"].sum()) and "journey" in what


def test_latency_falls_back_to_contacts(results: Any) -> None:
    values, what = latency_sample(dataclasses.replace(results, journeys=None))
    assert "per contact" in what and values.size > 100


def test_stages_from_journey_columns_split_by_pool(results: Any, figures: dict) -> None:
    stages = stage_breakdown(results)
    assert {"Queue for front", "Service by front", "Queue for back", "Service by back",
            "Service by chatters"} <= set(stages["stage"])
    j = results.journeys
    mean_latency = j.loc[j["in_window"] & j["resolved"], "resolution_latency_s"].mean()
    assert stages["seconds"].sum() == pytest.approx(mean_latency, rel=1e-3)
    assert stages["share"].sum() == pytest.approx(1.0)
    top = stages.loc[stages["seconds"].idxmax(), "stage"]
    assert top in bottleneck_text(stages)
    assert f"bottleneck, is '{top}'" in check(figures["stages"])


def test_stages_from_contacts_when_journeys_have_no_stage_columns(results: Any) -> None:
    j = results.journeys
    bare = j.drop(columns=[c for c in j.columns if c.startswith("stage_")])
    stages = stage_breakdown(dataclasses.replace(results, journeys=bare))
    assert {"Queue for front", "Service by front", "Queue for back"} <= set(stages["stage"])
    mean_sojourn = j.loc[j["completed"], "sojourn_s"].mean()
    assert stages["seconds"].sum() == pytest.approx(mean_sojourn, rel=1e-6)


def test_unknown_stage_columns_are_named_from_their_column(results: Any) -> None:
    j = results.journeys
    j = j.drop(columns=[c for c in j.columns if c.startswith("stage_")]).assign(
        stage_bot_s=30.0, stage_backstage_wait_s=400.0, stage_agent_s=120.0)
    stages = stage_breakdown(dataclasses.replace(results, journeys=j))
    assert list(stages["stage"]) == ["Bot", "Backstage wait", "Agent"]
    assert "Backstage wait" in bottleneck_text(stages)


def test_segments_figure_only_when_effort_or_recontact_kpis_exist(results: Any,
                                                                figures: dict) -> None:
    s = results.summary
    assert {"effort_score", "recontact_rate"} <= set(s.loc[s["group"] == "segment", "kpi"])
    alt = check(figures["segments"])
    assert "retail" in alt and "premium" in alt and "Customer effort" in alt
    without = s[~s["kpi"].isin(["effort_score", "recontact_rate", "fcr"])]
    assert fig_segments(dataclasses.replace(results, summary=without)) is None


def test_outage_timeline_when_outages_exist(results: Any) -> None:
    assert fig_outages(results) is None

    @dataclasses.dataclass
    class WithOutages:
        scenario: Any
        outages: pd.DataFrame
        intervals: Any = None
        replications: int = 2

    # measured window Mon 08:15-10:15 in 30-minute intervals (08:15, 08:45, ...)
    outages = pd.DataFrame({"replication": [0, 1, 1], "target": ["crm", "crm", "billing"],
                            "kind": ["backstage", "backstage", "channel"],
                            "start_s": [3600.0, 5400.0, 2000.0],
                            "end_s": [4500.0, 6000.0, 2600.0]})
    alt = check(fig_outages(WithOutages(results.scenario, outages)))
    # crm: 15 min of the 08:45 interval in one of 2 replications -> 25% on average
    assert "crm (backstage system): down in 2 interval(s), most at Mon 08:45 (25%" in alt
    assert "billing (channel): down in 1 interval(s), most at Mon 08:15" in alt
    assert "system (rep." not in alt and "mean of 2 replications" in alt


def test_outage_flags_read_the_interval_table_outage_names(results: Any) -> None:
    # scenario outages that fall outside the measured window: no downtime rows, and the
    # interval table's ``outage`` column holds the names down ("" for none), not numbers
    @dataclasses.dataclass
    class Flags:
        scenario: Any
        intervals: pd.DataFrame
        outages: Any = None
        replications: int = 2

    iv = pd.DataFrame({"replication": [0, 0, 1, 1], "interval": [0, 1, 0, 1],
                       "clock": ["Mon 08:15", "Mon 08:45"] * 2, "name": ["phone"] * 4,
                       "outage": ["", "", "", ""]})
    assert fig_outages(Flags(results.scenario, iv)) is None
    iv["outage"] = ["", "billing,chat", "", ""]
    alt = check(fig_outages(Flags(results.scenario, iv)))
    assert "phone: outage in 1 interval(s), first at Mon 08:45" in alt


def test_queue_plot_counts_only_customers_waiting_on_the_channel(results: Any) -> None:
    from sim.report.queues import customer_queue_means

    @dataclasses.dataclass
    class WithContacts:
        scenario: Any
        contacts: pd.DataFrame

    # one caller waits 15 min (08:15-08:30); a back-office ticket (step 1, asynchronous)
    # and a customer's own asynchronous piece wait all night on the same channel
    c = pd.DataFrame({
        "replication": [0, 0, 0], "step": [0, 1, 0], "channel": ["phone"] * 3,
        "arrival_s": [900.0, 900.0, 900.0], "wait_s": [900.0, 60000.0, 60000.0],
        "outcome": ["handled", "handled", "handled"],
        "asynchronous": [False, True, True]})
    m = customer_queue_means(WithContacts(results.scenario, c))
    phone = m[m["name"] == "phone"].set_index("interval")["customers_waiting"]
    assert phone.loc[0] == pytest.approx(0.5)  # 15 of 30 minutes, one customer
    assert phone.loc[1:].eq(0).all()
    assert (m[m["name"] == "chat"]["customers_waiting"] == 0).all()


def test_report_without_tables_still_builds(results: Any) -> None:
    bare = dataclasses.replace(results, contacts=None, journeys=None, intervals=None)
    for fn in (fig_intraday, fig_utilization, fig_latency, fig_stages, fig_outages):
        assert fn(bare) is None
    text = build_run_html(bare, plots=[])
    assert "Headline results" in text and "<img" not in text


def test_figures_are_reproducible(results: Any, figures: dict) -> None:
    assert fig_utilization(results) == figures["utilization"]


def test_sweep_plot_accepts_list_valued_settings() -> None:
    """A swept list (e.g. a pool's channels) is a category on the x axis, not a crash."""
    import pandas as pd

    from sim.report.sweep_plots import fig_sweep_kpi

    rows = []
    for i, (chs, size) in enumerate([(["phone"], 10), (["phone", "chat"], 10),
                                     (["phone"], 12), (["phone", "chat"], 12)]):
        rows.append({"pools.a.channels": chs, "pools.a.size": size, "point_id": f"p{i}",
                     "kpi": "service_level", "n": 3, "mean": 0.7 + 0.02 * i,
                     "ci_low": 0.65, "ci_high": 0.9, "half_width": 0.05})
    fig = fig_sweep_kpi(pd.DataFrame(rows), ["pools.a.channels", "pools.a.size"],
                        "service_level")
    assert fig is not None
    assert fig.png.startswith(b"\x89PNG")
    assert '["phone", "chat"]' in fig.alt  # the category is named in the text alternative
