"""Units a planner writes: durations (``90s``, ``4min``, ``2h``, ``3d``, also ``ms``
and ``w``), rates (``45/min``, ``1200/h``), multipliers (``2.5x``) and clock times
(``day 2 09:00``, ``Mon 10:30``).

Everything is converted to the simulator's base units at the boundary: seconds for
times, contacts per second for rates. Parsers raise ``ValueError`` with a message
that says what was expected; the loader turns it into a located scenario error.

Bounds that make sense for service operations are checked here, once for every
field: a duration is exactly 0 or between 1 ms and 10 years (finer times only
feed float noise and endless event loops into the engine; longer ones exceed any
plan), and a rate is 0 or between one per 10 years and 1,000 per second (a
national contact centre peaks at tens a second). Whether 0 itself is meaningful is
the field's business (``gt=0`` on the field).
"""

from __future__ import annotations

import re

SECONDS_PER: dict[str, float] = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "m": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "wk": 604800.0,
    "week": 604800.0,
    "weeks": 604800.0,
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_S = 86400.0
WEEK_S = 7 * DAY_S
MAX_DAY = 366

#: Shortest non-zero duration (1 ms) and longest duration (10 years) accepted.
MIN_DURATION_S = 0.001
MAX_DURATION_S = 3650 * DAY_S
#: Highest rate accepted (per second) and lowest non-zero one (one per 10 years).
MAX_RATE_PER_S = 1000.0
MIN_RATE_PER_S = 1.0 / MAX_DURATION_S

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]+)\s*$")
_RATE_RE = re.compile(rf"^\s*({_NUMBER})\s*/\s*({_NUMBER})?\s*([a-zA-Z]+)\s*$")
_MULT_RE = re.compile(rf"^\s*({_NUMBER})\s*[xX×]?\s*$")
_CLOCK_RE = re.compile(r"^\s*(?:day\s*(\d{1,9})|([a-zA-Z]{3})[a-zA-Z]*)?\s*(\d{1,2}):(\d{2})\s*$")

UNITS_HINT = "use ms, s, min, h, d or w"
DURATION_HELP = "a duration with a unit, e.g. '30s', '4min', '2h', '3d'"
RATE_HELP = "a rate like '45/min', '1200/h' or '20000/d'"


def parse_duration(value: object) -> float:
    """Return a duration in seconds from ``'90s'``, ``'4min'``, ``'2h'``, ``'3d'``.

    A bare number is rejected (units are mandatory, so ``5`` can never be read as
    five minutes by one planner and five seconds by another), except zero.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HELP}, got {value!r}")
    if isinstance(value, (int, float)):
        if value == 0:
            return 0.0
        raise ValueError(f"expected {DURATION_HELP}; a bare number {value!r} has no unit")
    if not isinstance(value, str):
        raise ValueError(f"expected {DURATION_HELP}, got {type(value).__name__}")
    m = _DURATION_RE.match(value)
    if not m:
        raise ValueError(f"expected {DURATION_HELP}, got {value!r}")
    number, unit = float(m.group(1)), m.group(2).lower()
    if unit not in SECONDS_PER:
        raise ValueError(f"unknown time unit {m.group(2)!r} in {value!r}; {UNITS_HINT}")
    seconds = number * SECONDS_PER[unit]
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    if seconds != seconds or seconds == float("inf"):
        raise ValueError(f"a duration must be finite, got {value!r}")
    return check_duration(seconds, value)


def check_duration(seconds: float, written: object) -> float:
    """Return ``seconds`` if it is 0 or within [1 ms, 10 years], else raise ``ValueError``
    quoting what was ``written``."""
    if seconds == 0:
        return 0.0
    if seconds < MIN_DURATION_S:
        raise ValueError(f"{written!r} is shorter than 1ms, the finest time the simulator "
                         "takes (write 0 for none, where none is allowed)")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{written!r} is longer than 10 years (3650d), the longest time "
                         "the simulator takes")
    return seconds


def parse_rate(value: object) -> float:
    """Return a rate in events per second from ``'45/min'``, ``'1200/h'``, ``'3/15min'``."""
    if isinstance(value, bool) or not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
            return 0.0
        raise ValueError(f"expected {RATE_HELP}, got {value!r}")
    m = _RATE_RE.match(value)
    if not m:
        raise ValueError(f"expected {RATE_HELP}, got {value!r}")
    count = float(m.group(1))
    per = float(m.group(2)) if m.group(2) else 1.0
    unit = m.group(3).lower()
    if unit not in SECONDS_PER:
        raise ValueError(f"unknown time unit {m.group(3)!r} in {value!r}; {UNITS_HINT}")
    if count < 0:
        raise ValueError(f"a rate cannot be negative, got {value!r}")
    if per <= 0:
        raise ValueError(f"the period of a rate must be positive, got {value!r}")
    rate = count / (per * SECONDS_PER[unit])
    if rate != rate or rate == float("inf"):
        raise ValueError(f"a rate must be finite, got {value!r}")
    if rate > MAX_RATE_PER_S:
        raise ValueError(f"expected a rate of at most {MAX_RATE_PER_S:,.0f}/s "
                         f"({MAX_RATE_PER_S * 3600:,.0f}/h), got {value!r}")
    if 0 < rate < MIN_RATE_PER_S:
        raise ValueError(f"{value!r} is less than once in 10 years; write 0 for none")
    return rate


def parse_multiplier(value: object) -> float:
    """Return a non-negative factor from ``2.5``, ``'2.5x'`` or ``'2.5'``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a factor like 2.5 or '2.5x', got {value!r}")
    if isinstance(value, (int, float)):
        factor = float(value)
    elif isinstance(value, str) and (m := _MULT_RE.match(value)):
        factor = float(m.group(1))
    else:
        raise ValueError(f"expected a factor like 2.5 or '2.5x', got {value!r}")
    if factor < 0 or factor != factor or factor == float("inf"):
        raise ValueError(f"a factor must be a finite number >= 0, got {value!r}")
    return factor


def parse_clock(value: object) -> float:
    """Return seconds since the start of the simulated week (Monday 00:00).

    Accepts ``'day 2 09:00'`` (day 1 is the first day), ``'Mon 10:30'`` or a bare
    ``'09:00'`` (on day 1).
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a clock time like 'day 2 09:00' or 'Tue 09:00', got {value!r}")
    m = _CLOCK_RE.match(value)
    if not m:
        raise ValueError(f"expected a clock time like 'day 2 09:00' or 'Tue 09:00', got {value!r}")
    day_num, weekday, hh, mm = m.groups()
    if day_num is not None:
        day = int(day_num) - 1
        if day < 0:
            raise ValueError(f"days count from 1, got {value!r}")
        if day >= MAX_DAY:
            # far-off days lose the minutes to float rounding (and the clock repeats weekly)
            raise ValueError(f"days count from 1 to {MAX_DAY}, got {value!r}")
    elif weekday is not None:
        key = weekday.lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f"unknown weekday {weekday!r} in {value!r}; use Mon..Sun")
        day = WEEKDAYS.index(key)
    else:
        day = 0
    hours, minutes = int(hh), int(mm)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"not a valid time of day: {value!r}")
    return day * DAY_S + hours * 3600.0 + minutes * 60.0


def time_of_day(value: object) -> float:
    """Return seconds after midnight for ``'09:30'`` (``'24:00'`` allowed as end of day)."""
    if not isinstance(value, str) or not re.match(r"^\s*\d{1,2}:\d{2}\s*$", value):
        raise ValueError(f"expected a time of day like '09:30', got {value!r}")
    return parse_clock(value)


def format_clock(t_s: float, start_s: float = 0.0) -> str:
    """Format simulation time as ``'Mon 09:30'`` (week clock, from the scenario start)."""
    t = (t_s + start_s) % WEEK_S
    day = int(t // DAY_S)
    rem = t - day * DAY_S
    return f"{WEEKDAYS[day].capitalize()} {int(rem // 3600):02d}:{int(rem % 3600 // 60):02d}"


def duration_text(seconds: float) -> str:
    """Write seconds exactly in the largest unit that divides them: ``'1min'``,
    ``'366d'``, ``'90s'``, ``'0'``."""
    if seconds == 0:
        return "0"
    for unit in ("d", "h", "min", "s", "ms"):
        count = seconds / SECONDS_PER[unit]
        if count == int(count):
            return f"{int(count)}{unit}"
    return f"{seconds:g}s"


def format_duration(seconds: float) -> str:
    """Format seconds for a human: ``'45s'``, ``'3.5min'``, ``'2.0h'``, ``'1.5d'``
    (``'5ms'`` below a second)."""
    if 0 < seconds < 1:
        return f"{seconds * 1000:.3g}ms"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}min"
    if seconds < 2 * DAY_S:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / DAY_S:.1f}d"
