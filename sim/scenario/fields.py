"""Type introspection for the scenario models: which model type sits at a field path.

The loader uses it to turn a pydantic error location into the path a planner wrote
(dropping the union markers pydantic inserts), to know what was expected there
(a duration, an integer, a distribution, ...) and which keys are valid for
did-you-mean hints; :mod:`sim.scenario.paths` uses it to tell which new keys may be
created. :func:`to_input` writes a validated model back in the form a planner
writes (durations as ``"120.0s"``), so it can be validated again.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator
from pydantic.fields import FieldInfo

from sim.scenario import units

MISSING: Any = object()
"""Marker for "no raw value at this path"."""

_NONE = type(None)


@dataclass(frozen=True)
class Node:
    """The declared type at one point of a path, with its constraints."""

    tp: Any
    meta: tuple[Any, ...] = ()
    owner: type[BaseModel] | None = None
    """The model whose field this is (None at the root and inside containers)."""
    name: str | None = None
    """The field name in ``owner``."""
    disc: str | None = None
    """The discriminator of a tagged union declared on the field itself."""


def is_model(tp: Any) -> bool:
    """True if ``tp`` is a pydantic model class."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def strip(tp: Any) -> tuple[Any, tuple[Any, ...], str | None]:
    """Peel ``Annotated`` and ``Optional``; return (core type, metadata, discriminator)."""
    meta: list[Any] = []
    disc: str | None = None
    while True:
        if get_origin(tp) is Annotated:
            for m in tp.__metadata__:
                if isinstance(m, FieldInfo):
                    meta.extend(m.metadata)
                    if isinstance(m.discriminator, str):
                        disc = m.discriminator
                else:
                    meta.append(m)
            tp = get_args(tp)[0]
            continue
        members = union_members(tp)
        if members is not None and len(members) == 1:
            tp = members[0]
            continue
        return tp, tuple(meta), disc


def union_members(tp: Any) -> list[Any] | None:
    """Members of a union other than None, or None if ``tp`` is not a union."""
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if a is not _NONE]
    return None


def tag_values(model: type[BaseModel], disc: str) -> tuple[str, ...]:
    """The literal tag values a discriminated model accepts (``("lognormal",)``)."""
    f = model.model_fields.get(disc)
    if f is None or get_origin(f.annotation) is not Literal:
        return ()
    return tuple(str(a) for a in get_args(f.annotation))


def pick_member(tp: Any, value: Any, disc: str | None = None) -> tuple[Any, tuple[Any, ...]]:
    """Resolve a union by the raw value: the member pydantic would validate against."""
    core, meta, inner = strip(tp)
    disc = inner or disc
    members = union_members(core)
    if not members:
        return core, meta
    models = [m for m in members if is_model(strip(m)[0])]
    others = [m for m in members if not is_model(strip(m)[0])]
    if isinstance(value, Mapping) and models:
        if disc is not None:
            for m in models:
                if str(value.get(disc)) in tag_values(strip(m)[0], disc):
                    return strip(m)[0], meta
        return strip(models[0])[0], meta
    chosen = next((m for m in others if _shape_fits(strip(m)[0], value)),
                  others[0] if others else members[0])
    c, m2, _ = strip(chosen)
    return c, meta + m2


def _shape_fits(core: Any, value: Any) -> bool:
    """True if a union member of type ``core`` has the shape of ``value``: a mapping
    type for a mapping, a sequence type for a list or tuple, a plain type otherwise."""
    origin = get_origin(core) or core
    is_map = isinstance(origin, type) and issubclass(origin, Mapping)
    is_seq = origin in (list, tuple)
    if isinstance(value, Mapping):
        return is_map
    if isinstance(value, (list, tuple)):
        return is_seq
    return not (is_map or is_seq)


def by_marker(
    tp: Any, marker: Any, disc: str | None = None
) -> tuple[Any, tuple[Any, ...], bool]:
    """Resolve a union by the marker pydantic put in an error location.

    Returns (member, metadata, is_model_member).
    """
    core, meta, inner = strip(tp)
    disc = inner or disc
    members = union_members(core) or [core]
    for m in members:
        c, m2, _ = strip(m)
        if is_model(c):
            if disc is not None:
                if str(marker) in tag_values(c, disc):
                    return c, meta + m2, True
                continue
            if re.search(rf"\b{re.escape(c.__name__)}\b", str(marker)):
                return c, meta + m2, True
    for m in members:
        c, m2, _ = strip(m)
        if not is_model(c):
            return c, meta + m2, False
    c, m2, _ = strip(members[0])
    return c, meta + m2, is_model(c)


def child(node: Node, part: str | int, value: Any = MISSING) -> Node | None:
    """Step from ``node`` into key or index ``part``; None if ``part`` is not allowed.

    Unions are resolved by the raw ``value`` at ``node`` (when given).
    """
    core, meta = pick_member(node.tp, value, node.disc)
    if is_model(core):
        f = core.model_fields.get(str(part))
        if f is None:
            return None
        disc = f.discriminator if isinstance(f.discriminator, str) else None
        return Node(f.annotation, tuple(f.metadata), core, str(part), disc)
    origin = get_origin(core)
    args = get_args(core)
    if origin in (dict, Mapping) or core is dict:
        return Node(args[1] if len(args) == 2 else Any, (), node.owner, node.name)
    if origin in (tuple, list) and isinstance(part, int):
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            item = args[part] if 0 <= part < len(args) else Any
        else:
            item = args[0] if args else Any
        return Node(item, (), node.owner, node.name)
    return None


def model_at(node: Node, value: Any = MISSING) -> type[BaseModel] | None:
    """The model class at ``node`` (resolving unions by ``value``), if any."""
    core, _ = pick_member(node.tp, value, node.disc)
    return core if is_model(core) else None


def is_mapping_type(node: Node) -> bool:
    """True if ``node`` is a ``dict[...]`` collection (any key may be added)."""
    core, _, _ = strip(node.tp)
    return get_origin(core) in (dict, Mapping) or core is dict


def validators(meta: tuple[Any, ...]) -> set[Any]:
    """The before-validator functions in ``meta`` (to recognise units)."""
    return {m.func for m in meta if isinstance(m, BeforeValidator)}


def kind(node: Node | None, value: Any = MISSING) -> str:
    """What a planner is expected to write at ``node``, in a word.

    One of duration, rate, clock, time_of_day, factor, integer, number, name,
    text, bool, choice, distribution, settings, mapping, list, or value.
    """
    if node is None:
        return "value"
    core, meta, disc = strip(node.tp)
    meta = tuple(node.meta) + meta
    funcs = validators(meta)
    for func, word in (
        (units.parse_duration, "duration"),
        (units.parse_rate, "rate"),
        (units.parse_clock, "clock"),
        (units.time_of_day, "time_of_day"),
        (units.parse_multiplier, "factor"),
    ):
        if func in funcs:
            return word
    members = union_members(core)
    if members:
        if (disc or node.disc) == "dist":
            return "distribution"
        core, meta2 = pick_member(node.tp, value, node.disc)
        return kind(Node(core, meta + meta2), value)
    if core is bool:
        return "bool"
    if core is int:
        return "integer"
    if core is float:
        return "number"
    if core is str:
        return "name" if any(getattr(m, "pattern", None) for m in meta) else "text"
    if get_origin(core) is Literal:
        return "choice"
    if is_model(core):
        return "settings"
    origin = get_origin(core)
    if origin in (dict, Mapping) or core is dict:
        return "mapping"
    if origin in (tuple, list):
        return "list"
    return "value"


def bounds(meta: tuple[Any, ...], show: Any = str) -> str:
    """Describe numeric constraints in ``meta``: ``">= 0"``, ``"between 0 and 1"``
    (each bound written with ``show``, e.g. :func:`units.duration_text`)."""
    lo = hi = None
    for m in meta:
        for attr, op in (("ge", ">="), ("gt", ">")):
            if getattr(m, attr, None) is not None:
                lo = (op, show(getattr(m, attr)))
        for attr, op in (("le", "<="), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                hi = (op, show(getattr(m, attr)))
    if lo and hi and lo[0] == ">=" and hi[0] == "<=":
        return f"between {lo[1]} and {hi[1]}"
    return " and ".join(f"{p[0]} {p[1]}" for p in (lo, hi) if p is not None)


@dataclass
class Located:
    """A pydantic error location resolved against the raw input."""

    parts: list[str | int] = field(default_factory=list)
    node: Node | None = None
    owner: type[BaseModel] | None = None
    """The innermost model reached (for valid-key hints)."""
    value: Any = MISSING
    relevant: bool = True
    """False for errors of a union member the input plainly was not meant for."""
    key_error: bool = False


def resolve_loc(root: type[BaseModel], loc: tuple[Any, ...], raw: Any) -> Located:
    """Map a pydantic ``loc`` to the path in the raw input, with type information."""
    out = Located(node=Node(root), owner=root, value=raw)
    for part in loc:
        node = out.node
        if node is None:
            out.parts.append(part)
            out.value = MISSING
            continue
        core, _, disc = strip(node.tp)
        disc = disc or node.disc
        if union_members(core):
            member, meta, member_is_model = by_marker(node.tp, part, disc)
            if disc is None and member_is_model != isinstance(out.value, Mapping):
                out.relevant = False
            out.node = Node(member, node.meta + meta, node.owner, node.name)
            if is_model(member):
                out.owner = member
            continue
        if part == "[key]":
            out.key_error = True
            continue
        if is_model(core):
            out.owner = core
        out.parts.append(part)
        out.node = child(node, part, out.value)
        if isinstance(out.value, Mapping) and part in out.value:
            out.value = out.value[part]
        elif isinstance(out.value, list) and isinstance(part, int) and 0 <= part < len(out.value):
            out.value = out.value[part]
        else:
            out.value = MISSING
    return out


# --- writing a validated model back in input form -------------------------------


def _secs(v: float) -> str:
    return f"{v!r}s"


def _clock(v: float) -> str:
    day, rem = divmod(round(v), 86400)
    return f"day {day + 1} {rem // 3600:02d}:{rem % 3600 // 60:02d}"


def _tod(v: float) -> str:
    v = round(v)
    return f"{v // 3600:02d}:{v % 3600 // 60:02d}"


_WRITERS = {
    units.parse_duration: _secs,
    units.parse_rate: lambda v: f"{v!r}/s",
    units.parse_clock: _clock,
    units.time_of_day: _tod,
}


def to_input(value: Any, tp: Any = Any, meta: tuple[Any, ...] = ()) -> Any:
    """Write ``value`` (a model, or plain data holding models) in input form.

    Floats that were durations become ``"120.0s"``, rates ``"0.75/s"``, clock times
    ``"day 1 09:00"``, so that the result validates back to an equal model.
    """
    if isinstance(value, BaseModel):
        cls = type(value)
        keys = value.model_fields_set or set(cls.model_fields)
        return {
            name: to_input(getattr(value, name), f.annotation, tuple(f.metadata))
            for name, f in cls.model_fields.items()
            if name in keys
        }
    core, meta2 = pick_member(tp, value)
    meta = meta + meta2
    if isinstance(value, Mapping):
        args = get_args(core)
        vt = args[1] if len(args) == 2 else Any
        return {str(k): to_input(v, vt) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        args = get_args(core)
        if get_origin(core) is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            return [to_input(v, args[i] if i < len(args) else Any) for i, v in enumerate(value)]
        return [to_input(v, args[0] if args else Any) for v in value]
    if isinstance(value, float):
        for func in validators(meta):
            if func in _WRITERS:
                return _WRITERS[func](value)
    return value
