"""Reading a scenario's YAML safely: plain data plus the line of every field.

The text is *composed* (parsed into nodes) by ruamel.yaml and the nodes are turned
into plain dicts, lists, strings and numbers here, so no YAML tag can ever build a
Python object: any tag other than the core ones (``!!str``, ``!!int``, ...) is
rejected. Along the way every key and list item is recorded with its 1-based line
(``{("pools", "tier1", "size"): 14, ("demand", 2): 9, ...}``), duplicate keys are
caught with both lines, and syntax errors are located and explained.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from sim.scenario.errors import ScenarioError, format_path

Path = tuple[str | int, ...]
Lines = dict[Path, int]

MAX_VALUES = 200_000
"""Limit on values after expanding aliases (guards against "billion laughs")."""
MAX_DEPTH = 60
MAX_MARKS = 10_000
"""Limit on ',', ':' and line breaks in the text: a cheap bound on its keys and items,
checked before parsing (the YAML reader takes about 80 µs per key; the bundled
scenarios hold at most about 1,000 such marks)."""
MAX_INT_DIGITS = 60
"""Longest integer literal read (no field takes more; Python refuses to print huge ints)."""

_T = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _T + "map", _T + "seq", _T + "merge"
_SCALAR_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


def decode(data: bytes, file: str) -> str:
    """Decode UTF-8 bytes (a byte-order mark is allowed), or raise a located error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X} cannot be read); "
            "save it with UTF-8 encoding",
            file=file,
            line=line,
        ) from None


def parse(text: str, file: str) -> tuple[Any, Lines]:
    """Parse YAML ``text`` into plain data and a map from field path to line."""
    crowded = _too_many_marks(text)
    if crowded is not None:
        raise ScenarioError(
            f"the file holds too many keys and values (more than {MAX_MARKS:,} ',', ':' "
            "and lines); a scenario has a few hundred (long empirical samples belong in a "
            "calibration log)", file=file, line=crowded)
    deep = _flow_too_deep(text)
    if deep is not None:
        raise ScenarioError(_TOO_DEEP, file=file, line=deep)
    yaml = YAML(typ="rt")
    try:
        node = yaml.compose(text)
    except MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except RecursionError:
        # the composer recurses once per nesting level: thousands of '[' or
        # indented keys exhaust Python's stack before any depth check can run
        raise ScenarioError(_TOO_DEEP, file=file, line=_too_deep_line(text)) from None
    except ReaderError as exc:  # a control character, which YAML forbids
        line = text.count("\n", 0, max(0, exc.position)) + 1
        raise ScenarioError(
            f"the file holds a control character (code {exc.character:#04x}) that YAML does "
            "not allow; remove it",
            file=file,
            line=line,
        ) from None
    except YAMLError as exc:  # pragma: no cover - other unmarked errors are rare
        raise ScenarioError(f"cannot read the YAML: {exc}", file=file) from None
    if node is None:
        return None, {}
    reader = _Reader(file)
    data = reader.value(node, ())
    reader.lines[()] = node.start_mark.line + 1
    return data, reader.lines


class _Reader:
    """Turns composed nodes into plain data, recording lines and rejecting tags."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: Lines = {}
        self.count = 0

    def fail(self, message: str, node: Node, path: Path) -> ScenarioError:
        return ScenarioError(
            message, file=self.file, line=node.start_mark.line + 1, path=format_path(path)
        )

    def value(self, node: Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_VALUES or len(path) > MAX_DEPTH:
            raise self.fail(
                "the file expands to too many values (are aliases '*name' nested "
                "inside each other?)",
                node,
                path,
            )
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise self.fail(_tag_message(node.tag), node, path)
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(_tag_message(node.tag), node, path)
            out = []
            for i, item in enumerate(node.value):
                self.lines.setdefault(path + (i,), item.start_mark.line + 1)
                out.append(self.value(item, path + (i,)))
            return out
        return self.scalar(node, path)

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self.key(key_node, path)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise ScenarioError(
                    f"key '{key}' is given twice in the same mapping (first on line "
                    f"{first_line[key]}); keep one",
                    file=self.file,
                    line=line,
                    path=format_path(path + (key,)),
                )
            first_line[key] = line
            self.lines[path + (key,)] = line
            out[key] = self.value(value_node, path + (key,))
        # YAML merge keys ('<<: *defaults'): explicit keys win, earlier sources win
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for src in sources:
                if not isinstance(src, MappingNode):
                    raise self.fail("'<<' must merge a mapping (like '<<: *defaults')", src, path)
                for key_node, value_node in src.value:
                    key = self.key(key_node, path)
                    if key not in out:
                        self.lines.setdefault(path + (key,), key_node.start_mark.line + 1)
                        out[key] = self.value(value_node, path + (key,))
        return out

    def key(self, node: Node, path: Path) -> str:
        if not isinstance(node, ScalarNode):
            raise self.fail("a key must be a plain name, not a list or mapping", node, path)
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(_tag_message(node.tag), node, path)
        if node.tag == _T + "null" and node.value in ("", "~", "null", "Null", "NULL"):
            raise self.fail("a key is missing before ':'", node, path)
        return str(node.value)

    def scalar(self, node: Node, path: Path) -> Any:
        tag, text = node.tag, str(node.value)
        if getattr(node, "style", None) == ">":
            # ruamel's round-trip composer marks each fold of a '>' block with a BEL
            # character (to re-emit the folds); YAML forbids a literal one, so drop them
            text = text.replace("\a", "")
        if tag not in _SCALAR_TAGS:
            raise self.fail(_tag_message(tag), node, path)
        try:
            if tag == _T + "null":
                return None
            if tag == _T + "bool":
                return text.lower() == "true"
            if tag == _T + "int":
                digits = text.replace("_", "")
                body = digits.lstrip("+-")
                if body[:2].lower() in ("0x", "0o", "0b"):
                    body = body[2:]
                if len(body.lstrip("0")) > MAX_INT_DIGITS:
                    raise self.fail(f"the number '{text[:20]}...' is too large", node, path)
                try:
                    return int(digits, 10)
                except ValueError:
                    return int(digits, 0)
            if tag == _T + "float":
                low = text.lower().replace("_", "")
                if low.lstrip("+-") == ".inf":
                    return float("-inf") if low.startswith("-") else float("inf")
                if low == ".nan":
                    return float("nan")
                return float(low)
        except ValueError:
            raise self.fail(f"'{text}' is not a {tag[len(_T):]}", node, path) from None
        return text  # str and timestamps stay text (units parse them)


_TOO_DEEP = (f"the file is nested too deeply (more than {MAX_DEPTH} levels of lists or "
             "mappings inside each other)")
_VALUE_START = frozenset(":-[{,?\n")


_MARK = re.compile(r"[,:\n]")


def _too_many_marks(text: str) -> int | None:
    """The line where the ``MAX_MARKS``-th mark falls, or None if there are fewer."""
    if len(text) <= MAX_MARKS:
        return None
    for k, m in enumerate(_MARK.finditer(text)):
        if k >= MAX_MARKS:
            return text.count("\n", 0, m.start()) + 1
    return None


def _flow_too_deep(text: str) -> int | None:
    """The line where '[' / '{' collections nest deeper than ``MAX_DEPTH``, or None.

    A cheap scan before parsing: ruamel's scanner takes time quadratic in the depth
    of flow collections (seconds for a thousand '[', minutes for tens of
    thousands), so such files are refused before the scanner sees them. Brackets
    count only where a value can start (not inside quotes, comments or words).
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth, line, prev, quote = 0, 1, "\n", ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        if quote:
            if c == "\\" and quote == '"':
                i += 1
                if i < n and text[i] == "\n":
                    line += 1
            elif c == quote:
                quote, prev = "", c
            i += 1
            continue
        if c == "\n":
            prev = "\n"
        elif c == "#" and (prev == "\n" or text[i - 1] in " \t"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "'\"" and prev in _VALUE_START:
            quote = c
        elif c in "[{" and prev in _VALUE_START:
            depth += 1
            if depth > MAX_DEPTH:
                return line
            prev = c
        elif c in "]}":
            depth = max(0, depth - 1)
            prev = c
        elif c not in " \t\r":
            prev = c
        i += 1
    return None


def _too_deep_line(text: str) -> int | None:
    """The line where nesting first goes deeper than ``MAX_DEPTH`` (events, no recursion)."""
    depth = 0
    try:
        for event in YAML(typ="rt").parse(text):
            name = type(event).__name__
            if name in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.line) + 1
            elif name in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
    except (YAMLError, RecursionError):
        pass
    return None


def _tag_message(tag: Any) -> str:
    shown = str(tag).replace(_T, "!!")
    return (
        f"YAML tag '{shown}' is not allowed: a scenario holds only plain values "
        "(text, numbers, true/false, lists and mappings)"
    )


_PROBLEMS = (
    ("found character '\\t'", "a tab is used for indentation; indent with spaces only"),
    ("mapping values are not allowed", "unexpected ':' here; check the indentation, or put "
     "quotes around text that contains ': '"),
    ("could not find expected ':'", "expected 'key: value' here; check for a missing ':' "
     "or an unclosed quote"),
    ("expected <block end>", "the indentation does not line up with the lines above"),
    ("expected ',' or ']'", "a '[...]' list is not closed, or an item lacks a comma"),
    ("expected ',' or '}'", "a '{...}' mapping is not closed, or an entry lacks a comma"),
    ("found undefined alias", None),
    ("but found another document", "the file holds more than one YAML document ('---'); "
     "a scenario is one document"),
    ("found unexpected end of stream", "the file ends inside a quoted text; close the quote"),
)


def _syntax_error(exc: MarkedYAMLError, text: str, file: str) -> ScenarioError:
    problem = str(exc.problem or exc.context or "invalid YAML")
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    message = f"YAML syntax error: {problem}"
    for needle, plain in _PROBLEMS:
        if needle in problem:
            if plain is None:
                name = problem.split("alias", 1)[-1].strip()
                message = f"alias *{name.strip(chr(39))} is used but no '&' anchor defines it"
            else:
                message = plain
            if exc.context_mark is not None and ("end of stream" in problem or "or ']'" in problem
                                                 or "or '}'" in problem):
                line = exc.context_mark.line + 1
            break
    return ScenarioError(message, file=file, line=line, path=_path_before_error(text, line))


def _path_before_error(text: str, line: int | None) -> str:
    """The field path of the last node that starts at or before ``line`` (best effort)."""
    stack: list[list[Any]] = []  # ["map", key, in_value] or ["seq", index]
    found: list[str | int] = []

    def here() -> list[str | int]:
        parts: list[str | int] = []
        for frame in stack:
            if frame[0] == "map" and frame[2] and frame[1] is not None:
                parts.append(str(frame[1]))
            elif frame[0] == "seq" and frame[1] >= 0:
                parts.append(frame[1])
        return parts

    try:
        for event in YAML(typ="rt").parse(text):
            name = type(event).__name__
            if line is not None and event.start_mark.line + 1 > line:
                break
            if name in ("MappingEndEvent", "SequenceEndEvent"):
                if stack:
                    stack.pop()
                if stack and stack[-1][0] == "map":
                    stack[-1][2] = False  # the collection was a value: it is complete
                continue
            if name not in ("ScalarEvent", "AliasEvent", "MappingStartEvent",
                            "SequenceStartEvent"):
                continue
            top = stack[-1] if stack else None
            is_value = True
            if top is not None and top[0] == "map":
                if not top[2]:
                    top[1], top[2] = getattr(event, "value", None), True
                    is_value = False
            elif top is not None:
                top[1] += 1
            found = here()
            if top is not None and top[0] == "map" and is_value and name in (
                "ScalarEvent", "AliasEvent"
            ):
                top[2] = False
            if name == "MappingStartEvent":
                stack.append(["map", None, False])
            elif name == "SequenceStartEvent":
                stack.append(["seq", -1])
    except YAMLError:
        pass
    return format_path(found)
