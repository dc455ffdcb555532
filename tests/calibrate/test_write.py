"""The written scenario: sections that depend on the log (segments, skills, email, no
resolution flag) and on what the schema supports; every variant loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.calibrate.fit as fit_module
from sim.calibrate import (
    FitOptions,
    calibrate,
    read_contacts,
    scenario_text,
    schema_support,
    write_scenario,
)
from sim.calibrate.fit import Support, parse_pool_sizes
from sim.calibrate.write import duration
from sim.scenario import load_text

from .conftest import Simulated


def synthetic_log(path: Path, n: int = 1500, seed: int = 0) -> Path:
    """Two days of contacts: phone and email, two teams with their own intents,
    two segments, no resolution flag, some customers coming back."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 2 * 86400, n))
    channel = np.where(rng.random(n) < 0.8, "Phone Line", "email")
    intent = np.where(rng.random(n) < 0.6, "billing", "tech")
    abandoned = (channel == "Phone Line") & (rng.random(n) < 0.1)
    case = np.array([f"c{i}" for i in range(n)])
    repeat = rng.random(n) < 0.15  # a few customers call twice
    case[1:][repeat[1:]] = case[:-1][repeat[1:]]
    frame = pd.DataFrame({
        "case": case,
        "arrival": (pd.Timestamp("2024-03-04") + pd.to_timedelta(t, unit="s")).astype(str),
        "channel": channel, "intent": intent,
        "segment": np.where(rng.random(n) < 0.7, "retail", "premium"),
        "pool": np.where(intent == "billing", "team_a", "team_b"),
        "wait": np.round(rng.exponential(40.0, n), 1),
        "handle": np.round(rng.gamma(2.0, 150.0, n), 1),
        "outcome": np.where(abandoned, "abandoned", "answered"),
    })
    frame["handle"] = frame["handle"].astype(object)
    frame.loc[abandoned, ["pool", "handle"]] = ""
    frame.to_csv(path, index=False)
    return path


def test_segments_skills_email_and_proxy_resolution(tmp_path: Path) -> None:
    log = read_contacts(synthetic_log(tmp_path / "log.csv"))
    assert "note: channel names made scenario-safe: 'Phone Line' -> Phone_Line" in log.notes
    cal = calibrate(log, FitOptions(interval_s=3600.0))
    scenario = write_scenario(cal, tmp_path / "s.yaml")
    assert set(scenario.segments) == {"retail", "premium"}
    assert sum(s.share for s in scenario.segments.values()) == pytest.approx(1.0)
    assert scenario.pools["team_a"].skills == {"billing": 1.0}
    assert scenario.channels["email"].kind == "email"
    assert scenario.channels["email"].patience is None
    assert scenario.channels["Phone_Line"].patience is not None
    assert scenario.pools["team_a"].schedule is not None  # two weekdays: a daily schedule
    assert len(scenario.pools["team_a"].schedule.headcount) == 24
    if schema_support().recontact:
        # no resolution flag: resolution from the no-repeat proxy, everybody unresolved
        # comes back
        assert cal.intents["billing"].proxy and scenario.recontact is not None
        assert scenario.recontact.probability == 1.0
        assert 0.5 < scenario.intents["billing"].resolution < 1.0


def test_without_journey_support_every_contact_is_demand(simulated: Simulated,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    log = read_contacts(simulated.short_log)
    full = calibrate(log)
    monkeypatch.setattr(fit_module, "schema_support",
                        lambda: Support(False, False, False, False, False))
    bare = calibrate(log)
    assert bare.journeys is None and all(i.resolution is None for i in bare.intents.values())
    assert sum(line.n for line in bare.lines) == log.n > sum(line.n for line in full.lines)
    text = scenario_text(bare)
    assert "recontact:" not in text and "resolution:" not in text
    load_text(text)


def test_staffing_options(simulated: Simulated) -> None:
    log = read_contacts(simulated.short_log)
    sized = calibrate(log, FitOptions(staffing="size", occupancy=0.8))
    pool = sized.pools["agents"]
    assert pool.size == int(np.ceil(pool.busy.max() / 0.8))
    given = calibrate(log, FitOptions(pool_sizes=parse_pool_sizes("7")))
    assert given.pools["agents"].size == 7
    assert parse_pool_sizes("a=3, b=4") == {"a": 3, "b": 4}
    with pytest.raises(ValueError, match="negative"):
        parse_pool_sizes("a=-1")


def test_durations_are_written_in_planner_units() -> None:
    assert [duration(x) for x in (0, 45.25, 252.34, 4000, 7200 * 24)] == [
        "0s", "45.25s", "252.3s", "66.67min", "48h"]
