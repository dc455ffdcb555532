"""Text a planner writes must survive every place it is shown or stored.

Names and descriptions end up in the terminal, in JSON, parquet, CSV and HTML
files. Two kinds of character cannot: a lone surrogate (``"\\ud800"`` in a
double-quoted YAML string, or a file name byte that is not UTF-8 passed through
``--set``), which no UTF-8 file can hold, and control characters (``"\\e[31m"``,
a bell), which the terminal would act on instead of showing. Both are refused at
load, with the line and field path of the text. Tabs and line breaks are fine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sim.scenario.errors import Issue, format_path, raise_issues

Locate = Callable[[Sequence[str | int]], int | None]

#: Lone surrogates, C0 controls other than tab / line feed / carriage return, DEL and C1.
_BAD = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def bad_character(text: str) -> str | None:
    """Why ``text`` cannot be shown or stored (None if it can)."""
    m = _BAD.search(text)
    if m is None:
        return None
    code = ord(m.group())
    if 0xD800 <= code <= 0xDFFF:
        return (f"the text holds a lone surrogate (U+{code:04X}), which no UTF-8 file can "
                "store; remove it (or the '\\u' escape that wrote it)")
    return (f"the text holds the control character U+{code:04X}, which a terminal would "
            "act on instead of showing; remove it")


def find_bad_text(data: Any, locate: Locate, path: tuple[str | int, ...] = ()) -> list[Issue]:
    """Every key or text value in ``data`` holding a character :func:`bad_character`
    refuses, with its path and line."""
    out: list[Issue] = []
    if isinstance(data, str):
        why = bad_character(data)
        if why is not None:
            out.append(Issue(format_path(path), locate(path), why))
    elif isinstance(data, Mapping):
        for key, value in data.items():
            here = (*path, str(key))
            why = bad_character(str(key))
            if why is not None:
                out.append(Issue(format_path(path), locate(here),
                                 why.replace("the text", "a key")))
            out += find_bad_text(value, locate, here)
    elif isinstance(data, (list, tuple)):
        for i, value in enumerate(data):
            out += find_bad_text(value, locate, (*path, i))
    return out


def check_text(data: Any, locate: Locate, file: str | None) -> None:
    """Raise :class:`ScenarioError` for the first text that cannot be shown or stored."""
    issues = find_bad_text(data, locate)
    if issues:
        raise_issues(issues, file)
