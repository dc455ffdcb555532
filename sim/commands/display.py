"""Printing for people: every string a user wrote is shown as written, and every
error is one line.

Scenario, pool and channel names, sweep values and log contents reach the
terminal through rich, whose markup (``[bold]``, ``[/]``) and emoji codes
(``:smile:``) would otherwise act on them, or fail on them (``[/]`` alone is a
markup error). The console made here reads no markup and no emoji codes: styles
are given as :class:`rich.text.Text` objects instead (:func:`styled`).

Error lines escape control characters (a file name holding a line break stays one
line) and keep the ``error: ...`` shape scripts and editors look for.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from sim.text import one_line

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

__all__ = ["assemble", "console", "error", "one_line", "styled"]


def console(*, stderr: bool = False) -> Console:
    """A rich console that shows every string literally (no markup, no emoji codes)."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False)


def styled(text: str, style: str = "") -> Text | str:
    """``text`` in a rich ``style`` (``"green"``, ``"bold"``), or plain without one."""
    if not style:
        return text
    from rich.text import Text

    return Text(text, style=style)


def assemble(*parts: str | tuple[str, str]) -> Text:
    """A line from plain parts and ``(text, style)`` parts."""
    from rich.text import Text

    return Text.assemble(*parts)


def error(message: Any) -> None:
    """Print ``error: MESSAGE`` on stderr, as one line."""
    print(f"error: {one_line(message)}", file=sys.stderr)
