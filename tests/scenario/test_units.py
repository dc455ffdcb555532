"""Units a planner writes: durations, rates, multipliers and clock times."""

from __future__ import annotations

import math

import pytest

from sim.scenario.units import (
    format_clock,
    format_duration,
    parse_clock,
    parse_duration,
    parse_multiplier,
    parse_rate,
    time_of_day,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("4min", 240.0),
        ("4 min", 240.0),
        ("2h", 7200.0),
        ("1.5h", 5400.0),
        ("3d", 259200.0),
        ("1w", 604800.0),
        (".5min", 30.0),
        ("2 hours", 7200.0),
        ("10 Minutes", 600.0),
        ("1e2s", 100.0),
        ("0s", 0.0),
        (0, 0.0),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (5, "bare number"),
        (2.5, "bare number"),
        ("5", "expected a duration"),
        ("min", "expected a duration"),
        ("5 parsecs", "unknown time unit 'parsecs'"),
        ("-3min", "cannot be negative"),
        ("3min 20s", "expected a duration"),
        (True, "expected a duration"),
        (None, "expected a duration"),
        ([1, "s"], "expected a duration"),
        ("", "expected a duration"),
    ],
)
def test_bad_durations(bad: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("45/min", 45 / 60),
        ("1200/h", 1200 / 3600),
        ("20000/d", 20000 / 86400),
        ("3/15min", 3 / 900),
        ("3 / 15 min", 3 / 900),
        ("0.5/s", 0.5),
        ("0/h", 0.0),
        (0, 0.0),
    ],
)
def test_rates(text: object, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (45, "expected a rate"),
        ("45", "expected a rate"),
        ("45 per minute", "expected a rate"),
        ("45/fortnight", "unknown time unit"),
        ("-45/min", "cannot be negative"),
        ("3/0min", "must be positive"),
        (True, "expected a rate"),
    ],
)
def test_bad_rates(bad: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_rate(bad)


@pytest.mark.parametrize(
    ("value", "factor"),
    [(2.5, 2.5), (0, 0.0), ("2.5x", 2.5), ("2.5", 2.5), ("3X", 3.0), ("1.2×", 1.2)],
)
def test_multipliers(value: object, factor: float) -> None:
    assert parse_multiplier(value) == pytest.approx(factor)


@pytest.mark.parametrize("bad", [-1, "-2x", "x2", "two", True, float("nan"), math.inf, None])
def test_bad_multipliers(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_multiplier(bad)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("09:00", 9 * 3600.0),
        ("day 1 09:00", 9 * 3600.0),
        ("day 2 09:30", 86400 + 9.5 * 3600),
        ("Mon 00:00", 0.0),
        ("Tue 10:30", 86400 + 10.5 * 3600),
        ("sunday 23:59", 6 * 86400 + 23 * 3600 + 59 * 60),
        ("24:00", 86400.0),
    ],
)
def test_clock(text: str, seconds: float) -> None:
    assert parse_clock(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad", ["day 0 09:00", "Xyz 09:00", "25:00", "09:60", "24:30", "9am", 900, "Mon"]
)
def test_bad_clock(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_clock(bad)


def test_time_of_day_rejects_weekdays() -> None:
    assert time_of_day("07:45") == 7 * 3600 + 45 * 60
    with pytest.raises(ValueError, match="time of day"):
        time_of_day("Mon 07:45")


def test_formatting() -> None:
    assert format_duration(45) == "45s"
    assert format_duration(210) == "3.5min"
    assert format_duration(7200) == "2.0h"
    assert format_duration(1.5 * 86400 * 2) == "3.0d"
    assert format_clock(0) == "Mon 00:00"
    assert format_clock(86400 + 9.5 * 3600) == "Tue 09:30"
    assert format_clock(3600, start_s=6 * 86400 + 23 * 3600) == "Mon 00:00"  # wraps the week


def test_duration_round_trips_through_its_text() -> None:
    for seconds in (0.0, 1.0, 59.5, 3600.0, 12345.678):
        assert parse_duration(f"{seconds!r}s") == seconds
