"""The ``events`` section (demand shocks): valid forms, the shape arithmetic, and one
located, plain line for every mistake.

The base text is the RICH scenario of the helpers (start Mon 06:00, warm-up 1d,
horizon 7d: the measured run is day 2 06:00 to day 9 06:00) with one shock appended.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from sim.scenario import Scenario, apply_changes, load_text
from sim.scenario.events import DemandShock
from tests.scenario.helpers import MINIMAL, RICH, error_of, replace

SHOCK = '{intent: billing, from: "day 2 09:00", for: 3d, peak: 2.5x, shape: decay}'
WITH_SHOCK = RICH + "events:\n  - " + SHOCK + "\n"
LINE = WITH_SHOCK.count("\n")  # the shock's line (the last one)


def test_a_scenario_without_events_has_none():
    sc = load_text(MINIMAL)
    assert sc.events == ()
    assert "events" not in sc.raw


def test_the_brief_example_loads_with_defaults():
    sc = load_text(WITH_SHOCK)
    (shock,) = sc.events
    assert shock.intent == ("billing",) and shock.channel is None and shock.segment is None
    assert shock.label == "billing_shock"  # no name: derived from the selectors
    assert shock.peak == 2.5 and shock.shape == "decay"
    assert shock.half_life_s == pytest.approx(3 * 86400 / 4)  # default: a quarter of 'for'
    # 'day 2 09:00' on the week clock; the scenario starts Mon 06:00 (sim time 0)
    assert shock.window_s(sc.start) == (27 * 3600.0, 27 * 3600.0 + 3 * 86400.0)


def test_names_lists_and_plain_numbers():
    text = RICH + ("events:\n"
                   "  - name: storm\n"
                   "    channel: [phone, chat]\n"
                   "    segment: retail\n"
                   '    from: "Wed 12:00"\n'
                   "    for: 12h\n"
                   "    peak: 0.6\n"
                   "    shape: linear\n")
    (shock,) = load_text(text).events
    assert shock.label == "storm" and shock.channel == ("phone", "chat")
    assert shock.segment == ("retail",) and shock.peak == 0.6
    assert shock.selects("chat", "fraud", "retail") and not shock.selects("web", "fraud", "retail")
    assert not shock.selects("phone", "billing", "premium")


def test_round_trip_and_changes_by_path():
    sc = load_text(WITH_SHOCK)
    again = Scenario.from_dict(sc.raw)
    assert again.events == sc.events
    changed = apply_changes(sc, {"events[0].peak": "3x", "events[0].half_life": "6h"})
    assert changed.events[0].peak == 3.0 and changed.events[0].half_life_s == 6 * 3600.0
    written = sc.model_copy(update={"seed": 1}).raw  # written back from the fields
    assert Scenario.from_dict(written).events == sc.events


@pytest.mark.parametrize("shape", ["step", "decay", "linear"])
@pytest.mark.parametrize("peak", [2.5, 0.4])
def test_mean_multiplier_is_the_integral_of_the_shape(shape: str, peak: float):
    shock = DemandShock.model_validate(
        {"from": "day 1 00:00", "for": "2d", "peak": peak, "shape": shape})
    length = shock.length_s
    area, _ = integrate.quad(lambda t: float(shock.multiplier(t)), 0, length, limit=200)
    assert shock.mean_multiplier == pytest.approx(area / length, rel=1e-9)
    part, _ = integrate.quad(lambda t: float(shock.multiplier(t)) - 1, 3600, 30000)
    assert shock.excess_integral(3600, 30000) == pytest.approx(part, rel=1e-9)
    assert float(shock.multiplier(0.0)) == pytest.approx(peak)
    assert float(shock.multiplier(-1.0)) == 1.0 and float(shock.multiplier(length)) == 1.0


def test_decay_halves_the_excess_every_half_life():
    shock = DemandShock.model_validate(
        {"from": "day 1 00:00", "for": "4d", "peak": "3x", "shape": "decay", "half_life": "1d"})
    excess = [float(shock.multiplier(d * 86400.0)) - 1 for d in range(4)]
    assert excess == pytest.approx([2.0, 1.0, 0.5, 0.25])
    assert shock.mean_multiplier == pytest.approx(1 + 2 / (4 * math.log(2)) * (1 - 2**-4))


# (id, old, new, path, fragment of the message); the line is the shock's line
CASES = [
    ("unknown intent", "intent: billing", "intent: biling", "events[0].intent[0]",
     "unknown intent 'biling'; did you mean 'billing'?"),
    ("unknown channel", "intent: billing", "channel: phnoe", "events[0].channel[0]",
     "unknown channel 'phnoe'; did you mean 'phone'?"),
    ("unknown segment", "intent: billing", "segment: gold", "events[0].segment[0]",
     "unknown segment 'gold'; use one of premium, retail"),
    ("zero peak", "peak: 2.5x", "peak: 0x", "events[0].peak",
     "a peak must be above 0 and at most 100x (below 1x is a dip"),
    ("absurd peak", "peak: 2.5x", "peak: 250x", "events[0].peak", "at most 100x"),
    ("peak not a factor", "peak: 2.5x", "peak: lots", "events[0].peak",
     "expected a factor like 2.5 or '2.5x', got 'lots'"),
    ("bad shape", "shape: decay", "shape: decy", "events[0].shape",
     "unknown shape 'decy'; did you mean 'decay'?"),
    ("unknown shape", "shape: decay", "shape: bump", "events[0].shape",
     "use one of step, decay, linear"),
    ("window after the horizon", "day 2 09:00", "day 12 09:00", "events[0].from",
     "the shock runs from day 12 09:00 (Fri) to day 15 09:00 (Mon), outside the measured "
     "run (day 2 06:00 (Tue) to day 9 06:00 (Tue))"),
    ("window inside the warm-up", 'from: "day 2 09:00", for: 3d', 'from: "day 1 07:00", for: 2h',
     "events[0].from", "outside the measured run"),
    ("window before the start", 'from: "day 2 09:00", for: 3d', 'from: "day 1 01:00", for: 2h',
     "events[0].from", "the shock runs from day 1 01:00 (Mon)"),
    ("duration without unit", "for: 3d", "for: 3", "events[0].for", "a bare number 3 has no unit"),
    ("missing for", "for: 3d, ", "", "events[0].for", "'for' is required but missing"),
    ("bad clock time", "day 2 09:00", "2024-01-02 09:00", "events[0].from",
     "expected a clock time like 'day 2 09:00'"),
    ("unknown key", "shape: decay", "shape: decay, halflife: 6h", "events[0].halflife",
     "unknown key 'halflife'; did you mean 'half_life'?"),
    ("half-life on a step", "shape: decay", "half_life: 6h", "events[0]",
     "'half_life' applies to shape: decay only"),
    ("selects no demand", "intent: billing", "intent: fraud, channel: chat", "events[0]",
     "this shock selects intent fraud, channel chat, but no demand line brings such contacts"),
]


@pytest.mark.parametrize(("old", "new", "path", "fragment"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_mistake_is_one_located_line(old: str, new: str, path: str, fragment: str):
    err = error_of(RICH + "events:\n  - " + replace(SHOCK, old, new) + "\n")
    assert err.path == path
    assert err.line == LINE
    assert fragment in err.message
    text = str(err)
    assert "\n" not in text and text.startswith(f"s.yaml:{LINE}: {path}: ")
    for jargon in ("pydantic", "Input should", "type=", "Value error"):
        assert jargon not in text


def test_two_shocks_with_the_same_name():
    text = WITH_SHOCK + "  - " + SHOCK.replace("day 2", "day 4") + "\n"
    err = error_of(text)
    assert err.path == "events[1]" and err.line == LINE + 1
    assert "two events are called 'billing_shock' (see events[0])" in err.message


def test_a_shock_on_a_segment_without_segments_names_the_problem():
    text = MINIMAL + 'events:\n  - {segment: gold, from: "day 1 09:00", for: 2h, peak: 2}\n'
    err = error_of(text)
    assert err.path == "events[0].segment[0]"
    assert "no segments are declared" in err.message


def test_multiplier_is_vectorised():
    shock = DemandShock.model_validate({"from": "day 1 00:00", "for": "1h", "peak": 2})
    m = shock.multiplier(np.array([-1.0, 0.0, 1800.0, 3600.0]))
    assert m.tolist() == [1.0, 2.0, 2.0, 1.0]
