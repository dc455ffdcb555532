"""The one error a planner sees: :class:`ScenarioError`, located by file, line and
field path, worded for a person rather than a programmer.

``str(err)`` is always a single line, ``FILE:LINE: PATH: MESSAGE``, the shape
editors and CI logs turn into clickable locations. The first problem found is the
message; ``err.all_errors`` keeps every problem found in the same pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, NoReturn

from sim.text import one_line


class ScenarioError(Exception):
    """A mistake in a scenario, located by ``file``, ``line`` (1-based) and ``path``.

    Attributes:
        file: The scenario file (``"<string>"`` for text, ``"<dict>"`` for dicts).
        line: 1-based line number in the file, or None when unknown.
        path: Dotted field path such as ``pools.tier1.size`` or ``demand[2].rate``
            (empty for problems with the file as a whole).
        message: What is wrong and what was expected, in plain words.
        all_errors: Every problem found in the same pass, each formatted as one
            line like ``str(err)``; the first is this error.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str = "",
        all_errors: Sequence[str] | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.path = _shorten(" ".join(str(path).split()))  # one line, as the message
        self.message = _shorten(" ".join(str(message).split()))
        self._all = list(all_errors) if all_errors is not None else None
        super().__init__(self.message)

    @property
    def all_errors(self) -> list[str]:
        """Every problem found, one formatted line each (at least this one)."""
        return list(self._all) if self._all else [str(self)]

    @all_errors.setter
    def all_errors(self, value: Sequence[str]) -> None:
        self._all = list(value)

    def __str__(self) -> str:
        where = one_line(self.file) if self.file else "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        head = f"{where}: {self.path}: " if self.path else f"{where}: "
        return head + self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only arguments: rebuild through a helper so the error survives
        # pickling across process-pool workers
        return (_rebuild, (self.message, self.file, self.line, self.path, self._all))


_LONG_WORD = re.compile(r"\S{121,}")
MAX_MESSAGE = 1000


def _shorten(text: str) -> str:
    """Cut values pasted into a message down to size: a megabyte-long value would
    otherwise make a megabyte-long error line."""
    def cut(m: re.Match[str]) -> str:
        word = m.group()
        return word[:60] + "..." + (word[-1] if word[-1] in "'\"),;:]}" else "")

    text = _LONG_WORD.sub(cut, text)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _rebuild(
    message: str, file: str | None, line: int | None, path: str, all_errors: list[str] | None
) -> ScenarioError:
    return ScenarioError(message, file=file, line=line, path=path, all_errors=all_errors)


def did_you_mean(word: str, options: Iterable[str], *, list_all: int = 12) -> str:
    """Return a hint like ``"did you mean 'patience'?"`` for a misspelt ``word``.

    Without a close match, lists the options (when there are at most ``list_all``
    of them) as ``"use one of a, b, c"``; returns ``""`` when there is nothing to say.
    """
    opts = sorted({str(o) for o in options})
    if not opts:
        return ""
    lowered = {o.lower(): o for o in opts}
    match = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
    if match:
        return f"did you mean '{lowered[match[0]]}'?"
    if len(opts) <= list_all:
        return "use one of " + ", ".join(opts)
    return ""


def unknown_name(what: str, name: str, known: Iterable[str], section: str) -> str:
    """The message for a name a scenario uses but does not declare, e.g. ``unknown
    channel 'fone'; did you mean 'phone'?`` (``section``: where such names are declared)."""
    known = list(known)
    if not known:
        return f"unknown {what} '{name}': no {section} are declared"
    hint = did_you_mean(name, known)
    return f"unknown {what} '{name}'" + (f"; {hint}" if hint else f" (see '{section}')")


def closest(word: str, options: Iterable[str]) -> str | None:
    """Return the option closest to ``word`` if one is close enough, else None."""
    opts = {str(o).lower(): str(o) for o in options}
    match = difflib.get_close_matches(str(word).lower(), list(opts), n=1, cutoff=0.6)
    return opts[match[0]] if match else None


def format_path(parts: Sequence[str | int]) -> str:
    """Format ``("demand", 2, "rate")`` as ``demand[2].rate``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class Issue(NamedTuple):
    """One problem found: where (dotted path, line) and what."""

    path: str
    line: int | None
    message: str
    rank: int = 0
    """Lower ranks are reported first (root causes before their consequences)."""


def raise_issues(issues: Sequence[Issue], file: str | None) -> NoReturn:
    """Raise the first issue in file order as a :class:`ScenarioError` keeping all."""
    if not issues:
        raise ValueError("raise_issues needs at least one issue")
    order = sorted(
        range(len(issues)),
        key=lambda i: (issues[i].rank, issues[i].line is None, issues[i].line or 0, i),
    )
    errors = [
        ScenarioError(issues[i].message, file=file, line=issues[i].line, path=issues[i].path)
        for i in order
    ]
    first = errors[0]
    first.all_errors = [str(e) for e in errors]
    raise first


_PATH_TOKEN = re.compile(r"""\[\s*(-?\d+)\s*\]|\[\s*(["']?)(.*?)\2\s*\]|\.?([^.\[\]]+)""")


def parse_path(text: str) -> list[str | int]:
    """Split ``demand[2].rate`` into ``["demand", 2, "rate"]``.

    Keys holding dots may be bracketed: ``pools["tier.1"].size``.
    """
    parts: list[str | int] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _PATH_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read the field path {text!r} near position {pos}")
        if m.group(1) is not None:
            parts.append(int(m.group(1)))
        elif m.group(3) is not None:
            parts.append(m.group(3))
        else:
            parts.append(m.group(4).strip())
        pos = m.end()
    return parts
