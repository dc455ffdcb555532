"""Sweep grids: which scenario values to try, written the way a planner types them.

A sweep varies one or more scenario settings, each named by its dotted path in the
scenario (``pools.tier1.size``, ``channels.bot.containment``), over a list of
values; the grid is the cartesian product of those lists. On the command line each
setting is one ``--set PATH=VALUES`` where ``VALUES`` is either

* an inclusive range ``START:STOP:STEP`` (``40:60:5`` → 40, 45, 50, 55, 60;
  ``START:STOP`` steps by 1), or
* a comma-separated list ``0.2,0.4,0.6`` or ``3min,4min,5min``.

Values are typed sensibly: integers if every value is an integer, floats if every
value is a number, ``true``/``false`` as booleans, otherwise the strings are kept
as written (durations and rates keep their units: the scenario validates them).

``run`` and ``compare`` take the same ``--set PATH=VALUE`` with a single value, to
change a setting for one run without editing the file (:func:`parse_overrides`);
a range or list there is refused with a pointer to ``sweep``.

Each grid point gets a stable identifier, a short hash of its settings, so a
finished point can be recognised when a sweep is resumed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Largest number of values one ``--set`` may expand to (a guard against typos
#: such as ``1:100000``).
MAX_VALUES = 10_000
#: Most points in one sweep (each is validated, then run for every replication).
MAX_POINTS = 1_000

_PATH_RE = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+|\[\d+\])*$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")

Value = int | float | bool | str
Point = dict[str, Value]


class GridError(ValueError):
    """A ``--set`` setting or sweep grid that cannot be understood."""


def parse_set(text: str) -> tuple[str, list[Value]]:
    """Parse one ``PATH=VALUES`` setting into a path and a list of typed values.

    Parameters
    ----------
    text
        ``"pools.tier1.size=40:60:5"`` (inclusive range with step),
        ``"pools.tier1.size=40:45"`` (step 1) or
        ``"channels.bot.containment=0.2,0.4,0.6"`` (list).

    Returns
    -------
    tuple
        ``(path, values)``; values are ints if all are integers, floats if all are
        numbers, booleans for ``true``/``false``, else the strings as written.

    Raises
    ------
    GridError
        When the text has no ``=``, the path is malformed, a value is empty, or a
        range is not numeric, runs backwards, has a non-positive step or is huge.

    Examples
    --------
    >>> parse_set("pools.tier1.size=40:50:5")
    ('pools.tier1.size', [40, 45, 50])
    >>> parse_set("intents.general.handle_time.mean=3min,4min")
    ('intents.general.handle_time.mean', ['3min', '4min'])
    """
    if "=" not in text:
        raise GridError(
            f"--set {text!r}: expected PATH=VALUES, e.g. 'pools.tier1.size=40:60:5' "
            "or 'channels.bot.containment=0.2,0.4'"
        )
    path, _, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not path or not _PATH_RE.match(path):
        raise GridError(
            f"--set {text!r}: {path!r} is not a scenario path; use dotted names such "
            "as 'pools.tier1.size'"
        )
    if not spec:
        raise GridError(f"--set {text!r}: no values after '='")
    if ":" in spec and "," not in spec:
        values = _parse_range(path, spec)
    else:
        values = _parse_list(path, spec)
    return path, values


def _parse_range(path: str, spec: str) -> list[Value]:
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) not in (2, 3) or any(not p for p in parts):
        raise GridError(f"--set {path}={spec}: a range is START:STOP or START:STOP:STEP")
    if not all(_FLOAT_RE.match(p) for p in parts):
        raise GridError(
            f"--set {path}={spec}: range bounds must be numbers; for values with units "
            "list them, e.g. '3min,4min,5min'"
        )
    if len(parts) == 2:
        parts.append("1")
    all_int = all(_INT_RE.match(p) for p in parts)
    start, stop, step = (float(p) for p in parts)
    if step <= 0:
        raise GridError(f"--set {path}={spec}: the step must be positive")
    if stop < start:
        raise GridError(f"--set {path}={spec}: the range runs backwards (STOP < START)")
    # A small tolerance keeps float ranges such as 0.1:0.3:0.1 inclusive of 0.3.
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_VALUES:
        raise GridError(f"--set {path}={spec}: {count} values is too many (max {MAX_VALUES})")
    if all_int:
        return [int(start) + i * int(step) for i in range(count)]
    decimals = max(_decimals(p) for p in parts)
    return [round(start + i * step, decimals + 6) for i in range(count)]


def _decimals(text: str) -> int:
    mantissa = text.lower().split("e")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def _parse_list(path: str, spec: str) -> list[Value]:
    items = [s.strip() for s in spec.split(",")]
    if any(not s for s in items):
        raise GridError(f"--set {path}={spec}: empty value in the list (check the commas)")
    if len(items) > MAX_VALUES:
        raise GridError(f"--set {path}={spec}: too many values (max {MAX_VALUES})")
    return type_values(items)


def type_values(items: Sequence[str]) -> list[Value]:
    """Type a list of strings together: all ints, all numbers, all booleans, or strings."""
    if all(_INT_RE.match(s) for s in items):
        return [int(s) for s in items]
    if all(_FLOAT_RE.match(s) for s in items):
        return [float(s) for s in items]
    if all(s.lower() in ("true", "false") for s in items):
        return [s.lower() == "true" for s in items]
    return list(items)


def build_grid(grid: Mapping[str, Sequence[Any] | str]) -> list[Point]:
    """Expand ``{path: values}`` into the list of points (cartesian product, in order).

    A value given as a string is parsed like a ``--set`` right-hand side, so notebooks
    may write ``{"pools.tier1.size": "40:60:5"}``.
    """
    if not grid:
        raise GridError("the sweep grid is empty: give at least one --set PATH=VALUES")
    paths: list[str] = []
    lists: list[list[Any]] = []
    for path, values in grid.items():
        if isinstance(values, str):
            _, parsed = parse_set(f"{path}={values}")
            values = parsed
        values = list(values)
        if not values:
            raise GridError(f"sweep setting {path!r} has no values")
        if len(set(map(_key, values))) != len(values):
            raise GridError(f"sweep setting {path!r} repeats a value: {values}")
        paths.append(path)
        lists.append(values)
    count = math.prod(len(v) for v in lists)
    if count > MAX_POINTS:
        sizes = " x ".join(str(len(v)) for v in lists)
        raise GridError(f"the grid has {count:,} points ({sizes}); a sweep runs at most "
                        f"{MAX_POINTS:,}: use fewer values or coarser steps")
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*lists)]


def parse_sets(texts: Iterable[str]) -> dict[str, list[Value]]:
    """Parse several ``--set`` options into a grid; a path may appear only once."""
    grid: dict[str, list[Value]] = {}
    for text in texts:
        path, values = parse_set(text)
        if path in grid:
            raise GridError(f"--set {path} is given twice; list all its values in one --set")
        grid[path] = values
    return grid


def parse_override(text: str) -> tuple[str, Value]:
    """Parse one ``--set PATH=VALUE`` of ``run`` / ``compare``: a single value.

    The syntax is that of a sweep setting (:func:`parse_set`), restricted to one
    value: ``horizon=2d``, ``pools.agents.size=55``,
    ``intents.general.handle_time.mean=4min``. A value with a colon that is not a
    numeric range (``start=Monday 08:00``) is kept as written.

    Raises
    ------
    GridError
        For the mistakes :func:`parse_set` reports, and for a range
        (``40:60:5``) or a list (``40,45``), which are for ``servicesim sweep``.

    Examples
    --------
    >>> parse_override("pools.agents.size=55")
    ('pools.agents.size', 55)
    >>> parse_override("horizon=2d")
    ('horizon', '2d')
    """
    if "=" not in text:
        raise GridError(
            f"--set {text!r}: expected PATH=VALUE, e.g. 'pools.tier1.size=45' or 'horizon=2d'"
        )
    path, _, spec = (s.strip() for s in text.partition("="))
    parts = [p.strip() for p in spec.split(":")]
    is_range = len(parts) > 1 and "," not in spec and all(_FLOAT_RE.match(p) for p in parts if p)
    if is_range or "," in spec:
        kind = "a range" if is_range else "a list of values"
        raise GridError(
            f"--set {text!r}: {kind} is for a sweep; give one value here, e.g. "
            f"'{path}=VALUE', or try every value with: servicesim sweep FILE --set '{text}'"
        )
    if ":" in spec and _PATH_RE.match(path):
        return path, spec  # not a range but a clock time such as 'Monday 08:00'
    path, values = parse_set(text)
    return path, values[0]


def parse_overrides(texts: Iterable[str]) -> dict[str, Value]:
    """Parse the ``--set PATH=VALUE`` options of ``run`` / ``compare`` into changes.

    The result is what :meth:`sim.scenario.Scenario.with_changes` takes; a path may
    appear only once.
    """
    changes: dict[str, Value] = {}
    for text in texts:
        path, value = parse_override(text)
        if path in changes:
            raise GridError(f"--set {path} is given twice; give each setting once")
        changes[path] = value
    return changes


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def point_id(point: Mapping[str, Any]) -> str:
    """A stable 16-hex-digit identifier of a grid point (independent of dict order)."""
    text = json.dumps(sorted(point.items()), default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
