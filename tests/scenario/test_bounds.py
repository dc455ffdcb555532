"""Bounds of issue 19: every duration and rate within what service operations need,
derived counts (slots, outage cycles, intervals) and handoff/escalation loops
refused at validation with the setting that made them explode, text that cannot be
shown or stored refused, all as one located line."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load, load_text
from sim.scenario.loops import MAX_PIECES, expected_pieces, max_pieces, transitions
from sim.scenario.units import (
    MAX_DURATION_S,
    MAX_RATE_PER_S,
    duration_text,
    format_duration,
    parse_duration,
    parse_rate,
)
from tests.scenario.helpers import MINIMAL, replace

ROOT = Path(__file__).resolve().parents[2]


def refused(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_text(text, file="s.yaml")
    err = info.value
    assert err.line is not None and str(err).startswith(f"s.yaml:{err.line}: {err.path}: ")
    assert "\n" not in str(err) and len(str(err)) < 500, str(err)
    return err


# -- units --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1e-300s", "5e-324s", "0.5ms", "0.0001s"])
def test_durations_below_a_millisecond_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="shorter than 1ms"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["1e308s", "1e300d", "1e9w", "3651d", "522w"])
def test_durations_above_ten_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="longer than 10 years"):
        parse_duration(text)


@pytest.mark.parametrize(("text", "seconds"), [("0s", 0.0), (0, 0.0), ("1ms", 0.001),
                                               ("3650d", MAX_DURATION_S), ("2h", 7200.0)])
def test_zero_and_the_edges_are_accepted(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["1e5/s", "1e308/h", "1001/s"])
def test_rates_above_a_thousand_a_second_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="at most 1,000/s"):
        parse_rate(text)


def test_tiny_rates_are_refused_but_zero_is_fine() -> None:
    with pytest.raises(ValueError, match="10 years"):
        parse_rate("1e-300/s")
    assert parse_rate("0/h") == 0.0
    assert parse_rate("1000/s") == MAX_RATE_PER_S
    assert parse_rate("1/3650d") > 0


def test_durations_are_written_readably() -> None:
    assert duration_text(60.0) == "1min" and duration_text(366 * 86400.0) == "366d"
    assert duration_text(0.001) == "1ms" and duration_text(0) == "0"
    assert format_duration(0.005) == "5ms" and format_duration(45) == "45s"


# -- fields -------------------------------------------------------------------------

FIELD_CASES = {
    "gamma with a tiny cv": ("{dist: exponential, mean: 1min}",
                             "{dist: gamma, mean: 1min, cv: 1e-200}", "between 0.001 and 20"),
    "lognormal with cv 0": ("{dist: exponential, mean: 1min}",
                            "{dist: lognormal, mean: 1min, cv: 0}", "between 0.001 and 20"),
    "schedule interval 5e-324s": ("{size: 50, channels: [phone]}",
                                  "{schedule: {interval: 5e-324s, headcount: [50]}, "
                                  "channels: [phone]}", "shorter than 1ms"),
    "rate 1e5/s": ("rate: 45/min", "rate: 1e5/s", "at most 1,000/s"),
}


@pytest.mark.parametrize("case", list(FIELD_CASES))
def test_out_of_range_fields_are_located(case: str) -> None:
    old, new, words = FIELD_CASES[case]
    err = refused(replace(MINIMAL, old, new))
    assert words in err.message


FIELD_OPS = ROOT / "scenarios" / "field_operations.yaml"
OUTAGE = ROOT / "scenarios" / "billing_outage.yaml"


def field_text(old: str, new: str) -> str:
    return replace(FIELD_OPS.read_text(), old, new)


@pytest.mark.parametrize(("old", "new", "path", "words"), [
    ("slot: 2h", "slot: 1e-300s", "channels.engineers.visits.slot", "shorter than 1ms"),
    ("slot: 2h", "slot: 5e-324s", "channels.engineers.visits.slot", "shorter than 1ms"),
    ("slot: 2h", "slot: 30s", "channels.engineers.visits.slot", ">= 1min"),
    ("recheck: 15min", "recheck: 1e-300s", "channels.engineers.visits.parts.recheck",
     "shorter than 1ms"),
    ("recheck: 15min", "recheck: 1s", "channels.engineers.visits.parts.recheck", ">= 1min"),
    ("booking_window: 60d", "booking_window: 1e308s", "channels.engineers.visits.booking_window",
     "longer than 10 years"),
    ("booking_window: 60d", "booking_window: 1e9w", "channels.engineers.visits.booking_window",
     "longer than 10 years"),
    ("booking_window: 60d", "booking_window: 400d", "channels.engineers.visits.booking_window",
     "<= 366d"),
])
def test_field_settings_that_would_hang_or_exhaust_memory(old: str, new: str, path: str,
                                                          words: str) -> None:
    t0 = time.perf_counter()
    err = refused(field_text(old, new))
    assert time.perf_counter() - t0 < 1.0
    assert err.path == path and words in err.message, str(err)


def test_short_slots_over_a_year_of_bookings_name_the_slot() -> None:
    err = refused(field_text("slot: 2h", "slot: 1min").replace("booking_window: 60d",
                                                                "booking_window: 366d"))
    assert err.path == "channels.engineers.visits.slot" and "appointment slots" in err.message
    load_text(field_text("slot: 2h", "slot: 1min"))  # 1 million slots over 60 days: fine


def test_a_large_crew_over_a_year_of_bookings_names_the_crew() -> None:
    text = field_text("booking_window: 60d", "booking_window: 366d")
    scenario = load_text(text)
    with pytest.raises(ScenarioError, match="appointment slots") as info:
        scenario.with_changes({"technicians.north_crew.size": 5000})
    assert info.value.path == "technicians.north_crew.size"


def outage_text(old: str, new: str) -> str:
    return replace(OUTAGE.read_text(), old, new)


@pytest.mark.parametrize("new", [
    "mtbf: {dist: deterministic, value: 0}\n    mttr: {dist: deterministic, value: 0}",
    "mtbf: 1s\n    mttr: 1s",
])
def test_random_outages_that_would_cycle_endlessly_are_refused(new: str) -> None:
    text = outage_text("mtbf: {dist: exponential, mean: 75d}\n"
                       "    mttr: {dist: lognormal, mean: 2h, cv: 0.8}", new)
    err = refused(text)
    assert err.path == "outages[2].mtbf" and "outages in each replication" in err.message


def test_an_outage_that_fails_right_after_each_repair_is_fine() -> None:
    load_text(outage_text("mtbf: {dist: exponential, mean: 75d}",
                          "mtbf: {dist: deterministic, value: 0}"))


def test_an_outage_after_the_run_is_refused() -> None:
    err = refused(outage_text('at: "day 1 10:00", for: 90min,\n     description: the incident',
                              'at: "day 300 10:00", for: 90min,\n     description: the incident'))
    assert err.path == "outages[0].at" and "never happen" in err.message


def test_too_many_reporting_intervals_are_refused() -> None:
    err = refused(replace(MINIMAL, "warmup: 5h", "warmup: 5h\ninterval: 1min").replace(
        "horizon: 200h", "horizon: 3000d"))
    assert err.path == "interval" and "rows per replication" in err.message


# -- handoff and escalation loops ------------------------------------------------------

LOOP = MINIMAL.replace("""pools:
  agents: {size: 50, channels: [phone]}
""", """pools:
  tier1:
    size: 20
    channels: [phone]
    handoffs: [{to: tier2, probability: P1}]
  tier2:
    size: 20
    channels: [phone]
    handoffs: [{to: tier1, probability: P2}]
""")


def loop(p1: float, p2: float) -> str:
    return LOOP.replace("P1", str(p1)).replace("P2", str(p2))


def test_a_certain_handoff_loop_is_refused_whatever_the_delay() -> None:
    err = refused(loop(1, 1))
    assert err.path == "pools.tier1.handoffs[0]" and "without end" in err.message
    assert "tier1 -> tier2 -> tier1" in err.message
    delayed = loop(1, 1).replace("probability: 1}", "probability: 1, delay: 1h}")
    assert "without end" in refused(delayed).message


def test_a_nearly_certain_loop_is_refused_a_likely_one_is_fine() -> None:
    err = refused(loop(0.99, 0.99))
    assert "pieces of work per contact" in err.message
    scenario = load_text(loop(0.5, 0.5))
    assert max_pieces(scenario) == pytest.approx(1 / (1 - 0.25) + 0.5 / (1 - 0.25))


def test_expected_pieces_match_the_geometric_series() -> None:
    scenario = load_text(loop(0.8, 0.5))
    q, where = transitions(scenario, "general")
    assert q[0, 1] == 0.8 and q[1, 0] == 0.5 and where[(0, 1)][-1] == 0
    n = expected_pieces(q)
    assert n[0] == pytest.approx((1 + 0.8) / (1 - 0.4))
    assert math.isfinite(n[1]) and n.max() < MAX_PIECES


ESCALATION = MINIMAL.replace(
    "general: {handle_time: {dist: exponential, mean: 1min}}",
    "general: {handle_time: {dist: exponential, mean: 1min}, resolution: R}",
).replace("""pools:
  agents: {size: 50, channels: [phone]}
""", """pools:
  tier1:
    size: 20
    channels: [phone]
    skills: {general: 0.5}
    escalate_below: 0.6
    escalate_to: tier2
  tier2:
    size: 20
    channels: [phone]
    skills: {general: 0.5}
    escalate_below: 0.6
    escalate_to: tier1
""")


def test_an_escalation_loop_that_never_resolves_is_refused() -> None:
    err = refused(ESCALATION.replace("resolution: R", "resolution: 0"))
    assert err.path == "pools.tier1.escalate_to" and "without end" in err.message
    # resolving 2% of the time (scaled by proficiency 0.5: 1%) still loops about 100 times
    assert "pieces" in refused(ESCALATION.replace("resolution: R", "resolution: 0.02")).message
    load_text(ESCALATION.replace("resolution: R", "resolution: 0.5"))


def test_the_bundled_scenarios_have_short_chains() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert max_pieces(load(path)) < 3, path.name


# -- text ---------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "words"), [
    ("description", '"\\ud800 lone"', "lone surrogate (U+D800)"),
    ("description", '"a \\e[31m red"', "control character U+001B"),
    ("name", '"bell\\a"', "control character U+0007"),
])
def test_text_that_cannot_be_shown_or_stored_is_refused(field: str, value: str,
                                                         words: str) -> None:
    text = MINIMAL.replace("name: Erlang C check", f"name: x\n{field}: {value}"
                           if field == "description" else f"name: {value}")
    err = refused(text)
    assert err.path == field and words in err.message


def test_a_surrogate_in_a_key_or_a_change_is_refused() -> None:
    err = refused(MINIMAL.replace("  agents: {size", '  "ag\\udc80": {size'))
    assert err.path == "pools" and "a key holds a lone surrogate" in err.message
    with pytest.raises(ScenarioError, match="lone surrogate"):
        load_text(MINIMAL).with_changes({"name": "x\udcff"})


def test_tabs_and_line_breaks_are_fine() -> None:
    scenario = load_text(MINIMAL.replace("name: Erlang C check",
                                         'name: x\ndescription: "a\\tb\\nc"'))
    assert scenario.description == "a\tb\nc"
