"""Pydantic validation errors, reworded for a planner.

Each pydantic error is located (its ``loc`` mapped to the path the planner wrote
and to a line) and translated from pydantic's vocabulary ("Input should be a valid
integer [type=int_parsing]") into plain words that say what was expected there:
``expected an integer >= 0, got -3``; ``unknown key 'patiense'; did you mean
'patience'?``; ``unknown distribution 'normal'; use one of exponential, ...``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from sim.scenario import units
from sim.scenario.distributions import DIST_NAMES
from sim.scenario.errors import Issue, closest, did_you_mean, format_path
from sim.scenario.fields import (
    MISSING,
    Located,
    Node,
    bounds,
    child,
    kind,
    resolve_loc,
    strip,
)

Locate = Callable[[Sequence[str | int]], int | None]

_EXPECTED = {
    "duration": "a duration like '30s', '4min' or '2h'",
    "rate": "a rate like '45/min' or '1200/h'",
    "clock": "a clock time like 'Mon 09:00' or 'day 2 09:00'",
    "time_of_day": "a time of day like '09:30'",
    "factor": "a factor like 2.5",
    "integer": "an integer",
    "number": "a number",
    "bool": "true or false",
    "text": "text",
    "name": "a name (letters, digits, '_', '.', '-'; no spaces)",
    "distribution": "a distribution like {dist: exponential, mean: 2min}",
    "settings": "a mapping of settings (key: value lines)",
    "mapping": "a mapping (key: value lines)",
    "list": "a list",
    "choice": "one of the listed words",
    "value": "a valid value",
}

_DIST_EXAMPLES = {
    "exponential": "{dist: exponential, mean: 2min}",
    "lognormal": "{dist: lognormal, mean: 5min, cv: 0.8}",
    "gamma": "{dist: gamma, mean: 5min, cv: 0.8}",
    "deterministic": "{dist: deterministic, value: 3min}",
    "uniform": "{dist: uniform, low: 1min, high: 4min}",
    "triangular": "{dist: triangular, low: 1min, mode: 2min, high: 6min}",
    "empirical": "{dist: empirical, values: [1min, 2min, 4min]}",
}

_TYPE_ERRORS = {
    "int_type", "int_parsing", "int_from_float", "int_parsing_size", "float_type",
    "float_parsing", "finite_number", "bool_type", "bool_parsing", "string_type",
    "dict_type", "tuple_type", "list_type", "set_type", "model_type",
    "model_attributes_type", "greater_than", "greater_than_equal", "less_than",
    "less_than_equal", "multiple_of", "is_instance_of", "dataclass_type", "none_required",
}


def show(value: Any) -> str:
    """A raw value as a planner would recognise it: ``'4 min'``, ``-3``, ``a list``."""
    if value is MISSING:
        return "nothing"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f"'{text}'"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return repr(value)


def expected(loc: Located) -> str:
    """What should have been written at ``loc``, with numeric bounds."""
    k = kind(loc.node, loc.value)
    text = _EXPECTED.get(k, "a valid value")
    if loc.node is not None and k in ("integer", "number", "duration", "rate", "factor"):
        show = units.duration_text if k == "duration" else str
        limits = bounds(tuple(loc.node.meta) + strip(loc.node.tp)[1], show)
        if limits:
            text = {"duration": "a duration", "rate": "a rate"}.get(k, text) + " " + limits
    return text


def _dist_name(model: type[BaseModel] | None) -> str | None:
    if model is None or "dist" not in model.model_fields:
        return None
    return model.__name__.lower()


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def message(err: ErrorDetails, loc: Located) -> str:
    """Translate one pydantic error into a plain sentence."""
    etype = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    value = loc.value if loc.value is not MISSING else err.get("input", MISSING)
    key = loc.parts[-1] if loc.parts else ""
    if loc.key_error:
        return (
            f"{show(key)} is not a valid name: use only letters, digits, '_', '.' and '-' "
            "(no spaces), at most 80 characters"
        )
    if etype == "extra_forbidden":
        valid = list(loc.owner.model_fields) if loc.owner else []
        dist = _dist_name(loc.owner)
        hint = did_you_mean(str(key), valid, list_all=30)
        if hint == f"did you mean '{key}'?":  # a key of another kind of distribution
            hint = "valid keys here: " + ", ".join(valid)
        where = f" for {_a(dist)} distribution" if dist else ""
        if hint.startswith("use one of"):
            hint = "valid keys here: " + hint[len("use one of "):]
        return f"unknown key '{key}'{where}" + (f"; {hint}" if hint else "")
    if etype == "missing":
        if isinstance(key, int):
            return f"needs more values: entry {key + 1} is missing"
        dist = _dist_name(loc.owner)
        if dist:
            return f"'{key}' is required for {_a(dist)} distribution, e.g. {_DIST_EXAMPLES[dist]}"
        return f"'{key}' is required but missing"
    if etype == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        names = ", ".join(DIST_NAMES)
        close = difflib.get_close_matches(tag.lower(), DIST_NAMES, n=1, cutoff=0.85)
        if close:
            return f"unknown distribution '{tag}'; did you mean '{close[0]}'?"
        return f"unknown distribution '{tag}'; use one of {names}"
    if etype == "union_tag_not_found":
        return (
            "a distribution needs 'dist:' naming its kind (one of "
            f"{', '.join(DIST_NAMES)}), e.g. {_DIST_EXAMPLES['exponential']}"
        )
    if etype == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        field = str(key).replace("_", " ") if isinstance(key, str) else "value"
        if loc.owner is not None and field == "kind":
            field = f"{loc.owner.__name__.lower()} kind"
        near = closest(str(value), allowed)
        hint = f"did you mean '{near}'?" if near else "use one of " + ", ".join(allowed)
        return f"unknown {field} {show(value)}; {hint}"
    if etype in ("value_error", "assertion_error"):
        error = ctx.get("error")
        text = str(error) if error is not None else str(err.get("msg", ""))
        return re.sub(r"^(Value error|Assertion failed), ", "", text)
    if etype in ("too_short", "too_long"):
        n = ctx.get("min_length" if etype == "too_short" else "max_length")
        noun = "entry" if n == 1 else "entries"
        least = "at least" if etype == "too_short" else "at most"
        return f"needs {least} {n} {noun}, got {ctx.get('actual_length', '?')}"
    if etype == "string_too_short":
        return "must not be empty"
    if etype == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if etype == "string_pattern_mismatch":
        return f"{show(value)} is not a valid name: use only letters, digits, '_', '.' and '-'"
    if etype in _TYPE_ERRORS:
        text = f"expected {expected(loc)}, got {show(value)}"
        if etype == "finite_number":
            text += "; infinity and NaN are not allowed here"
        if etype == "string_type" and isinstance(value, (int, float)) and value is not None:
            text += "; put it in quotes"
        if etype in ("tuple_type", "list_type") and isinstance(value, str):
            text += f"; write a list like [{value}]"
        return text
    return str(err.get("msg", "invalid value")).rstrip(".")


def translate(
    errors: Sequence[ErrorDetails], root: type[BaseModel], raw: Any, locate: Locate
) -> list[Issue]:
    """Turn pydantic errors into located, reworded issues (irrelevant ones dropped)."""
    located = [(err, resolve_loc(root, tuple(err["loc"]), raw)) for err in errors]
    kept = [(e, loc) for e, loc in located if loc.relevant and not _spurious(e, loc)]
    if not kept:
        kept = located
    # a misspelt required key shows up twice: as unknown and as missing; keep one
    renamed: set[tuple[Any, ...]] = set()
    for err, loc in kept:
        if err["type"] == "extra_forbidden" and loc.owner is not None and loc.parts:
            near = closest(str(loc.parts[-1]), loc.owner.model_fields)
            if near:
                renamed.add((*loc.parts[:-1], near))
    issues = []
    for err, loc in kept:
        if err["type"] == "missing" and tuple(loc.parts) in renamed:
            continue
        if err["type"] == "union_tag_invalid" and isinstance(loc.value, Mapping):
            loc.parts.append("dist")  # point at the 'dist:' line
        issues.append(Issue(format_path(loc.parts), locate(loc.parts), message(err, loc)))
    return issues


def bool_issues(root: type[BaseModel], raw: Any, locate: Locate) -> list[Issue]:
    """Flag true/false written where a number is expected (pydantic would read 1/0)."""
    issues: list[Issue] = []

    def walk(node: Node, value: Any, parts: list[str | int]) -> None:
        items = (
            value.items() if isinstance(value, Mapping)
            else enumerate(value) if isinstance(value, list) else ()
        )
        for key, item in items:
            sub = child(node, key, value)
            if sub is None:
                continue
            if isinstance(item, bool) and kind(sub, item) in ("integer", "number"):
                where = Located(parts=[*parts, key], node=sub, value=item)
                issues.append(Issue(format_path(where.parts), locate(where.parts),
                                    f"expected {expected(where)}, got {show(item)}"))
            else:
                walk(sub, item, [*parts, key])

    walk(Node(root), raw, [])
    return issues


def _spurious(err: ErrorDetails, loc: Located) -> bool:
    # pydantic also reports a tuple as "too short" when one of its items failed
    if err["type"] == "too_short" and isinstance(loc.value, (list, tuple, Mapping)):
        return len(loc.value) >= int((err.get("ctx") or {}).get("min_length", 0))
    return False
