"""Changing a scenario by field path, and fingerprinting it.

Sweeps, staffing searches and what-if comparisons change a few fields of a base
scenario: ``apply_changes(s, {"pools.tier1.size": 45, "demand[0].rate": "50/min"})``.
Changes are made to a copy of the scenario's input as the planner wrote it (units
as strings), and the result goes through the same validation as a loaded file, so
a change can never produce a scenario a file could not. Setting a value to
``None`` removes the key (the field returns to its default).

:func:`scenario_hash` fingerprints the input for manifests and caches.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from sim.scenario.errors import ScenarioError, did_you_mean, format_path, parse_path
from sim.scenario.fields import Node, child, is_mapping_type, model_at, to_input
from sim.scenario.schema import Scenario

CHANGES_FILE = "<changes>"


def _parts(path: str) -> list[str | int]:
    try:
        parts = parse_path(path)
    except ValueError as exc:
        raise ScenarioError(str(exc), file=CHANGES_FILE, path=path) from None
    if not parts:
        raise ScenarioError("empty field path", file=CHANGES_FILE, path=path)
    return parts


def _unknown(path: str, done: list[str | int], key: Any, options: list[str]) -> ScenarioError:
    hint = did_you_mean(str(key), options)
    where = f" in {format_path(done)}" if done else ""
    return ScenarioError(
        f"no field '{key}'{where}" + (f"; {hint}" if hint else ""), file=CHANGES_FILE, path=path
    )


def _walk(
    raw: dict[str, Any], path: str, *, create: bool
) -> tuple[Any, str | int, Node | None]:
    """Find the container holding the last part of ``path`` (creating parents if asked).

    Returns (container, key or index, type node of the value).
    """
    parts = _parts(path)
    container: Any = raw
    node: Node | None = Node(Scenario)
    done: list[str | int] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if isinstance(container, dict):
            key, i = _match_key(container, parts, i)
            last = i == len(parts) - 1
            model = model_at(node, container) if node is not None else None
            fields = list(model.model_fields) if model is not None else []
            if key not in container:
                may_add = key in fields or (last and node is not None and is_mapping_type(node))
                if not may_add:
                    raise _unknown(path, done, key, sorted(set(container) | set(fields)))
            next_node = child(node, key, container) if node is not None else None
            if last:
                return container, key, next_node
            if key not in container or container[key] is None:
                if not create:
                    return None, key, next_node
                container[key] = {}
            container, node = container[key], next_node
            done.append(key)
        elif isinstance(container, list):
            if not isinstance(part, int):
                raise ScenarioError(
                    f"{format_path(done)} is a list: use an index like {format_path(done)}[0]",
                    file=CHANGES_FILE, path=path,
                )
            if not 0 <= part < len(container):
                n = len(container)
                raise ScenarioError(
                    f"{format_path(done)} has {n} entr{'y' if n == 1 else 'ies'}; "
                    f"index {part} is out of range (the first is 0)",
                    file=CHANGES_FILE, path=path,
                )
            next_node = child(node, part, container) if node is not None else None
            if i == len(parts) - 1:
                return container, part, next_node
            container, node = container[part], next_node
            done.append(part)
        else:
            raise ScenarioError(
                f"{format_path(done)} is a single value, it has no field '{part}'",
                file=CHANGES_FILE, path=path,
            )
        i += 1
    raise AssertionError("unreachable")  # pragma: no cover


def _match_key(container: dict[str, Any], parts: list[str | int], i: int) -> tuple[str, int]:
    """The key at ``parts[i]``, joining following parts for names that hold dots."""
    key = str(parts[i])
    if key in container:
        return key, i
    for j in range(i + 1, len(parts)):
        if isinstance(parts[j], int):
            break
        joined = ".".join(str(p) for p in parts[i : j + 1])
        if joined in container:
            return joined, j
    return key, i


def get_path(scenario: Scenario, path: str) -> Any:
    """The value at ``path`` as written in the input (None for an omitted field).

    Raises:
        ScenarioError: when no such field exists (with a did-you-mean hint).
    """
    raw = scenario.raw
    container, key, _ = _walk(raw, path, create=False)
    if container is None:
        return None
    if isinstance(container, dict):
        return copy.deepcopy(container.get(str(key)))
    return copy.deepcopy(container[int(key)])


def apply_changes(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """Return a new validated scenario with the values at the given paths replaced.

    Args:
        scenario: The base scenario (left untouched).
        changes: ``{"pools.tier1.size": 45, "channels.phone.patience.mean": "3min",
            "demand[0].rate": "50/min"}``; values are written as in a scenario file
            (units as strings); ``None`` removes the key.

    Raises:
        ScenarioError: an unknown path, or a change that makes the scenario invalid.
    """
    from sim.scenario.loader import validate

    raw = scenario.raw
    for path, value in changes.items():
        if isinstance(value, BaseModel):
            value = to_input(value)
        container, key, _ = _walk(raw, path, create=value is not None)
        if container is None:
            continue  # removing something already absent
        if value is None and isinstance(container, dict):
            container.pop(str(key), None)
        elif isinstance(container, dict):
            container[str(key)] = copy.deepcopy(to_input(value))
        else:
            container[int(key)] = copy.deepcopy(to_input(value))
    return validate(raw, file=CHANGES_FILE)


def canonical_json(data: Any) -> str:
    """Deterministic JSON for ``data`` (sorted keys, no whitespace)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def scenario_hash(scenario: Scenario) -> str:
    """First 16 hex digits of the SHA-256 of the scenario's input as canonical JSON."""
    return hashlib.sha256(canonical_json(scenario.raw).encode("utf-8")).hexdigest()[:16]
