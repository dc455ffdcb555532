"""Ctrl-C on the command line: one clean ``interrupted`` line, exit status 130, and
outputs that are complete or absent.

Before the outputs are written, Ctrl-C stops the work at once and nothing is
written (:func:`sim.commands.experiments.planner_errors`). While they are being
written, Ctrl-C is held back until every file is in place (each file is written
atomically, but a folder holding the new summary beside the old contacts would
mislead), then acted on: :func:`outputs_first`.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import typer

from sim.text import one_line

#: Exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


class Held:
    """Whether a Ctrl-C arrived while it was held back."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1


@contextmanager
def hold_interrupts() -> Iterator[Held]:
    """Hold Ctrl-C back during the block (in the main thread; elsewhere a no-op)."""
    held = Held()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = signal.signal(signal.SIGINT, held)
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def outputs_first(out_dir: Path) -> Iterator[None]:
    """Write the outputs in the block whatever Ctrl-C does; if it was pressed meanwhile,
    stop right after them with one line and exit status 130."""
    with hold_interrupts() as held:
        yield
    if held.count:
        print(f"interrupted: the results were written completely to {one_line(out_dir)}",
              file=sys.stderr)
        raise typer.Exit(INTERRUPTED)


def interrupted_by_user(exc: BaseException) -> bool:
    """True if ``exc`` (a ``SystemExit``) is typer's silent answer to Ctrl-C: exit 130
    raised straight from a ``KeyboardInterrupt`` that no command reported."""
    if getattr(exc, "code", None) != INTERRUPTED:
        return False
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause.__cause__, KeyboardInterrupt):
            return True
        cause = cause.__cause__ or (None if cause.__suppress_context__ else cause.__context__)
    return False
