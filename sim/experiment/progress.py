"""Progress display for long experiments: a rich progress bar, or nothing.

Library functions take ``progress=True`` to show a bar on stderr (the console is
left clean for tables once it finishes; nothing is drawn when stderr is not a
terminal, e.g. in CI logs), ``False`` for silence, or any callable
``fn(done, total)`` for notebooks and GUIs that draw their own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

ProgressArg = bool | Callable[[int, int], Any]


class Progress:
    """Counts finished units of work and shows them (see module docstring)."""

    def __init__(self, enabled: ProgressArg, description: str, total: int) -> None:
        self.done = 0
        self.total = total
        self._callback = enabled if callable(enabled) else None
        self._bar: Any = None
        self._task: Any = None
        if enabled is True:
            from rich.console import Console

            console = Console(file=sys.stderr)
            if not console.is_terminal:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}", markup=False),  # names shown as written
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._task = self._bar.add_task(description, total=total)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def set_total(self, total: int) -> None:
        """Grow (or shrink) the amount of work, e.g. when stopping adds a batch."""
        self.total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more finished units."""
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def describe(self, text: str) -> None:
        """Change the label in front of the bar."""
        if self._bar is not None:
            self._bar.update(self._task, description=text)
