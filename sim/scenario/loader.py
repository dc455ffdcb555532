"""Loading a scenario file: YAML text in, a validated frozen :class:`Scenario` out.

The pipeline is the same for files, text and dicts: safe YAML reading (with the
line of every field), pydantic field validation, then cross-reference checks.
Every problem becomes a one-line :class:`ScenarioError` naming the file, line and
field path, worded for the planner who wrote the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sim.scenario.bounds import check_derived
from sim.scenario.checks import check
from sim.scenario.errors import ScenarioError, parse_path, raise_issues
from sim.scenario.messages import bool_issues, translate
from sim.scenario.schema import Scenario
from sim.scenario.strings import check_text
from sim.scenario.yamlread import Lines, decode, parse

#: Field errors worded per file (the first, in file order, is the one shown).
MAX_ERRORS = 200

_REQUIRED = "name, horizon, channels, intents, demand and pools"


class Locator:
    """Maps a field path to the line it was written on (the nearest enclosing key)."""

    def __init__(self, lines: Lines | None = None) -> None:
        self.lines: Lines = dict(lines or {})

    def __call__(self, path: Sequence[str | int] | str) -> int | None:
        parts = tuple(parse_path(path) if isinstance(path, str) else path)
        for n in range(len(parts), -1, -1):
            line = self.lines.get(parts[:n])
            if line is not None:
                return line
        return None


#: Largest scenario file read (bytes); real ones are a few kilobytes (the largest
#: bundled one is 13 KB), and the YAML reader takes about a second per 100 KB.
MAX_FILE_BYTES = 2**20


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read, validate and cross-check the scenario file at ``path``.

    Only regular files are read: a FIFO, a device or a socket is refused at once
    (reading one could wait for ever, or without end).

    Raises:
        ScenarioError: the first problem found (``.all_errors`` lists them all).
    """
    file = os.fspath(path)
    try:
        data = _read_regular(file)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except IsADirectoryError:
        raise ScenarioError("this is a folder, not a scenario file", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({exc.strerror or exc})", file=file) from None
    return load_text(data, file=file)


def _read_regular(file: str) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES``.

    Opened without blocking (a FIFO with no writer would otherwise hang ``open``)
    and checked with ``fstat`` on the open descriptor, so the file read is the file
    checked.
    """
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(file)
        if not stat.S_ISREG(mode):
            raise ScenarioError(f"this is {_file_kind(mode)}, not a regular file; give the "
                                "path of a scenario file", file=file)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # Read one byte past the cap, so a huge file is refused without reading it whole.
            data = handle.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB; a scenario file is a few "
            "kilobytes (long empirical samples belong in a calibration log)",
            file=file,
        )
    return data


def _file_kind(mode: int) -> str:
    """``'a FIFO (named pipe)'``, ``'a device'``, ``'a socket'``."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def load_text(text: str | bytes, file: str = "<string>") -> Scenario:
    """Validate scenario YAML given as text (or UTF-8 bytes).

    Raises:
        ScenarioError: the first problem found (``.all_errors`` lists them all).
    """
    if isinstance(text, (bytes, bytearray)):
        text = decode(bytes(text), file)
    data, lines = parse(text, file)
    if data is None:
        raise ScenarioError(
            f"the file is empty; a scenario needs at least {_REQUIRED}", file=file, line=1
        )
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"the single value {data!r}"
        raise ScenarioError(
            f"the top level must be a mapping of settings ('name: ...', 'horizon: ...'), "
            f"got {what}",
            file=file,
            line=lines.get((), 1),
        )
    return validate(data, file=file, lines=lines)


def validate(data: Mapping[str, Any], file: str = "<dict>", lines: Lines | None = None) -> Scenario:
    """Validate plain data: pydantic field checks, then cross-reference checks.

    Args:
        data: The scenario as plain dicts and lists, units as strings.
        file: Shown in error messages.
        lines: Line of each field path, when the data came from a file.
    """
    locate = Locator(lines)
    if not isinstance(data, Mapping):
        raise ScenarioError(
            "a scenario must be a mapping of settings ('name: ...', 'horizon: ...')", file=file
        )
    check_text(data, locate, file)
    flagged = bool_issues(Scenario, data, locate)
    if flagged:
        raise_issues(flagged, file)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # thousands of errors (a file of unknown keys) take seconds to word; a planner
        # reads the first few
        raise_issues(translate(exc.errors()[:MAX_ERRORS], Scenario, data, locate), file)
    check(scenario, locate, file=file)
    check_derived(scenario, locate, file=file)
    return scenario

